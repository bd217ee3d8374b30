/**
 * A deploy job's validation in segments (core/job-validation.ts), against s3rver: a file
 * validated a few batches per call, each call with fresh clients and stores (as another
 * Lambda invocation would be), checkpointing between them, ends exactly where one
 * uninterrupted pass ends: the same snapshot bytes (sha256), the same profiles and verdict,
 * the same chunks; a duplicate or a bad row in a later segment is refused with the same row
 * number, and what a stopped validation had stored (its snapshot writer's side files) is gone.
 *
 * The version catalog and pointers are the in-memory ports (a first deploy: no baseline is
 * read); everything validation stores goes to S3.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Deps } from '../../core/deps';
import { ValidationError } from '../../core/errors';
import { abandonValidation, UNBOUNDED, validateStreaming, type SegmentBudget, type ValidationSegment } from '../../core/job-validation';
import { queuedJob } from '../../core/jobs/common';
import type { ChunkRef, Job, JobFiles } from '../../core/ports/jobs';
import type { DeployRequest } from '../../core/requests';
import type { ValidationArtifact } from '../../core/validation/baseline';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { S3JobFiles } from '../../store/s3-job-files';
import { S3SnapshotStore } from '../../store/s3-snapshots';
import { rows, userProfile } from '../support/fixtures';
import { memoryDeps } from '../support/memory';
import { startTestRewind, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let s3: S3Client;
const clients: S3Client[] = [];
const CHUNK_ROWS = 1_000;

beforeAll(async () => {
  rewind = await startTestRewind('segments');
  s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
});
afterAll(async () => {
  for (const client of [s3, ...clients]) client.destroy();
  await rewind.stop();
});

type JobDepsLike = Deps & { jobFiles: JobFiles };

/** Deps as a new invocation has them: a fresh S3 client and fresh stores (nothing shared in memory with the previous call). */
function invocation(): JobDepsLike {
  const client = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
  clients.push(client);
  return { ...memoryDeps(), snapshots: new S3SnapshotStore(client, rewind.bucket), jobFiles: new S3JobFiles(client, rewind.bucket) } as unknown as JobDepsLike;
}

let jobs = 0;
function deployJob(view: string, version: number): Job & { version: number } {
  const id = `${rewind.tag}-job-${++jobs}-${Date.now()}`;
  return queuedJob('2026-12-02T12:00:00.000Z', { id, kind: 'deploy', view, version, createdBy: 'dev', principal: { sub: 'dev', roles: ['deployer'] } }) as Job & { version: number };
}

async function put(key: string, body: Uint8Array | string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: key, Body: body }));
  return `s3://${rewind.bucket}/${key}`;
}

const jsonLines = (records: readonly Record<string, unknown>[]) => records.map((r) => JSON.stringify(r)).join('\n');

function parquetOf(records: readonly Record<string, unknown>[], rowGroupSize: number): Uint8Array {
  const column = (name: string, type: 'STRING' | 'INT32' | 'DOUBLE' | 'BOOLEAN') => ({ name, data: records.map((r) => r[name]), type });
  return new Uint8Array(
    parquetWriteBuffer({ columnData: [column('user_id', 'STRING'), column('age', 'INT32'), column('country', 'STRING'), column('avg_basket', 'DOUBLE'), column('is_premium', 'BOOLEAN')], rowGroupSize }),
  );
}

/** Stops a segment once it has `rows` rows (at the next batch boundary). */
const everyRows = (rows: number): SegmentBudget => ({ spent: (done) => done >= rows });

/** Every segment of a validation, each through a new invocation, until done; how many it took. */
async function validateInSegments(job: Job & { version: number }, request: DeployRequest, budget: SegmentBudget): Promise<{ result: ValidationSegment & { done: true }; segments: number }> {
  for (let segments = 1; segments < 1_000; segments++) {
    const segment = await validateStreaming(invocation(), job, request, CHUNK_ROWS, budget);
    if (segment.done) return { result: segment, segments };
  }
  throw new Error('validation never ended');
}

/** What a result says, minus the names that depend on the job (chunk keys) and on how the snapshot was uploaded (its key). */
async function essence(result: ValidationSegment & { done: true }) {
  const deps = invocation();
  const artifact = await deps.snapshots.getDocument<ValidationArtifact>(result.artifact);
  const chunkRows = await Promise.all(result.chunks.map((c: ChunkRef) => deps.jobFiles.getChunk(c)));
  return {
    snapshot: { sha256: result.snapshot.sha256, bytes: result.snapshot.bytes, rows: result.snapshot.rows },
    rows: result.rows,
    report: result.report,
    profiles: artifact.profiles,
    chunks: result.chunks.map((c) => [c.index, c.rows]),
    chunkRows,
  };
}

/**
 * What a suspended snapshot writer left under `prefix`: its side files (`*.suspend-<n>`).
 * (s3rver does not list multipart uploads; test/integration/snapshot-writer.test.ts watches the
 * abort itself.)
 */
async function leftoversUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: rewind.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).filter((key) => key.includes('.suspend-'));
}

describe('a validation in segments', () => {
  it('ends with the uninterrupted pass\'s snapshot bytes, profiles, verdict and chunks (JSON lines, compacting sketches across segments)', async () => {
    const view = rewind.view('seg_jsonl');
    const request: DeployRequest = { definition: userProfile, snapshotUri: await put(`${rewind.tag}/in/rows.jsonl`, jsonLines(rows(23_456, 4))), consumers: [] } as unknown as DeployRequest;
    const whole = await validateStreaming(invocation(), deployJob(view, 1), request, CHUNK_ROWS, UNBOUNDED);
    expect(whole.done).toBe(true);
    const segmented = await validateInSegments(deployJob(view, 1), request, everyRows(3 * CHUNK_ROWS));

    expect(segmented.segments).toBe(8); // 24 batches, 3 per segment
    const [a, b] = [await essence(whole as ValidationSegment & { done: true }), await essence(segmented.result)];
    expect(b).toEqual(a);
    expect(a.rows).toBe(23_456);
    // 23,456 values per numeric feature: past the compactor's 8,192, so the sketches were saved and restored mid-compaction.
    expect(a.profiles.age).toMatchObject({ kind: 'numeric', summary: { count: 23_456 } });
    // The snapshot reads back as the file's rows.
    const back = await invocation().snapshots.read(segmented.result.snapshot, { ...userProfile, features: [...userProfile.features], tier: 'standard', owners: [] } as never);
    expect(back).toHaveLength(23_456);
    expect(await leftoversUnder(`snapshots/${view}/`)).toEqual([]);
  });

  it('resumes a Parquet file inside a row group, and a retry of the finished last segment answers the same', async () => {
    const view = rewind.view('seg_parquet');
    const request = { definition: userProfile, snapshotUri: await put(`${rewind.tag}/in/rows.parquet`, parquetOf(rows(12_345, 2), 5_000)), consumers: [] } as unknown as DeployRequest;
    const whole = (await validateStreaming(invocation(), deployJob(view, 3), request, CHUNK_ROWS)) as ValidationSegment & { done: true };
    const job = deployJob(view, 3);
    // 2,000 rows a segment: segments end at rows 2,000, 4,000, 6,000 (inside the second group of 5,000), …
    const segmented = await validateInSegments(job, request, everyRows(2 * CHUNK_ROWS));
    expect(segmented.segments).toBe(7);
    expect(await essence(segmented.result)).toEqual(await essence(whole));
    // The step died after its last segment, before the job recorded it: run again, it is the same result, nothing redone.
    const again = await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS));
    expect(again).toEqual(segmented.result);
  });

  it('refuses a duplicate entity in a later segment with the row number one pass gives, and leaves no upload behind', async () => {
    const view = rewind.view('seg_dup');
    const records = rows(9_000, 1);
    records[7_500] = { ...records[7_500], user_id: records[42]!.user_id };
    const request = { definition: userProfile, snapshotUri: await put(`${rewind.tag}/in/dup.jsonl`, jsonLines(records)), consumers: [] } as unknown as DeployRequest;
    const once = await validateStreaming(invocation(), deployJob(view, 1), request, CHUNK_ROWS).catch((e: unknown) => e);
    expect(once).toBeInstanceOf(ValidationError);

    const job = deployJob(view, 2);
    const failure = await validateInSegments(job, request, everyRows(CHUNK_ROWS)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).field).toBe((once as ValidationError).field);
    expect((failure as Error).message).toBe((once as Error).message);
    expect((failure as ValidationError).field).toBe('snapshotUri[7500].user_id');
    expect(await leftoversUnder(`snapshots/${view}/`)).toEqual([]);
  });

  it('abandoned between two segments (a failed or cancelled job), leaves no snapshot upload and no snapshot', async () => {
    const view = rewind.view('seg_abandon');
    const request = { definition: userProfile, snapshotUri: await put(`${rewind.tag}/in/abandon.jsonl`, jsonLines(rows(6_000, 3))), consumers: [] } as unknown as DeployRequest;
    const job = deployJob(view, 1);
    const first = await validateStreaming(invocation(), job, request, CHUNK_ROWS, everyRows(2 * CHUNK_ROWS));
    expect(first).toEqual({ done: false, rows: 2_000 });
    await abandonValidation(invocation(), job, request.definition);
    expect(await leftoversUnder(`snapshots/${view}/`)).toEqual([]);
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: rewind.bucket, Prefix: `snapshots/${view}/` }));
    expect(objects.KeyCount ?? 0).toBe(0);
  });
});
