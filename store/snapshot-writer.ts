/**
 * Parquet files written a batch at a time, one row group per batch, with memory bounded
 * whatever the number of rows.
 *
 * A snapshot (SnapshotStore.openSnapshot) goes to S3 as it is encoded: its bytes are hashed
 * (hash-wasm, whose sha256 state can be saved) and gathered into parts of `partBytes`
 * (64 MiB; S3 wants ≥ 5 MiB for every part but the last), each uploaded as soon as it is full,
 * so memory holds about one part. A snapshot can be suspended (a deploy job's validation
 * spread over several Lambda invocations, which share no memory and no /tmp): the bytes not
 * yet a full part, the Parquet writer's footer-to-be and the parts' ETags go to one side
 * object (`<key>.suspend-<n>`), and the small JSON state returned names it, with the upload
 * id, the byte offset and the hash's state. Resumed in any process, the writer goes on from
 * that exact byte, so the finished file is the same, byte for byte, however often it stopped.
 *
 * Keys (the decision): a file that never filled a part is stored as before, by one PutObject
 * under its content-addressed key `snapshots/<view>/v<N>/<sha256>.parquet`, suspended or not.
 * A larger one is a multipart upload, whose key must be chosen before its hash is known: it is
 * `snapshots/<view>/v<N>/<uuid>.parquet` (the writer's id), not content-addressed. Either way
 * SnapshotRef.sha256 is the whole file's, which readers verify (store/s3-snapshots.ts read).
 * Such an object carries no `sha256` metadata (CreateMultipartUpload takes metadata before
 * the bytes exist); nothing reads it.
 *
 * A training set (openS3TrainingSet) is never suspended: it is drained to /tmp as before and
 * stored under its content-addressed key, by one PutObject or, above `partBytes`, by a
 * multipart upload read back from the file (S3 takes at most 5 GB in one PUT).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createSHA256, type IHasher } from 'hash-wasm';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { ArtifactRef, SnapshotRef, ViewDefinition } from '../core/model';
import type { SnapshotWriter, SnapshotWriterState, TrainingSetTable, TrainingSetWriter } from '../core/ports';
import type { FeatureRow } from '../core/rows';
import { errorName } from './aws-errors';
import { parquetColumns, parquetKvMetadata, tableColumnData } from './formats';

/** A multipart upload's part size unless told otherwise: 10,000 parts make 625 GiB. */
export const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
/** S3's smallest part (every part but the last). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's most parts in one upload. */
const MAX_PARTS = 10_000;
const PARQUET = 'application/vnd.apache.parquet';
/** Names the states this module makes (SnapshotWriterState.store), and their layout's version. */
const STATE_STORE = 's3-snapshot-writer/1';

export interface PartOptions {
  /** Bytes per multipart part (not the last); a resumed snapshot keeps its first segment's. @default DEFAULT_PART_BYTES */
  partBytes?: number;
}

function partBytesOf(options: PartOptions): number {
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isInteger(partBytes) || partBytes < MIN_PART_BYTES) throw new Error(`partBytes must be an integer of at least ${MIN_PART_BYTES} (S3's smallest part), not ${partBytes}`);
  return partBytes;
}

/** One S3 multipart upload, its parts numbered from 1 in the order they are uploaded. */
class MultipartUpload {
  private constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
    readonly uploadId: string,
    readonly parts: { PartNumber: number; ETag: string }[],
  ) {}

  static async create(s3: S3Client, bucket: string, key: string, metadata: Record<string, string>): Promise<MultipartUpload> {
    const out = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: PARQUET, Metadata: metadata }));
    return new MultipartUpload(s3, bucket, key, out.UploadId!, []);
  }

  /** An upload begun elsewhere (a suspended writer's), with the parts it already has. */
  static resumed(s3: S3Client, bucket: string, key: string, uploadId: string, parts: { PartNumber: number; ETag: string }[]): MultipartUpload {
    return new MultipartUpload(s3, bucket, key, uploadId, [...parts]);
  }

  /** Uploads the next part; `body` may be reused once this resolves. */
  async upload(body: Uint8Array): Promise<void> {
    const PartNumber = this.parts.length + 1;
    if (PartNumber > MAX_PARTS) throw new Error(`${this.key}: more than ${MAX_PARTS} parts; a larger partBytes is needed`);
    const out = await this.s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body, ContentLength: body.byteLength }));
    this.parts.push({ PartNumber, ETag: out.ETag! });
  }

  async complete(): Promise<void> {
    await this.s3.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
  }

  async abort(): Promise<void> {
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }));
    } catch (error) {
      const name = errorName(error);
      // NoSuchUpload: aborted already (an abort retried). NotImplemented / MethodNotAllowed:
      // an emulator without AbortMultipartUpload (s3rver 3.7.1, local runs and tests); in AWS
      // the bucket's lifecycle rule aborts an upload left incomplete (infra/constructs/storage.ts).
      if (name !== 'NoSuchUpload' && name !== 'NotImplemented' && name !== 'MethodNotAllowed') throw error;
    }
  }
}

/** At most one part's bytes, in a buffer grown as needed (a small snapshot never takes a whole part's memory). */
class PartBuffer {
  private bytes: Uint8Array;
  fill = 0;

  constructor(
    readonly capacity: number,
    initial: Uint8Array = new Uint8Array(0),
  ) {
    this.bytes = new Uint8Array(Math.min(capacity, Math.max(1 << 20, initial.byteLength)));
    this.bytes.set(initial);
    this.fill = initial.byteLength;
  }

  /** Copies as much of `chunk` as fits; how much it took. */
  take(chunk: Uint8Array): number {
    const n = Math.min(chunk.byteLength, this.capacity - this.fill);
    if (this.fill + n > this.bytes.byteLength) {
      const grown = new Uint8Array(Math.min(this.capacity, Math.max(this.bytes.byteLength * 2, this.fill + n)));
      grown.set(this.bytes.subarray(0, this.fill));
      this.bytes = grown;
    }
    this.bytes.set(chunk.subarray(0, n), this.fill);
    this.fill += n;
    return n;
  }

  get full(): boolean {
    return this.fill === this.capacity;
  }

  contents(): Uint8Array {
    return this.bytes.subarray(0, this.fill);
  }
}

/** A hyparquet Writer that hands its buffer to `drain` at every flush (a row group, the footer), in order. */
class DrainWriter extends ByteWriter {
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly drain: (bytes: Uint8Array) => Promise<void>) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    this.pending = this.pending.then(() => this.drain(bytes));
    return this.pending;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/**
 * What a suspended snapshot writer's state holds (SnapshotWriterState, plain JSON and small:
 * checkpoints may be kept where a few hundred KB is the limit). What grows with the file (the
 * row groups' metadata, the parts' ETags) and the unfinished part are in the side object.
 */
type SuspendedState = {
  store: typeof STATE_STORE;
  view: string;
  version: number;
  /** The writer's id: names the multipart key and the side objects. */
  id: string;
  /** sha256 of the Parquet schema and key-value metadata: a resume with another definition is refused. */
  schema: string;
  partBytes: number;
  rows: number;
  /** Bytes of the file so far (the Parquet writer's absolute offset). */
  bytes: number;
  /** hash-wasm's sha256 state over those bytes, base64. */
  hash: string;
  uploadId: string | null;
  /** How many times this file has been suspended: the side object is `<key>.suspend-<suspensions>`. */
  suspensions: number;
  side: { sha256: string; bytes: number };
};

/** The side object's JSON (followed there by the unfinished part's bytes). */
interface SidePayload {
  parquet: { row_groups: unknown; num_rows: bigint; pendingIndexes: unknown[] };
  parts: { PartNumber: number; ETag: string }[];
  tail: number;
}

const sideKey = (key: string, n: number) => `${key}.suspend-${n}`;

export async function openS3Snapshot(
  s3: S3Client,
  bucket: string,
  keyOf: (name: string) => string,
  view: string,
  version: number,
  definition: ViewDefinition,
  resume?: SnapshotWriterState,
  options: PartOptions = {},
): Promise<SnapshotWriter> {
  const schema = schemaFromColumnData({ columnData: parquetColumns(definition, []) });
  const kvMetadata = parquetKvMetadata(definition);
  const schemaSha256 = createHash('sha256').update(JSON.stringify({ schema, kvMetadata }, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).digest('hex');
  const state = resume ? checkState(resume, view, version, schemaSha256) : undefined;
  const id = state?.id ?? randomUUID();
  const partBytes = state?.partBytes ?? partBytesOf(options);
  const multipartKey = keyOf(id);
  const hash: IHasher = await createSHA256();
  let rows = state?.rows ?? 0;
  let suspensions = state?.suspensions ?? 0;
  let upload: MultipartUpload | undefined;
  let buffer: PartBuffer;
  let parquet: ParquetWriter;
  let closed = false;

  /** Bytes as the Parquet writer emits them: hashed, gathered into parts, each uploaded when full. */
  const drain = async (bytes: Uint8Array) => {
    hash.update(bytes);
    for (let at = 0; at < bytes.byteLength; ) {
      at += buffer.take(bytes.subarray(at));
      if (buffer.full) {
        upload ??= await MultipartUpload.create(s3, bucket, multipartKey, { view, version: String(version) });
        await upload.upload(buffer.contents());
        buffer.fill = 0;
      }
    }
  };
  const writer = new DrainWriter(drain);

  if (!state) {
    hash.init();
    buffer = new PartBuffer(partBytes);
    parquet = new ParquetWriter({ writer, schema, kvMetadata });
  } else {
    const side = await readSide(s3, bucket, sideKey(multipartKey, state.suspensions), state.side);
    hash.load(Buffer.from(state.hash, 'base64'));
    buffer = new PartBuffer(partBytes, side.tail);
    if (state.uploadId) upload = MultipartUpload.resumed(s3, bucket, multipartKey, state.uploadId, side.payload.parts);
    parquet = restoredParquetWriter(writer, state.bytes, side.payload.parquet, { schema, kvMetadata });
    // The state before this one can no longer be resumed from (this one was kept): its side
    // object goes. This state's stays until finish or abort, so a resume retried after a crash
    // finds it; any left over (a crash before this delete) goes with the rest at the end.
    if (state.suspensions > 1) await deleteQuietly(s3, bucket, sideKey(multipartKey, state.suspensions - 1));
  }

  const open = () => {
    if (closed) throw new Error('snapshot writer already finished or aborted');
  };
  /** Side objects of every suspension of this file (those a crashed invocation left too). */
  const deleteSideObjects = async () => {
    if (suspensions > 0) await deletePrefix(s3, bucket, `${multipartKey}.suspend-`);
  };

  return {
    async append(batch: readonly FeatureRow[]) {
      open();
      if (batch.length === 0) return;
      await parquet.write({ columnData: parquetColumns(definition, batch), rowGroupSize: batch.length });
      rows += batch.length;
    },
    async finish(): Promise<SnapshotRef> {
      open();
      closed = true;
      await parquet.finish();
      const bytes = writer.offset;
      const sha256 = hash.digest('hex');
      let key: string;
      if (upload) {
        if (buffer.fill > 0) await upload.upload(buffer.contents());
        await upload.complete();
        key = multipartKey;
      } else {
        key = keyOf(sha256);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: buffer.contents(), ContentLength: bytes, ContentType: PARQUET, Metadata: { sha256, view, version: String(version) } }));
      }
      // The snapshot is whole and stored: failing the job now for side objects not deleted
      // would be worse than leaving them (a retry could not resume a completed upload).
      await deleteSideObjects().catch(() => undefined);
      return { uri: `s3://${bucket}/${key}`, sha256, rows, bytes, format: 'parquet' };
    },
    async abort() {
      closed = true;
      await Promise.all([upload?.abort(), deleteSideObjects()]);
    },
    async suspend(): Promise<SnapshotWriterState> {
      open();
      // The header (a writer never appended to) or anything else still in hyparquet's buffer.
      await writer.flush();
      const payload: SidePayload = {
        parquet: { row_groups: parquet.row_groups, num_rows: parquet.num_rows, pendingIndexes: parquet.pendingIndexes.map(({ chunk: _, ...rest }) => rest) },
        parts: upload?.parts ?? [],
        tail: buffer.fill,
      };
      const json = Buffer.from(toTaggedJson(payload), 'utf8');
      const head = Buffer.alloc(4);
      head.writeUInt32LE(json.byteLength);
      const body = Buffer.concat([head, json, buffer.contents()]);
      const next = suspensions + 1;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: sideKey(multipartKey, next), Body: body, ContentLength: body.byteLength, ContentType: 'application/octet-stream' }));
      suspensions = next;
      const suspended: SuspendedState = {
        store: STATE_STORE,
        view,
        version,
        id,
        schema: schemaSha256,
        partBytes,
        rows,
        bytes: writer.offset,
        hash: Buffer.from(hash.save()).toString('base64'),
        uploadId: upload?.uploadId ?? null,
        suspensions,
        side: { sha256: createHash('sha256').update(body).digest('hex'), bytes: body.byteLength },
      };
      return suspended;
    },
  };
}

function checkState(resume: SnapshotWriterState, view: string, version: number, schema: string): SuspendedState {
  const state = resume as unknown as SuspendedState;
  if (state.store !== STATE_STORE) throw new Error(`not a state of this snapshot writer (${STATE_STORE}): ${String(resume.store)}`);
  if (state.view !== view || state.version !== version) throw new Error(`a suspended snapshot of ${state.view} v${state.version} cannot be resumed as ${view} v${version}`);
  if (state.schema !== schema) throw new Error(`a suspended snapshot of ${view} v${version} cannot be resumed with another definition's columns`);
  return state;
}

async function readSide(s3: S3Client, bucket: string, key: string, expected: SuspendedState['side']): Promise<{ payload: SidePayload; tail: Uint8Array }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await out.Body!.transformToByteArray());
  const actual = createHash('sha256').update(body).digest('hex');
  if (body.byteLength !== expected.bytes || actual !== expected.sha256) throw new Error(`${key}: the suspended snapshot's side object is not the one its state names (sha256 ${actual}, expected ${expected.sha256})`);
  const length = body.readUInt32LE(0);
  const payload = fromTaggedJson(body.subarray(4, 4 + length).toString('utf8')) as SidePayload;
  const tail = body.subarray(4 + length);
  if (tail.byteLength !== payload.tail) throw new Error(`${key}: ${tail.byteLength} tail bytes, ${payload.tail} recorded`);
  return { payload, tail };
}

/**
 * A ParquetWriter going on with a file begun in another invocation (a snapshot written across
 * Lambda invocations): hyparquet-writer 0.17 keeps a file's state in `row_groups`, `num_rows`
 * and `pendingIndexes` (each entry's `chunk` is the very ColumnChunk in row_groups, which
 * writeIndexes fills in with the index offsets at finish, so the link is remade), and in the
 * writer's absolute `offset`, from which every offset in the metadata is taken. Its
 * constructor writes the 'PAR1' header, which the file already has: that goes to a throwaway
 * writer. Schema, codec, statistics and key-value metadata come from the same options as the
 * first writer's. Rechecked by the suite's byte-for-byte comparison (test/integration/snapshot-writer.test.ts).
 */
function restoredParquetWriter(writer: DrainWriter, offset: number, saved: SidePayload['parquet'], options: { schema: ParquetWriter['schema']; kvMetadata: ParquetWriter['kvMetadata'] }): ParquetWriter {
  const parquet = new ParquetWriter({ writer: new ByteWriter(4), ...options });
  parquet.writer = writer;
  writer.offset = offset;
  parquet.row_groups = saved.row_groups as ParquetWriter['row_groups'];
  parquet.num_rows = saved.num_rows;
  const chunks = parquet.row_groups.flatMap((group) => group.columns);
  if (chunks.length !== saved.pendingIndexes.length) throw new Error(`suspended snapshot: ${chunks.length} column chunks but ${saved.pendingIndexes.length} pending indexes`);
  parquet.pendingIndexes = saved.pendingIndexes.map((entry, i) => ({ ...(entry as object), chunk: chunks[i]! }));
  return parquet;
}

/**
 * JSON for the Parquet writer's state, with what JSON cannot spell tagged so it comes back as
 * it was: bigints (offsets, counts, INT64 statistics), bytes (index bounds), and the numbers
 * -0 (a float column's min statistic when it is 0: hyparquet normalizes it so), NaN, ±Infinity.
 */
function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    if (typeof raw === 'number' && (!Number.isFinite(raw) || Object.is(raw, -0))) return { $number: Object.is(raw, -0) ? '-0' : String(raw) };
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (raw instanceof Uint32Array) return { $uint32: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (ArrayBuffer.isView(raw)) throw new Error(`suspended snapshot: cannot keep a ${raw.constructor.name} in the state`);
    return v;
  });
}

function fromTaggedJson(text: string): unknown {
  return JSON.parse(text, (_, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    const tagged = v as Record<string, string>;
    if ('$bigint' in tagged) return BigInt(tagged.$bigint!);
    if ('$number' in tagged) return Number(tagged.$number);
    if ('$bytes' in tagged) return new Uint8Array(Buffer.from(tagged.$bytes!, 'base64'));
    if ('$uint32' in tagged) {
      const bytes = Buffer.from(tagged.$uint32!, 'base64');
      return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    return v;
  });
}

async function deleteQuietly(s3: S3Client, bucket: string, key: string): Promise<void> {
  // Only tidiness: what is left is deleted at finish or abort (deletePrefix).
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
}

async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
}

/**
 * A training set written a part at a time (a training-set job's finalize): each part one row
 * group, drained to a temporary file and hashed on the way, then stored under
 * `keyOf(sha256)`, as putTrainingSet stores a set built in memory: by one streamed PutObject,
 * or by a multipart upload of the file above `partBytes` (S3 takes at most 5 GB in one PUT).
 */
export async function openS3TrainingSet(
  s3: S3Client,
  bucket: string,
  keyOf: (sha256: string) => string,
  view: string,
  columns: TrainingSetTable['columns'],
  metadata: Record<string, string>,
  options: PartOptions = {},
): Promise<TrainingSetWriter> {
  const partBytes = partBytesOf(options);
  const dir = await mkdtemp(join(tmpdir(), 'rewind-training-set-'));
  const path = join(dir, 'set.parquet');
  const file = await open(path, 'w');
  const hash = createHash('sha256');
  const writer = new DrainWriter(async (bytes) => {
    hash.update(bytes);
    await file.write(bytes);
  });
  const parquet = new ParquetWriter({ writer, schema: schemaFromColumnData({ columnData: tableColumnData(columns, []) }), kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })) });
  return {
    async append(rows) {
      if (rows.length > 0) await parquet.write({ columnData: tableColumnData(columns, rows), rowGroupSize: rows.length });
    },
    async finish(): Promise<ArtifactRef & { id: string }> {
      try {
        await parquet.finish();
        const bytes = writer.offset;
        await file.close();
        const sha256 = hash.digest('hex');
        const key = keyOf(sha256);
        if (bytes <= partBytes) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: bytes, ContentType: PARQUET, Metadata: { sha256, view } }));
        } else {
          await uploadFile(s3, bucket, key, path, partBytes, { sha256, view });
        }
        return { id: sha256, uri: `s3://${bucket}/${key}`, sha256, bytes };
      } finally {
        await file.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A file stored by a multipart upload, a part at a time (aborted if any part fails). */
async function uploadFile(s3: S3Client, bucket: string, key: string, path: string, partBytes: number, metadata: Record<string, string>): Promise<void> {
  const upload = await MultipartUpload.create(s3, bucket, key, metadata);
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const part = new Uint8Array(partBytes);
    for (;;) {
      let fill = 0;
      while (fill < partBytes) {
        const { bytesRead } = await handle.read(part, fill, partBytes - fill, null);
        if (bytesRead === 0) break;
        fill += bytesRead;
      }
      if (fill === 0) break;
      await upload.upload(part.subarray(0, fill));
      if (fill < partBytes) break;
    }
    await upload.complete();
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  } finally {
    await handle?.close();
  }
}
