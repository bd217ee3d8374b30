/**
 * The S3 grants in infra/access.ts are by key prefix, so they are only right if the store
 * writes where they say. This drives the real S3SnapshotStore (with a client that records
 * instead of sending) and checks every key it writes or signs falls under a granted prefix.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { ViewDefinition } from '../../core/model';
import { FUNCTION_ACCESS, SNAPSHOTS_PREFIX, TRAINING_SETS_PREFIX, UPLOADS_PREFIX } from '../../infra/access';
import { S3SnapshotStore } from '../../store/s3-snapshots';

const BUCKET = 'rewind-snapshots';
const definition = { entity: 'user_id', features: [{ name: 'age', type: 'int' }] } as unknown as ViewDefinition;

function recordingStore() {
  const keys: string[] = [];
  const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  s3.send = (async (command: { input: { Key?: string } }) => {
    keys.push(command.input.Key!);
    return {};
  }) as unknown as S3Client['send'];
  return { store: new S3SnapshotStore(s3, BUCKET), keys };
}

const granted = (handler: string, kind: 'read' | 'write') => FUNCTION_ACCESS[handler]!.bucket[kind] ?? [];
const under = (key: string, prefixes: readonly string[]) => prefixes.some((p) => key.startsWith(p));

describe('snapshot keys fall under the granted prefixes', () => {
  it('deploy writes snapshots and validation documents where deploy-version may write', async () => {
    const { store, keys } = recordingStore();
    await store.write('user_profile', 3, definition, [{ entity: 'u1', values: { age: 30 } }]);
    await store.putDocument('user_profile', 3, 'validation', { ok: true });
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key.startsWith(SNAPSHOTS_PREFIX)).toBe(true);
      expect(under(key, granted('deploy-version', 'write'))).toBe(true);
      // …and where every path that rematerializes, purges or compares may read it back.
      for (const reader of ['activate', 'rollback', 'alarm-rollback', 'purge-version', 'plan-version', 'drift-monitor', 'deploy-version']) {
        expect({ reader, key, readable: under(key, granted(reader, 'read')) }).toEqual({ reader, key, readable: true });
      }
    }
  });

  it('upload URLs are signed for a key create-upload may write and deploy may read', async () => {
    const { store } = recordingStore();
    const upload = await store.createUpload('features.parquet');
    const key = upload.snapshotUri.replace(`s3://${BUCKET}/`, '');
    expect(key.startsWith(UPLOADS_PREFIX)).toBe(true);
    expect(new URL(upload.uploadUrl).pathname).toContain(key);
    expect(under(key, granted('create-upload', 'write'))).toBe(true);
    expect(under(key, granted('deploy-version', 'read'))).toBe(true);
    expect(under(key, granted('plan-version', 'read'))).toBe(true);
  });

  it('training sets are written where create-training-set may write, and signed for download where get-training-set may read', async () => {
    const { store, keys } = recordingStore();
    const stored = await store.putTrainingSet('user_profile', { columns: [{ name: 'entity', type: 'string' }], rows: [['u1']], metadata: {} });
    const download = (await store.trainingSetDownload('user_profile', stored.id))!;
    const key = stored.uri.replace(`s3://${BUCKET}/`, '');
    expect(keys).toEqual([key, key]);
    expect(key.startsWith(TRAINING_SETS_PREFIX)).toBe(true);
    expect(under(key, granted('create-training-set', 'write'))).toBe(true);
    expect(under(key, granted('get-training-set', 'read'))).toBe(true);
    expect(new URL(download.downloadUrl).pathname).toContain(key);
    // …and the entity file it reads is an upload.
    expect(under(`${UPLOADS_PREFIX}x/entities.csv`, granted('create-training-set', 'read'))).toBe(true);
  });
});
