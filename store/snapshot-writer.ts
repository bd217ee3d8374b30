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
import type { SnapshotRef, ViewDefinition } from '../core/model';
import type { SnapshotWriter } from '../core/ports';
import type { FeatureRow } from '../core/rows';
import { parquetColumns, parquetKvMetadata } from './formats';

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
