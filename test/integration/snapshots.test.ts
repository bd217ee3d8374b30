/**
 * Snapshots in the stack's bucket (s3rver locally): content-addressed, read back only when
 * their bytes still hash to their address, and user data files in the three formats.
 *
 * The bucket may be shared with other suites and earlier runs, so every key this suite writes
 * carries its tag: snapshots through its views' names, data files under `${tag}/`.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { SnapshotIntegrityError, ValidationError } from '../../core/errors';
import type { ViewDefinition } from '../../core/model';
import { checkRows } from '../../core/rows';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { S3SnapshotStore, parseS3Uri } from '../../store/s3-snapshots';
import { compareEntities } from '../../store/snapshot-index';
import { deployBody, rows, userProfile } from '../support/fixtures';
import { purgeOnceUnread, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let store: S3SnapshotStore;
let s3: S3Client;
let deployer: Caller;
const definition: ViewDefinition = { ...userProfile, features: [...userProfile.features], tier: 'standard', owners: [] };

beforeAll(async () => {
  rewind = await startTestRewind('snap');
  s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
  store = new S3SnapshotStore(s3, rewind.bucket);
  deployer = await rewind.as('dev', ['deployer']);
});
afterAll(async () => {
  s3.destroy();
  await rewind.stop();
});

/** Where this suite's data files go: under its tag, so a deployed run's dump sees them. */
const dataKey = (name: string) => `${rewind.tag}/in/${name}`;

async function put(key: string, body: Uint8Array | string) {
  await s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: key, Body: body }));
  return `s3://${rewind.bucket}/${key}`;
}

it('round-trips rows through a content-addressed Parquet snapshot', async () => {
  const checked = checkRows(definition, rows(50), { field: 'rows' });
  const view = rewind.view('user_profile');
  const ref = await store.write(view, 7, definition, checked);
  expect(ref.uri).toBe(`s3://${rewind.bucket}/snapshots/${view}/v7/${ref.sha256}.parquet`);
  // Written sorted by entity (UTF-8 byte order: u0, u1, u10, …), for row-group lookups.
  expect(await store.read(ref, definition)).toEqual([...checked].sort((a, b) => compareEntities(a.entity, b.entity)));
});

it('refuses a snapshot whose bytes were changed after it was written', async () => {
  const view = rewind.view('user_profile');
  const ref = await store.write(view, 8, definition, checkRows(definition, rows(5), { field: 'rows' }));
  const tampered = await store.write(view, 9, definition, checkRows(definition, rows(5, 2), { field: 'rows' }));
  // Valid Parquet, wrong bytes: the other snapshot copied over this one's address.
  const other = await s3.send(new GetObjectCommand({ Bucket: rewind.bucket, Key: parseS3Uri(tampered.uri).key }));
  await put(parseS3Uri(ref.uri).key, await other.Body!.transformToByteArray());
  await expect(store.read(ref, definition)).rejects.toThrow(SnapshotIntegrityError);
});

it('reads Parquet, JSON lines and CSV data files', async () => {
  const parquet = new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'user_id', data: ['a', 'b'], type: 'STRING' },
        { name: 'age', data: [30n, 40n], type: 'INT64' },
        { name: 'avg_basket', data: [1.5, null], type: 'DOUBLE' },
      ],
    }),
  );
  const expected = [
    { entity: 'a', values: { age: 30, avg_basket: 1.5 } },
    { entity: 'b', values: { age: 40 } },
  ];
  for (const [key, body] of [
    ['data.parquet', parquet],
    ['data.jsonl', '{"user_id":"a","age":30,"avg_basket":1.5}\n\n{"user_id":"b","age":40}\n'],
    ['data.csv', 'user_id,age,avg_basket\na,30,1.5\nb,40,\n'],
  ] as const) {
    const source = await store.readSource(await put(dataKey(key), body), 'user_profile');
    expect(checkRows(definition, source.records, { field: 'snapshotUri', fromText: source.fromText })).toEqual(expected);
  }
});

it.each([
  ['missing.parquet', undefined, /no object/],
  ['broken.jsonl', '{"user_id":"a"}\n{oops\n', /line 2 is not valid JSON/],
  ['broken.parquet', 'PAR1 not really', /not a readable Parquet file/],
  ['data.txt', 'x', /must end in/],
])('names snapshotUri when %s cannot be used', async (name, body, message) => {
  const key = dataKey(name);
  const uri = body === undefined ? `s3://${rewind.bucket}/${key}` : await put(key, body);
  const error = await store.readSource(uri, 'user_profile').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe('snapshotUri');
  expect((error as ValidationError).message).toMatch(message);
});

it('deploys from an uploaded file through a presigned URL', async () => {
  const upload = await deployer.post('/uploads', { fileName: 'users.jsonl' });
  expect(upload.status).toBe(201);
  const lines = rows(100).map((r) => JSON.stringify(r)).join('\n');
  const put = await fetch(upload.body.uploadUrl, { method: 'PUT', body: lines });
  expect(put.status).toBe(200);
  const view = rewind.view('uploaded');
  const deployed = await deployer.post(`/views/${view}/versions`, { definition: userProfile, snapshotUri: upload.body.snapshotUri, activate: true });
  expect(deployed.status).toBe(201);
  expect(deployed.body.snapshot.rows).toBe(100);
  expect((await deployer.get(`/online/${view}/u42`)).body.features.age).toBe(rows(100)[42]!.age);
});

it('refuses to roll back onto a purged version whose snapshot is corrupt, leaving the pointer alone', async () => {
  const v = rewind.view('corruptible');
  const v1 = await deployer.post(`/views/${v}/versions`, deployBody(1, 10, { activate: true }));
  await deployer.post(`/views/${v}/versions`, deployBody(2, 10, { activate: true }));
  expect((await purgeOnceUnread(deployer, v, 1)).status).toBe(200);
  await put(parseS3Uri(v1.body.snapshot.uri).key, 'garbage');

  const before = (await deployer.get(`/views/${v}`)).body.pointer;
  const reply = await deployer.post(`/views/${v}/rollback`, { reason: 'try' });
  expect(reply.status).toBe(500);
  expect(reply.body.error.code).toBe('SnapshotIntegrity');
  expect((await deployer.get(`/views/${v}`)).body.pointer).toEqual(before);
});
