/** Builds the store adapters from configuration; entry points call this once, at cold start. */
import { systemClock } from '../core/ports';
import type { Deps } from '../core/deps';
import { createDocumentClient, createS3Client, onlineDocumentClient } from './clients';
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
    online: new DynamoOnlineStore(onlineDocumentClient(config.onlineDynamoDbEndpoint, () => db), config.tables.online, {
      // On an endpoint of its own, the online table cannot share a transaction with the
      // versions table: the purge's fence then reads the state through `db` (store/dynamo-online.ts).
      materializations: { table: config.tables.versions, key: materializationSk, ...(config.onlineDynamoDbEndpoint === undefined ? {} : { db }) },
    }),
    refusals: new DynamoRefusalLog(db, config.tables.refusals),
    snapshots: new S3SnapshotStore(s3, config.snapshotBucket),
    clock: systemClock,
  };
}
