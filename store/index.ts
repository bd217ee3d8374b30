/** Builds the store adapters from configuration; entry points call this once, at cold start. */
import { systemClock } from '../core/ports';
import type { Deps } from '../core/deps';
import { createDocumentClient, createS3Client } from './clients';
import { storeConfigFromEnv, type StoreConfig } from './config';
import { DynamoOnlineStore } from './dynamo-online';
import { DynamoRegistry } from './dynamo-registry';
import { S3SnapshotStore } from './s3-snapshots';

export function createDeps(config: StoreConfig = storeConfigFromEnv(), db = createDocumentClient()): Deps {
  const s3 = createS3Client({ forcePathStyle: config.s3ForcePathStyle });
  return {
    registry: new DynamoRegistry(db, config.tables),
    online: new DynamoOnlineStore(db, config.tables.online),
    snapshots: new S3SnapshotStore(s3, config.snapshotBucket),
    clock: systemClock,
  };
}
