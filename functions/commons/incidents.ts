/** The incidents table's adapter (store/dynamo-incidents.ts), created once per container. */
import type { IncidentLog } from '../../core/ports/incidents';
import { config } from '../../contract/config';
import { DynamoIncidentLog } from '../../store/dynamo-incidents';
import { documentClient } from './dynamo';

let log: IncidentLog | undefined;

export function getIncidentLog(): IncidentLog {
  log ??= new DynamoIncidentLog(documentClient(), config.tableName('incidents'));
  return log;
}
