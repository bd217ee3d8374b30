/**
 * A validation in segments (core/job-validation.ts) whose S3 fails part-way through a resumed
 * segment, through the TCP fault proxy (connections reset: real sockets, not a mocked
 * client): the segment fails with the fault, not a refusal, and keeps its checkpoint, the
 * snapshot upload and the writer's side file, so the retry Step Functions makes resumes from
 * the checkpoint and finishes with the snapshot an uninterrupted pass writes. A refusal (a bad
 * row) in a resumed segment, by contrast, drops everything.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Deps } from '../../core/deps';
import { RewindError, ValidationError } from '../../core/errors';
import { validateStreaming, type SegmentBudget, type ValidationSegment } from '../../core/job-validation';
import { queuedJob } from '../../core/jobs/common';
import type { Job, JobFiles } from '../../core/ports/jobs';
import type { DeployRequest } from '../../core/requests';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { S3JobFiles } from '../../store/s3-job-files';
import { S3SnapshotStore } from '../../store/s3-snapshots';
import { rows, userProfile } from '../support/fixtures';
import { memoryDeps } from '../support/memory';
import { startTestRewind, type TestRewind } from '../support/rewind';
import { startFaultProxy, type FaultProxy } from './tcp-proxy';

let rewind: TestRewind;
let s3: S3Client;
let proxy: FaultProxy;
const clients: S3Client[] = [];
const CHUNK_ROWS = 1_000;
const everyRows = (n: number): SegmentBudget => ({ spent: (done) => done >= n });

beforeAll(async () => {
  rewind = await startTestRewind('segfaults');
  s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
  proxy = await startFaultProxy({ port: Number(new URL(process.env.REWIND_TEST_S3_ENDPOINT!).port) });
});
afterAll(async () => {
  for (const client of [s3, ...clients]) client.destroy();
  await proxy.close();
  await rewind.stop();
});

type JobDepsLike = Deps & { jobFiles: JobFiles };

/** An invocation's deps on its own S3 client: straight to s3rver, or through the fault proxy (two attempts per request). */
function invocation(through?: FaultProxy): JobDepsLike {
  const client = through
    ? new S3Client({ endpoint: through.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 2, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
    : createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
  clients.push(client);
  return { ...memoryDeps(), snapshots: new S3SnapshotStore(client, rewind.bucket), jobFiles: new S3JobFiles(client, rewind.bucket) } as unknown as JobDepsLike;
}

let jobs = 0;
const deployJob = (view: string): Job & { version: number } =>
  queuedJob('2026-12-02T12:00:00.000Z', { id: `${rewind.tag}-fault-${++jobs}`, kind: 'deploy', view, version: 1, createdBy: 'dev', principal: { sub: 'dev', roles: ['deployer'] } }) as Job & { version: number };

async function requestFor(name: string, records: readonly Record<string, unknown>[]): Promise<DeployRequest> {
  const key = `${rewind.tag}/in/${name}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: key, Body: records.map((r) => JSON.stringify(r)).join('\n') }));
  return { definition: userProfile, snapshotUri: `s3://${rewind.bucket}/${key}`, consumers: [] } as unknown as DeployRequest;
}

async function keysUnder(prefix: string): Promise<string[]> {
  return ((await s3.send(new ListObjectsV2Command({ Bucket: rewind.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
}

afterEach(() => proxy.heal());

it('a fault in a resumed segment keeps the checkpoint: the retry resumes it and ends with the uninterrupted snapshot', async () => {
  const view = rewind.view('seg_fault');
  const request = await requestFor('fault', rows(6_000, 7));
  const whole = (await validateStreaming(invocation(), deployJob(view), request, CHUNK_ROWS)) as ValidationSegment & { done: true };

  const job = deployJob(view);
  expect(await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS))).toEqual({ done: false, rows: 2_000 });
  const side = (await keysUnder(`snapshots/${view}/`)).filter((k) => k.includes('.suspend-'));
  expect(side).toHaveLength(1);

  // The resumed segment's chunk writes meet reset connections (after it has read its checkpoint and reopened the writer).
  proxy.plan({ share: 1, kinds: ['reset'], match: new RegExp(`^PUT /${rewind.bucket}/jobs/${job.id}/chunks/`) });
  const failure = await validateStreaming(invocation(proxy), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS)).catch((e: unknown) => e);
  expect(proxy.counters.reset).toBeGreaterThan(0);
  expect(failure).toBeInstanceOf(Error);
  expect(failure).not.toBeInstanceOf(RewindError);
  expect((await keysUnder(`snapshots/${view}/`)).filter((k) => k.includes('.suspend-'))).toEqual(side);
  proxy.heal();

  // The retry: from the checkpoint, to the end.
  let result: ValidationSegment = { done: false, rows: 0 };
  for (let calls = 0; !result.done && calls < 10; calls++) result = await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS));
  expect(result.done).toBe(true);
  const done = result as ValidationSegment & { done: true };
  expect({ sha256: done.snapshot.sha256, bytes: done.snapshot.bytes, rows: done.rows, chunks: done.chunks.length }).toEqual({ sha256: whole.snapshot.sha256, bytes: whole.snapshot.bytes, rows: whole.rows, chunks: whole.chunks.length });
});

it('a refusal in a resumed segment drops the snapshot and its side file', async () => {
  const view = rewind.view('seg_refused');
  const records = rows(5_000, 8);
  records[3_500] = { ...records[3_500], age: 'old' };
  const request = await requestFor('refused', records);
  const job = deployJob(view);
  expect(await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS))).toMatchObject({ done: false });
  const refused = await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS)).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ValidationError);
  expect((refused as ValidationError).field).toBe('snapshotUri[3500].age');
  expect(await keysUnder(`snapshots/${view}/`)).toEqual([]);
});
