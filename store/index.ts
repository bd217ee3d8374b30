/** Builds the store adapters from configuration; entry points call this once, at cold start. */
import { systemClock } from '../core/ports';
import type { Deps } from '../core/deps';
import { createDocumentClient, createS3Client } from './clients';
import { storeConfigFromEnv, type StoreConfig } from './config';
import { DynamoOnlineStore } from './dynamo-online';
import { createTablePorts } from './dynamo-ports';
import { materializationSk } from './dynamo-query';
import { DynamoRefusalLog } from './dynamo-refusal-log';
import { S3SnapshotStore } from './s3-snapshots';

export { createTablePorts, type TablePorts } from './dynamo-ports';

export function createDeps(config: StoreConfig = storeConfigFromEnv(), db = createDocumentClient()): Deps {
  const s3 = createS3Client({ forcePathStyle: config.s3ForcePathStyle });
  return {
    ...createTablePorts(db, config.tables),
    online: new DynamoOnlineStore(db, config.tables.online, { materializations: { table: config.tables.versions, key: materializationSk } }),
    refusals: new DynamoRefusalLog(db, config.tables.refusals),
    snapshots: new S3SnapshotStore(s3, config.snapshotBucket),
    clock: systemClock,
  };
}
