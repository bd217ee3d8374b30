/**
 * Snapshots in S3 under content-addressed keys (`snapshots/<view>/v<N>/<sha256>.parquet`),
 * checked against their sha256 whenever they are read back. s3rver ignores conditional
 * writes, so immutability is guarded by the version record, not by S3.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LRUCache } from 'lru-cache';
import { SnapshotIntegrityError, ValidationError } from '../core/errors';
import type { ArtifactRef, FeatureValue, SnapshotRef, ViewDefinition } from '../core/model';
import type { SnapshotStore, SnapshotWriter, SnapshotWriterState, SourceRecords, SourceStream, TrainingSetTable, TrainingSetWriter } from '../core/ports';
import type { FeatureRow } from '../core/rows';
import { errorName } from './aws-errors';
import { countSourceRows, decodeSnapshot, decodeSource, encodeTable, formatOf } from './formats';
import { decodeFooter, decodeRowGroup, encodeIndexedSnapshot, groupOf, rowGroupRange, type SnapshotFooter } from './snapshot-index';
import { openS3Snapshot, openS3TrainingSet } from './snapshot-writer';
import { streamS3Source } from './source-stream';

const UPLOAD_TTL_SECONDS = 900;
/** The bucket's layout: snapshots/<view>/v<N>/…, uploads/<uuid>/<file name>. */
const SNAPSHOTS_DIR = 'snapshots';
const UPLOADS_DIR = 'uploads';
const TRAINING_SETS_DIR = 'training-sets';
const DOWNLOAD_TTL_SECONDS = 900;
/**
 * A lookup needing more than this share of a snapshot's row groups reads the file whole (one
 * GET, one checksum) instead of one ranged GET per group.
 */
const WHOLE_FILE_SHARE = 0.5;

export function parseS3Uri(uri: string, field = 'snapshotUri'): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new ValidationError(field, 'must look like s3://bucket/key');
  return { bucket: match[1]!, key: match[2]! };
}

/**
 * In Rewind's own bucket a deploy of `view` may not name another view's snapshot
 * (`snapshots/<other>/…`): it would copy data it was never given. An upload (`uploads/…`,
 * POST /uploads) or one of `view`'s own snapshots (re-deploying old data) is fine; in AWS the
 * deploy function may read nothing else of the bucket anyway (infra/access.ts). Keys are
 * compared segment by segment, and `.`, `..` and empty segments are refused outright, so no
 * spelling of a key reaches around the rule.
 */
function checkOwnBucketSource(key: string, view: string, field = 'snapshotUri'): void {
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new ValidationError(field, 'must not contain empty, "." or ".." path segments');
  if (segments[0] === SNAPSHOTS_DIR && segments[1] !== view)
    throw new ValidationError(field, `names a snapshot of view '${segments[1]}': a deploy of '${view}' may name an upload (POST /uploads) or one of its own snapshots, not another view's`);
}

export class S3SnapshotStore implements SnapshotStore {
  /** Verified footers by snapshot URI: a snapshot never changes, so its footer is read and checked once per container. */
  private readonly footers = new LRUCache<string, SnapshotFooter>({ max: 256 });
  /** Bytes and GETs of snapshot data read (lookups and whole reads): what the bench reports per lookup. */
  readonly reads = { bytes: 0, requests: 0 };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** Rows per snapshot row group; smaller in tests, so a few rows make several groups. @default SNAPSHOT_ROW_GROUP_ROWS */
    private readonly layout: { rowGroupRows?: number } = {},
  ) {}

  async write(view: string, version: number, definition: ViewDefinition, rows: readonly FeatureRow[]): Promise<SnapshotRef> {
    const { body, index } = encodeIndexedSnapshot(definition, rows, this.layout.rowGroupRows);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = snapshotKey(view, version, sha256);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/vnd.apache.parquet',
        Metadata: { sha256, view, version: String(version) },
      }),
    );
    return { uri: `s3://${this.bucket}/${key}`, sha256, rows: rows.length, bytes: body.byteLength, format: 'parquet', index };
  }

  async read(ref: SnapshotRef, definition: ViewDefinition): Promise<FeatureRow[]> {
    const bytes = await this.getBytes(ref.uri, 'snapshot.uri');
    this.counted(bytes);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== ref.sha256) throw new SnapshotIntegrityError(ref.uri, ref.sha256, actual);
    return decodeSnapshot(definition, bytes);
  }

  async lookup(ref: SnapshotRef, definition: ViewDefinition, entities: readonly string[]): Promise<Map<string, Record<string, FeatureValue>>> {
    const wanted = new Set(entities);
    const found = new Map<string, Record<string, FeatureValue>>();
    const keep = (rows: readonly FeatureRow[]) => {
      for (const row of rows) if (wanted.has(row.entity)) found.set(row.entity, row.values);
    };
    // A snapshot written before the index: the whole file, checked against its sha256.
    if (!ref.index) return keep(await this.read(ref, definition)), found;
    const footer = await this.footer(ref, definition);
    const groups = [...new Set(entities.map((e) => groupOf(footer, e)).filter((g): g is number => g !== undefined))].sort((a, b) => a - b);
    if (groups.length > footer.groups.length * WHOLE_FILE_SHARE) return keep(await this.read(ref, definition)), found;
    for (const i of groups) {
      const { start, end } = rowGroupRange(footer.metadata, i);
      const bytes = await this.getRange(ref, start, end, ref.index.rowGroupSha256[i]);
      keep(await decodeRowGroup(definition, footer, i, ref.bytes, bytes));
    }
    return found;
  }

  private async footer(ref: SnapshotRef, definition: ViewDefinition): Promise<SnapshotFooter> {
    const cached = this.footers.get(ref.uri);
    if (cached) return cached;
    const bytes = await this.getRange(ref, ref.index!.footerOffset, ref.bytes, ref.index!.footerSha256);
    const footer = decodeFooter(bytes, definition.entity);
    this.footers.set(ref.uri, footer);
    return footer;
  }

  /** Bytes [start, end) of a snapshot by one ranged GET, refused unless their sha256 is `expected`. */
  private async getRange(ref: SnapshotRef, start: number, end: number, expected: string | undefined): Promise<Uint8Array> {
    const bytes = await this.getBytes(ref.uri, 'snapshot.uri', `bytes=${start}-${end - 1}`);
    this.counted(bytes);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) throw new SnapshotIntegrityError(`${ref.uri} (bytes ${start}-${end - 1})`, expected ?? '(none recorded)', actual);
    return bytes;
  }

  private counted(bytes: Uint8Array): void {
    this.reads.bytes += bytes.byteLength;
    this.reads.requests++;
  }

  async readSource(uri: string, view: string, field = 'snapshotUri'): Promise<SourceRecords> {
    const { bucket, key } = parseS3Uri(uri, field);
    if (bucket === this.bucket) checkOwnBucketSource(key, view, field);
    const format = formatOf(key, field);
    return decodeSource(format, await this.getBytes(uri, field), field);
  }

  async putTrainingSet(view: string, table: TrainingSetTable): Promise<ArtifactRef & { id: string }> {
    const body = encodeTable(table);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = `${TRAINING_SETS_DIR}/${view}/${sha256}.parquet`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet', Metadata: { sha256, view } }));
    return { id: sha256, uri: `s3://${this.bucket}/${key}`, sha256, bytes: body.byteLength };
  }

  openTrainingSet(view: string, columns: TrainingSetTable['columns'], metadata: Record<string, string>): Promise<TrainingSetWriter> {
    return openS3TrainingSet(this.s3, this.bucket, (sha256) => `${TRAINING_SETS_DIR}/${view}/${sha256}.parquet`, view, columns, metadata);
  }

  async trainingSetDownload(view: string, id: string): Promise<{ uri: string; bytes: number; downloadUrl: string; expiresInSeconds: number } | undefined> {
    const key = `${TRAINING_SETS_DIR}/${view}/${id}.parquet`;
    let bytes: number;
    try {
      bytes = (await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))).ContentLength ?? 0;
    } catch (error) {
      const name = errorName(error);
      if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
      throw error;
    }
    const downloadUrl = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: DOWNLOAD_TTL_SECONDS });
    return { uri: `s3://${this.bucket}/${key}`, bytes, downloadUrl, expiresInSeconds: DOWNLOAD_TTL_SECONDS };
  }

  /** The rows of a user's data file, counted without decoding them (store/formats.ts countSourceRows); undefined when unreadable. */
  async countSourceRows(uri: string, view: string): Promise<number | undefined> {
    const { bucket, key } = parseS3Uri(uri);
    if (bucket === this.bucket) checkOwnBucketSource(key, view);
    return countSourceRows(formatOf(key, 'snapshotUri'), await this.getBytes(uri, 'snapshotUri'));
  }

  async streamSource(uri: string, view: string, batchRows: number): Promise<SourceStream> {
    const location = parseS3Uri(uri);
    if (location.bucket === this.bucket) checkOwnBucketSource(location.key, view);
    return streamS3Source(this.s3, location, formatOf(location.key, 'snapshotUri'), 'snapshotUri', batchRows, (error) => readError(error, uri, 'snapshotUri'));
  }

  openSnapshot(view: string, version: number, definition: ViewDefinition, resume?: SnapshotWriterState): Promise<SnapshotWriter> {
    return openS3Snapshot(this.s3, this.bucket, (name) => snapshotKey(view, version, name), view, version, definition, resume);
  }

  async createUpload(fileName: string): Promise<{ uploadUrl: string; snapshotUri: string; expiresInSeconds: number }> {
    const key = `${UPLOADS_DIR}/${randomUUID()}/${fileName}`;
    const uploadUrl = await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: UPLOAD_TTL_SECONDS });
    return { uploadUrl, snapshotUri: `s3://${this.bucket}/${key}`, expiresInSeconds: UPLOAD_TTL_SECONDS };
  }

  async putDocument(view: string, version: number, name: string, document: unknown): Promise<ArtifactRef> {
    const body = Buffer.from(JSON.stringify(document), 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const key = `${SNAPSHOTS_DIR}/${view}/v${version}/${name}-${sha256}.json`;
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json', Metadata: { sha256, view, version: String(version) } }),
    );
    return { uri: `s3://${this.bucket}/${key}`, sha256, bytes: body.byteLength };
  }

  async getDocument<T>(ref: ArtifactRef): Promise<T> {
    const bytes = await this.getBytes(ref.uri, 'artifact.uri');
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== ref.sha256) throw new SnapshotIntegrityError(ref.uri, ref.sha256, actual);
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  }

  private async getBytes(uri: string, field: string, range?: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(uri, field);
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      throw readError(error, uri, field);
    }
  }
}

function snapshotKey(view: string, version: number, sha256: string): string {
  return `${SNAPSHOTS_DIR}/${view}/v${version}/${sha256}.parquet`;
}

/** An S3 read error as the deploy's refusal naming `field`, or as it is (a fault, retried or a 5xx). */
function readError(error: unknown, uri: string, field: string): unknown {
  const name = errorName(error);
  if (name === 'NoSuchKey' || name === 'NotFound') return new ValidationError(field, `no object at ${uri}`, { cause: error });
  if (name === 'NoSuchBucket') return new ValidationError(field, `no bucket named in ${uri}`, { cause: error });
  if (name === 'AccessDenied' || name === 'Forbidden') return new ValidationError(field, `Rewind may not read ${uri}`, { cause: error });
  return error;
}
