/**
 * The monitor's measurement records (store/dynamo-measurements.ts), in the samples table,
 * created once per container; undefined when the function is not bound to that table.
 */
import { config } from '../../contract/config';
import type { MeasurementLog } from '../../core/measurements';
import { documentClient } from './dynamo';
import { DynamoMeasurementLog } from '../../store/dynamo-measurements';

let log: MeasurementLog | null | undefined;

export function getMeasurementLog(): MeasurementLog | undefined {
  if (log === undefined) {
    try {
      const table = config.tableName('samples');
      log = new DynamoMeasurementLog(documentClient(), table);
    } catch {
      log = null;
    }
  }
  return log ?? undefined;
}
