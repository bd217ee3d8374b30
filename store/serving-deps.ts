/**
 * The adapters the serving function needs, and nothing else: no S3 client, no Parquet or CSV
 * code. Kept apart from store/index.ts because a bundler keeps whatever a module imports;
 * serving is the function whose size and cold start matter most.
 */
import type { Deps } from '../core/deps';
import { systemClock, type SnapshotStore } from '../core/ports';
import { createDocumentClient } from './clients';
import { tableNameFromEnv } from './config';
import { DynamoOnlineStore } from './dynamo-online';
import { DynamoRegistry } from './dynamo-registry';

/** Serving never reads or writes snapshots; a call here is a wiring mistake, said loudly. */
const noSnapshots = new Proxy({} as SnapshotStore, {
  get: (_target, method) => () => Promise.reject(new Error(`the serving function has no snapshot store (called ${String(method)})`)),
});

export function createServingDeps(db = createDocumentClient()): Deps {
  return {
    registry: new DynamoRegistry(db, {
      versions: tableNameFromEnv('versions'),
      pointers: tableNameFromEnv('pointers'),
      history: tableNameFromEnv('history'),
      audit: tableNameFromEnv('audit'),
    }),
    online: new DynamoOnlineStore(db, tableNameFromEnv('online')),
    snapshots: noSnapshots,
    clock: systemClock,
  };
}
