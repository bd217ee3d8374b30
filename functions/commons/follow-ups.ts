/** The follow-up log (the followups table), built once per container. */
import { config } from '../../contract/config';
import type { FollowUpLog } from '../../core/ports/follow-ups';
import { DynamoFollowUpLog } from '../../store/dynamo-follow-ups';
import { documentClient } from './dynamo';

let log: FollowUpLog | undefined;

export function getFollowUpLog(): FollowUpLog {
  log ??= new DynamoFollowUpLog(documentClient(), config.tableName('followups'));
  return log;
}
