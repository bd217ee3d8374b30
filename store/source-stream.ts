/**
 * A user's data file in S3 read a batch of records at a time (SnapshotStore.streamSource), so
 * a deploy job's validate step holds one batch, never the file:
 *  - Parquet through ranged GETs (hyparquet's AsyncBuffer): the footer, then one row group at
 *    a time (memory bounded by the largest row group the file's writer chose), cut into batches;
 *  - JSON lines line by line, CSV through csv-parse's stream, both off the GetObject stream.
 * Parse errors are decodeSource's (store/formats.ts), word for word: the same file is refused
 * with the same body whether it is deployed synchronously or as a job.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { ValidationError } from '../core/errors';
import type { SourceStream } from '../core/ports';
import type { SourceFormat } from './formats';

type Batches = AsyncGenerator<Record<string, unknown>[]>;

export function streamS3Source(s3: S3Client, location: { bucket: string; key: string }, format: SourceFormat, field: string, batchRows: number, mapError: (error: unknown) => unknown): SourceStream {
  const batches = (from = 0) => (format === 'parquet' ? parquetBatches(s3, location, field, batchRows, mapError, from) : textBatches(s3, location, format, field, batchRows, mapError, from));
  return { fromText: format === 'csv', batches };
}

/** A resumed stream (`from` > 0) skips the row groups before `from` by their row counts, unread. */
async function* parquetBatches(s3: S3Client, { bucket, key }: { bucket: string; key: string }, field: string, batchRows: number, mapError: (error: unknown) => unknown, from: number): Batches {
  let byteLength: number;
  try {
    byteLength = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength ?? 0;
  } catch (error) {
    throw mapError(error);
  }
  const file: AsyncBuffer = {
    byteLength,
    slice: async (start, end = byteLength) => {
      if (end <= start) return new ArrayBuffer(0);
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
      const bytes = await out.Body!.transformToByteArray();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (cause) {
    throw new ValidationError(field, 'is not a readable Parquet file', { cause });
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    if (rowEnd <= from) {
      rowStart = rowEnd;
      continue;
    }
    let records: Record<string, unknown>[];
    try {
      records = (await parquetReadObjects({ file, metadata, rowStart, rowEnd })) as Record<string, unknown>[];
    } catch (cause) {
      throw new ValidationError(field, 'is not a readable Parquet file', { cause });
    }
    // Batches are cut from the group's first row, so a resumed stream's are an uninterrupted one's.
    const first = Math.max(0, from - rowStart);
    for (let i = first - (first % batchRows); i < records.length; i += batchRows) yield records.slice(Math.max(i, first), i + batchRows);
    rowStart = rowEnd;
  }
}

/**
 * A resumed stream (`from` > 0) reads the file from its start and drops the first `from`
 * records: a JSON line is counted without being parsed, a CSV record parsed but not kept, so a
 * resumed segment pays one read of what came before (a byte offset would need the parser's
 * position in the stream, which readline does not give), and line numbers in errors stay the file's.
 */
async function* textBatches(s3: S3Client, { bucket, key }: { bucket: string; key: string }, format: 'jsonl' | 'csv', field: string, batchRows: number, mapError: (error: unknown) => unknown, from: number): Batches {
  let body: Readable;
  try {
    body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
  } catch (error) {
    throw mapError(error);
  }
  let batch: Record<string, unknown>[] = [];
  let skip = from;
  try {
    for await (const record of format === 'jsonl' ? jsonLines(body, field, from) : csvRecords(body, field)) {
      if (skip > 0) {
        skip--;
        continue;
      }
      batch.push(record);
      if (batch.length === batchRows) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    body.destroy();
  }
}

/** The file's records; the first `unparsed` non-empty lines are yielded as placeholders, unparsed (a resumed stream drops them). */
async function* jsonLines(body: Readable, field: string, unparsed = 0): AsyncGenerator<Record<string, unknown>> {
  let lineNo = 0;
  for await (const line of createInterface({ input: body, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    if (unparsed > 0) {
      unparsed--;
      yield SKIPPED;
      continue;
    }
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch (cause) {
      if (!(cause instanceof SyntaxError)) throw cause;
      throw new ValidationError(field, `line ${lineNo} is not valid JSON`, { cause });
    }
  }
}

const SKIPPED: Record<string, unknown> = Object.freeze({});

async function* csvRecords(body: Readable, field: string): AsyncGenerator<Record<string, unknown>> {
  const parser = body.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true }));
  try {
    for await (const record of parser) yield record as Record<string, unknown>;
  } catch (cause) {
    throw new ValidationError(field, `is not valid CSV: ${(cause as Error).message}`, { cause });
  }
}
