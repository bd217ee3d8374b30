/**
 * A snapshot written a batch at a time (SnapshotStore.openSnapshot): each batch is one Parquet
 * row group, flushed to a temporary file as it is encoded (Lambda's /tmp in AWS) and hashed on
 * the way, so memory holds one batch whatever the number of rows. `finish` writes the footer
 * and stores the file under its content-addressed key with one streamed PutObject (S3 takes
 * up to 5 GB in one PUT; a larger snapshot would need a multipart upload, docs/scale.md).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { ArtifactRef, SnapshotRef, ViewDefinition } from '../core/model';
import type { SnapshotWriter, TrainingSetTable, TrainingSetWriter } from '../core/ports';
import type { FeatureRow } from '../core/rows';
import { parquetColumns, parquetKvMetadata, tableColumnData } from './formats';

/** A hyparquet Writer that drains its buffer to a file (and a hash) at every flush. */
class FileDrainWriter extends ByteWriter {
  readonly hash = createHash('sha256');
  private pending: Promise<void> = Promise.resolve();

  constructor(private readonly file: FileHandle) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    this.hash.update(bytes);
    this.pending = this.pending.then(() => this.file.write(bytes).then(() => undefined));
    return this.pending;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

export async function openS3Snapshot(s3: S3Client, bucket: string, keyOf: (sha256: string) => string, view: string, version: number, definition: ViewDefinition): Promise<SnapshotWriter> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-snapshot-'));
  const path = join(dir, 'snapshot.parquet');
  const file = await open(path, 'w');
  const writer = new FileDrainWriter(file);
  const parquet = new ParquetWriter({ writer, schema: schemaFromColumnData({ columnData: parquetColumns(definition, []) }), kvMetadata: parquetKvMetadata(definition) });
  let rows = 0;
  const cleanUp = async () => {
    await file.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  return {
    async append(batch: readonly FeatureRow[]) {
      if (batch.length === 0) return;
      rows += batch.length;
      await parquet.write({ columnData: parquetColumns(definition, batch), rowGroupSize: batch.length });
    },
    async finish(): Promise<SnapshotRef> {
      try {
        await parquet.finish();
        const bytes = writer.offset;
        await file.close();
        const sha256 = writer.hash.digest('hex');
        const key = keyOf(sha256);
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: createReadStream(path),
            ContentLength: bytes,
            ContentType: 'application/vnd.apache.parquet',
            Metadata: { sha256, view, version: String(version) },
          }),
        );
        return { uri: `s3://${bucket}/${key}`, sha256, rows, bytes, format: 'parquet' };
      } finally {
        await cleanUp();
      }
    },
    abort: cleanUp,
  };
}

/**
 * A training set written a part at a time (a training-set job's finalize): each part one row
 * group, drained to a temporary file and hashed on the way, then stored under
 * `keyOf(sha256)` by one streamed PutObject, as putTrainingSet stores a set built in memory.
 */
export async function openS3TrainingSet(s3: S3Client, bucket: string, keyOf: (sha256: string) => string, view: string, columns: TrainingSetTable['columns'], metadata: Record<string, string>): Promise<TrainingSetWriter> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-training-set-'));
  const path = join(dir, 'set.parquet');
  const file = await open(path, 'w');
  const writer = new FileDrainWriter(file);
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
        const sha256 = writer.hash.digest('hex');
        const key = keyOf(sha256);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: bytes, ContentType: 'application/vnd.apache.parquet', Metadata: { sha256, view } }));
        return { id: sha256, uri: `s3://${bucket}/${key}`, sha256, bytes };
      } finally {
        await file.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
