/**
 * The streamed snapshot writer against s3rver (store/snapshot-writer.ts): a snapshot written
 * in one go and one suspended and resumed any number of times (each resume in a "fresh
 * process": another S3Client, nothing in memory but the JSON state) are the same file, byte
 * for byte; a file above one part goes as a multipart upload under a uuid key; an aborted
 * writer leaves nothing under the version's prefix.
 *
 * The suite has a bucket of its own; every request its clients send is recorded (an observer
 * middleware, not a mock) to see which S3 calls were made where s3rver cannot list them
 * (it implements neither ListParts nor ListMultipartUploads).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import type { SnapshotRef, ViewDefinition } from '../../core/model';
import type { SnapshotWriter, SnapshotWriterState } from '../../core/ports';
import type { FeatureRow } from '../../core/rows';
import { errorName } from '../../store/aws-errors';
import { S3SnapshotStore, parseS3Uri } from '../../store/s3-snapshots';
import { MIN_PART_BYTES, openS3Snapshot, openS3TrainingSet } from '../../store/snapshot-writer';

const bucket = `t-writer-${randomBytes(4).toString('hex')}`;
const definition: ViewDefinition = {
  entity: 'id',
  features: [
    { name: 'n', type: 'int' },
    { name: 'x', type: 'float' },
    { name: 'label', type: 'string' },
    { name: 'flag', type: 'bool' },
  ],
  tier: 'standard',
  owners: [],
};
const sent: { command: string; input: Record<string, unknown> }[] = [];
const clients: S3Client[] = [];

/** A client as a new process would have one; its requests are recorded in `sent`. */
function freshClient(): S3Client {
  const endpoint = process.env.REWIND_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('integration tests need the jest globalSetup (test/support/global-setup.ts)');
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  clients.push(s3);
  return s3;
}

let s3: S3Client;
beforeAll(async () => {
  s3 = freshClient();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(() => clients.forEach((c) => c.destroy()));

const keyOf = (view: string, version: number) => (name: string) => `snapshots/${view}/v${version}/${name}.parquet`;
const open = (client: S3Client, view: string, resume?: SnapshotWriterState, partBytes = MIN_PART_BYTES) =>
  openS3Snapshot(client, bucket, keyOf(view, 1), view, 1, definition, resume, { partBytes });

/** Rows from a seeded generator: hex strings compress poorly, so a few MiB take ~40k rows. Nulls (left out) and zeros (a float min of -0) included. */
function makeRows(count: number, seed: number, labelChars = 16): FeatureRow[] {
  let state = seed >>> 0 || 1;
  const next = () => ((state ^= state << 13), (state ^= state >>> 17), (state ^= state << 5), (state >>>= 0));
  const hex = (chars: number) => {
    let s = '';
    while (s.length < chars) s += next().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  };
  return Array.from({ length: count }, (_, i) => {
    const r = next();
    const values: FeatureRow['values'] = { n: (r % 2001) - 1000, flag: r % 3 === 0 };
    if (r % 7 !== 0) values.x = r % 5 === 0 ? 0 : (r % 100_000) / 7 - 5000;
    if (r % 11 !== 0) values.label = hex(labelChars);
    return { entity: `e${seed}-${i}-${hex(24)}`, values };
  });
}

const bytesAt = async (ref: SnapshotRef) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: parseS3Uri(ref.uri).key }))).Body!.transformToByteArray());
const keysUnder = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const UUID_KEY = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.parquet$/;

async function oneGo(view: string, batches: FeatureRow[][]): Promise<SnapshotRef> {
  const writer = await open(freshClient(), view);
  for (const batch of batches) await writer.append(batch);
  return writer.finish();
}

/**
 * The same batches with, before batch i, `plan[i]` suspensions: 0 none, 1 one (the writer then
 * resumed from its state in a fresh "process"), 2 two in a row on the same writer before that.
 * `plan[batches.length]`: before finish.
 */
async function suspended(view: string, batches: FeatureRow[][], plan: number[]): Promise<{ ref: SnapshotRef; states: SnapshotWriterState[] }> {
  const states: SnapshotWriterState[] = [];
  let writer: SnapshotWriter = await open(freshClient(), view);
  for (let i = 0; i <= batches.length; i++) {
    const times = plan[i] ?? 0;
    if (times > 0) {
      let state = await writer.suspend!();
      for (let t = 1; t < times; t++) state = await writer.suspend!();
      // What a checkpoint keeps: JSON, through a string.
      state = JSON.parse(JSON.stringify(state)) as SnapshotWriterState;
      states.push(state);
      writer = await open(freshClient(), view, state);
    }
    if (i < batches.length) await writer.append(batches[i]!);
  }
  return { ref: await writer.finish(), states };
}

it('writes the same file, byte for byte, however often it is suspended and resumed (property, one part)', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 7, maxLength: 7 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      async (sizes, plan, seed) => {
        run++;
        const rows = makeRows(sizes.reduce((a, b) => a + b, 0), seed);
        const batches = sizes.map((size, i) => rows.slice(sizes.slice(0, i).reduce((a, b) => a + b, 0), sizes.slice(0, i).reduce((a, b) => a + b, 0) + size));
        const whole = await oneGo(`prop-a${run}`, batches);
        const { ref } = await suspended(`prop-b${run}`, batches, plan);
        expect(ref.sha256).toBe(whole.sha256);
        expect(ref.bytes).toBe(whole.bytes);
        expect(ref.rows).toBe(rows.length);
        // Below one part: content-addressed and one PutObject, suspended or not.
        expect(parseS3Uri(ref.uri).key).toBe(`snapshots/prop-b${run}/v1/${whole.sha256}.parquet`);
        expect((await bytesAt(ref)).equals(await bytesAt(whole))).toBe(true);
        expect(await new S3SnapshotStore(s3, bucket).read(ref, definition)).toEqual(rows);
        expect(await keysUnder(`snapshots/prop-b${run}/`)).toEqual([`snapshots/prop-b${run}/v1/${whole.sha256}.parquet`]);
      },
    ),
    { numRuns: 12 },
  );
});

describe('a file of several parts', () => {
  // ~18 MB of Parquet: four 5 MiB parts, the last one short.
  const rows = makeRows(200_000, 42, 64);
  const batches = Array.from({ length: 10 }, (_, i) => rows.slice(i * 20_000, (i + 1) * 20_000));
  let whole: SnapshotRef;

  beforeAll(async () => {
    whole = await oneGo('big-a', batches);
  });

  it('goes as a multipart upload under a uuid key, its sha256 the whole file’s', async () => {
    const key = parseS3Uri(whole.uri).key;
    expect(key).toMatch(UUID_KEY);
    expect(key.startsWith('snapshots/big-a/v1/')).toBe(true);
    expect(whole.bytes).toBeGreaterThan(3 * MIN_PART_BYTES);
    const parts = sent.filter((s) => s.command === 'UploadPartCommand' && s.input.Key === key);
    expect(parts.length).toBe(Math.ceil(whole.bytes / MIN_PART_BYTES));
    expect(sent.some((s) => s.command === 'CompleteMultipartUploadCommand' && s.input.Key === key)).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(whole.bytes);
    const bytes = await bytesAt(whole);
    expect(sha256(bytes)).toBe(whole.sha256);
    expect(await new S3SnapshotStore(s3, bucket).read(whole, definition)).toEqual(rows);
  });

  it('is the same file when suspended across parts, twice in a row, and right after a resume, each resume in a fresh process', async () => {
    // Before batch 0 (nothing but the header written), twice before batch 2, before 3, 4 and
    // 7 (between, parts fill), and before finish.
    const plan = [1, 0, 2, 1, 1, 0, 0, 1, 0, 0, 1];
    const { ref, states } = await suspended('big-b', batches, plan);
    expect(ref.sha256).toBe(whole.sha256);
    expect(ref.bytes).toBe(whole.bytes);
    expect(ref.rows).toBe(rows.length);
    expect(parseS3Uri(ref.uri).key).toMatch(UUID_KEY);
    expect((await bytesAt(ref)).equals(await bytesAt(whole))).toBe(true);
    // The state stays small however many row groups and parts: they are in the side object.
    for (const state of states) expect(JSON.stringify(state).length).toBeLessThan(1024);
    expect(states.at(-1)!.uploadId).toEqual(expect.any(String));
    // Nothing left but the snapshot: every side object went at finish.
    expect(await keysUnder('snapshots/big-b/')).toEqual([parseS3Uri(ref.uri).key]);
  });

  it('leaves nothing when a resumed writer is aborted: no object, no side object, the upload aborted', async () => {
    const writer = await open(freshClient(), 'big-c');
    for (const batch of batches.slice(0, 4)) await writer.append(batch);
    const state = await writer.suspend!();
    expect(state.uploadId).toEqual(expect.any(String));
    const resumed = await open(freshClient(), 'big-c', state);
    await resumed.append(batches[4]!);
    await resumed.suspend!();
    await resumed.append(batches[5]!);
    await resumed.abort();
    expect(await keysUnder('snapshots/big-c/')).toEqual([]);
    expect(sent.filter((s) => s.command === 'AbortMultipartUploadCommand').map((s) => s.input.UploadId)).toContain(state.uploadId);
    // Where the S3 lists incomplete uploads (AWS, LocalStack), none is left; s3rver cannot list them.
    try {
      const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'snapshots/big-c/' }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } catch (error) {
      expect(errorName(error)).toBe('NotImplemented');
    }
  });
});

it('keeps the statistics JSON cannot spell across a suspension: a float min of -0 (a min of 0), ±Infinity, NaN, INT64 bounds', async () => {
  const batch = (xs: number[], seed: number): FeatureRow[] => xs.map((x, i) => ({ entity: `s${seed}-${i}`, values: { x, n: seed === 1 ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER, label: 'l', flag: true } }));
  const batches = [batch([0, 2.5, 7], 1), batch([Infinity, 0, -Infinity], 2), batch([NaN, 1], 3)];
  const whole = await oneGo('stats-a', batches);
  const { ref } = await suspended('stats-b', batches, [0, 1, 1, 1]);
  expect(ref.sha256).toBe(whole.sha256);
  expect((await bytesAt(ref)).equals(await bytesAt(whole))).toBe(true);
  expect(await new S3SnapshotStore(s3, bucket).read(ref, definition)).toEqual(batches.flat());
});

it('refuses a state of another view or a changed side object; resumes from an older state (a checkpoint lost); a finished file’s states are void', async () => {
  const writer = await open(freshClient(), 'guard');
  const first = makeRows(10, 3);
  const second = makeRows(10, 4);
  await writer.append(first);
  const state = await writer.suspend!();
  await expect(open(freshClient(), 'guard-other', state)).rejects.toThrow(/cannot be resumed as guard-other v1/);
  await writer.append(second);
  const later = await writer.suspend!();
  // A side object that is not the one the state names.
  const sideKey = `snapshots/guard/v1/${String(later.id)}.parquet.suspend-${String(later.suspensions)}`;
  const original = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: sideKey }))).Body!.transformToByteArray());
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: sideKey, Body: Buffer.concat([original, Buffer.from([0])]) }));
  await expect(open(freshClient(), 'guard', later)).rejects.toThrow(/not the one its state names/);
  // The checkpoint of `later` lost: the job goes on from `state`, as it would after a crash.
  const again = await open(freshClient(), 'guard', state);
  await again.append(second);
  const ref = await again.finish();
  expect(ref.rows).toBe(20);
  expect(await new S3SnapshotStore(s3, bucket).read(ref, definition)).toEqual([...first, ...second]);
  expect(await keysUnder('snapshots/guard/')).toEqual([parseS3Uri(ref.uri).key]);
  await expect(open(freshClient(), 'guard', later)).rejects.toThrow(/NoSuchKey|specified key/i);
});

it('stores a training set above one part by a multipart upload, still under its content-addressed key', async () => {
  const columns = [
    { name: 'id', type: 'string' as const },
    { name: 'label', type: 'string' as const },
  ];
  const writer = await openS3TrainingSet(s3, bucket, (sha) => `training-sets/v/${sha}.parquet`, 'v', columns, { k: 'v' }, { partBytes: MIN_PART_BYTES });
  const rows = makeRows(60_000, 9, 96);
  for (let i = 0; i < rows.length; i += 20_000) await writer.append(rows.slice(i, i + 20_000).map((r) => [r.entity, (r.values.label as string | undefined) ?? null]));
  const ref = await writer.finish();
  expect(ref.bytes).toBeGreaterThan(MIN_PART_BYTES);
  const key = `training-sets/v/${ref.sha256}.parquet`;
  expect(ref.uri).toBe(`s3://${bucket}/${key}`);
  expect(sent.filter((s) => s.command === 'UploadPartCommand' && s.input.Key === key).length).toBe(Math.ceil(ref.bytes / MIN_PART_BYTES));
  const bytes = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
  expect(bytes.byteLength).toBe(ref.bytes);
  expect(sha256(bytes)).toBe(ref.sha256);
});
