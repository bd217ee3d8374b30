/**
 * Data file formats: Parquet for snapshots (written by Rewind, read back to re-materialize)
 * and the three formats users may deploy from (Parquet, JSON lines, CSV).
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError } from '../core/errors';
import type { FeatureType, ViewDefinition } from '../core/model';
import type { SourceRecords, TrainingSetTable } from '../core/ports';
import type { FeatureRow } from '../core/rows';

type BasicType = 'STRING' | 'INT64' | 'DOUBLE' | 'BOOLEAN';

const PARQUET_TYPE: Record<FeatureType, BasicType> = { int: 'INT64', float: 'DOUBLE', string: 'STRING', bool: 'BOOLEAN' };

/** One column per feature plus the entity key, typed from the definition (row groups and statistics: store/snapshot-index.ts). */
export function encodeParquet(definition: ViewDefinition, rows: readonly FeatureRow[], layout: { rowGroupSize?: number; statisticsTruncateLength?: number } = {}): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: parquetColumns(definition, rows), kvMetadata: parquetKvMetadata(definition), ...layout }));
}

/** The snapshot's key-value metadata: which column is the entity. */
export function parquetKvMetadata(definition: ViewDefinition): { key: string; value: string }[] {
  return [{ key: 'rewind.entity', value: definition.entity }];
}

/** The snapshot's columns for `rows` (the entity key, then each feature, typed from the definition). */
export function parquetColumns(definition: ViewDefinition, rows: readonly FeatureRow[]) {
  return [
    { name: definition.entity, data: rows.map((r) => r.entity), type: 'STRING' as const, nullable: false },
    ...definition.features.map((f) => ({
      name: f.name,
      type: PARQUET_TYPE[f.type],
      data: rows.map((r) => {
        const value = r.values[f.name] ?? null;
        return f.type === 'int' && value !== null ? BigInt(value as number) : value;
      }),
    })),
  ];
}

export async function decodeParquetRecords(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as Record<string, unknown>[];
}

/** Back from a snapshot to rows; the snapshot was checked when it was written. */
export async function decodeSnapshot(definition: ViewDefinition, bytes: Uint8Array): Promise<FeatureRow[]> {
  const records = await decodeParquetRecords(bytes);
  return records.map((record) => ({ entity: String(record[definition.entity]), values: valuesOfRecord(definition, record) }));
}

/** A decoded snapshot record's feature values (INT64 comes back as bigint; nulls are left out). */
export function valuesOfRecord(definition: ViewDefinition, record: Record<string, unknown>): FeatureRow['values'] {
  const values: FeatureRow['values'] = {};
  for (const f of definition.features) {
    const value = record[f.name];
    if (value === null || value === undefined) continue;
    values[f.name] = typeof value === 'bigint' ? Number(value) : (value as FeatureRow['values'][string]);
  }
  return values;
}

/** A training set (core/training-sets.ts) as Parquet: its columns in order, nullable, typed. */
export function encodeTable(table: TrainingSetTable): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({ columnData: tableColumnData(table.columns, table.rows), kvMetadata: Object.entries(table.metadata).map(([key, value]) => ({ key, value })) }));
}

/** A training set's rows as Parquet column data (a whole set, or one row group of a set written in parts). */
export function tableColumnData(columns: TrainingSetTable['columns'], rows: readonly TrainingSetTable['rows'][number][]) {
  return columns.map((c, j) => ({
    name: c.name,
    type: PARQUET_TYPE[c.type],
    data: rows.map((row) => {
      const value = row[j] ?? null;
      return c.type === 'int' && value !== null ? BigInt(value as number) : value;
    }),
  }));
}

export type SourceFormat = 'parquet' | 'jsonl' | 'csv';

/**
 * How many rows a data file holds, without decoding them: Parquet's footer says; a text file
 * is counted by its non-empty lines (CSV: less the header). Only a routing decision (a deploy
 * over the synchronous limit becomes a job), so a CSV value with a newline inside quotes,
 * counted twice, only errs towards the job path. An unreadable file counts as undefined: the
 * deploy's own read refuses it with the field named.
 */
export function countSourceRows(format: SourceFormat, bytes: Uint8Array): number | undefined {
  if (format === 'parquet') {
    try {
      return Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).num_rows);
    } catch {
      return undefined;
    }
  }
  let lines = 0;
  let content = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 10) {
      if (content) lines++;
      content = false;
    } else if (b !== 13 && b !== 32) content = true;
  }
  if (content) lines++;
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}

export function formatOf(key: string, field: string): SourceFormat {
  const lower = key.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  throw new ValidationError(field, 'must end in .parquet, .jsonl, .ndjson or .csv');
}

/** Parse a user's data file into raw records, naming the line that does not parse. */
export async function decodeSource(format: SourceFormat, bytes: Uint8Array, field: string): Promise<SourceRecords> {
  switch (format) {
    case 'parquet':
      try {
        return { records: await decodeParquetRecords(bytes), fromText: false };
      } catch (cause) {
        throw new ValidationError(field, 'is not a readable Parquet file', { cause });
      }
    case 'jsonl': {
      const text = new TextDecoder().decode(bytes);
      const records: Record<string, unknown>[] = [];
      let lineNo = 0;
      for (const line of text.split('\n')) {
        lineNo++;
        if (line.trim() === '') continue;
        try {
          records.push(JSON.parse(line) as Record<string, unknown>);
        } catch (cause) {
          throw new ValidationError(field, `line ${lineNo} is not valid JSON`, { cause });
        }
      }
      return { records, fromText: false };
    }
    case 'csv':
      try {
        return { records: parseCsv(Buffer.from(bytes), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, unknown>[], fromText: true };
      } catch (cause) {
        throw new ValidationError(field, `is not valid CSV: ${(cause as Error).message}`, { cause });
      }
  }
}
