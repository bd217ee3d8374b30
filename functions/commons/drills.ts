/** The drill reports' store (the drills table), built once per container. */
import { config } from '../../contract/config';
import type { DrillStore } from '../../core/ports/drills';
import { DynamoDrillStore } from '../../store/dynamo-drills';
import { documentClient } from './dynamo';

let store: DrillStore | undefined;

export function getDrillStore(): DrillStore {
  store ??= new DynamoDrillStore(documentClient(), config.tableName('drills'));
  return store;
}
