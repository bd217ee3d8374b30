/**
 * Data files read on this machine for inline deploys: CSV, JSON lines and Parquet, turned
 * into the JSON rows the API takes. Large files are not read here; they are uploaded as
 * they are (upload.ts) and the server reads them.
 *
 * The same file must deploy to the same values whether it goes inline or through an upload,
 * so CSV text is converted exactly as the server converts it (core/rows.ts): empty is null,
 * booleans are `true`/`false`, numbers must parse whole.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import type { FeatureType } from '../core/model';
import { valueFromText } from '../core/rows';

export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/** The part of a view definition reading a data file needs. */
export interface DataShape {
  entity: string;
  features: readonly { name: string; type: FeatureType }[];
}

export interface DataFile {
  path: string;
  format: DataFormat;
  records: Record<string, unknown>[];
  /** Where record `index` came from, for messages: `line 12` (text) or `row 11` (Parquet). */
  where(index: number): string;
}

/** A data file that cannot be read; the message names the file and, when known, the line. */
export class DataFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${basename(path)}: ${message}`, options);
    this.name = 'DataFileError';
  }
}

/** @example dataFormatOf('users.v1.csv') // 'csv' */
export function dataFormatOf(path: string): DataFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.parquet')) return 'parquet';
  throw new DataFileError(path, 'must be a .csv, .jsonl, .ndjson or .parquet file');
}

/**
 * Read a data file into rows for `POST /views/{view}/versions`.
 *
 * @example const { records } = await readDataFile('examples/user_profile.v1.csv', spec.definition)
 */
export async function readDataFile(path: string, shape: DataShape): Promise<DataFile> {
  const format = dataFormatOf(path);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new DataFileError(path, `cannot read the file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  return parseDataFile(bytes, path, format, shape);
}

export async function parseDataFile(bytes: Uint8Array, path: string, format: DataFormat, shape: DataShape): Promise<DataFile> {
  switch (format) {
    case 'csv':
      return parseCsvFile(bytes, path, shape);
    case 'jsonl':
      return parseJsonLines(bytes, path);
    case 'parquet':
      return parseParquet(bytes, path);
  }
}

function parseCsvFile(bytes: Uint8Array, path: string, shape: DataShape): DataFile {
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parseCsv(Buffer.from(bytes), { columns: true, skip_empty_lines: true, trim: true, info: true });
  } catch (cause) {
    throw new DataFileError(path, `is not valid CSV: ${(cause as Error).message}`, { cause });
  }
  const types = new Map(shape.features.map((f) => [f.name, f.type]));
  const lines = parsed.map((p) => p.info.lines);
  const records = parsed.map(({ record, info }) => {
    const out: Record<string, unknown> = {};
    for (const [column, text] of Object.entries(record)) {
      const type = types.get(column);
      // Unknown columns are passed on as text: the server names them in its answer.
      out[column] = column === shape.entity || type === undefined ? text : fromText(type, text, () => `line ${info.lines}, column ${column}`, path);
    }
    return out;
  });
  return { path, format: 'csv', records, where: (i) => (lines[i] === undefined ? `record ${i + 1}` : `line ${lines[i]}`) };
}

/** Text to a typed value, as core/rows.ts converts CSV on the server. */
export function fromText(type: FeatureType, text: string, where: () => string, path: string): string | number | boolean | null {
  const value = valueFromText(type, text);
  if (value === undefined) throw new DataFileError(path, `${where()}: expected ${type}, got '${text.slice(0, 40)}'`);
  return value;
}

function parseJsonLines(bytes: Uint8Array, path: string): DataFile {
  const text = new TextDecoder().decode(bytes);
  const records: Record<string, unknown>[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new DataFileError(path, `line ${i + 1} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new DataFileError(path, `line ${i + 1} must be a JSON object`);
    records.push(value as Record<string, unknown>);
    lines.push(i + 1);
  });
  return { path, format: 'jsonl', records, where: (i) => `line ${lines[i] ?? i + 1}` };
}

async function parseParquet(bytes: Uint8Array, path: string): Promise<DataFile> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let raw: Record<string, unknown>[];
  try {
    raw = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  } catch (cause) {
    throw new DataFileError(path, `is not a readable Parquet file: ${(cause as Error).message}`, { cause });
  }
  // INT64 columns arrive as bigint, which JSON cannot carry.
  const records = raw.map((record, i) => {
    const out: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(record)) {
      if (typeof value !== 'bigint') {
        out[column] = value;
        continue;
      }
      const n = Number(value);
      if (!Number.isSafeInteger(n)) throw new DataFileError(path, `row ${i + 1}, column ${column}: integer ${value} is outside the safe range of a double`);
      out[column] = n;
    }
    return out;
  });
  return { path, format: 'parquet', records, where: (i) => `row ${i + 1}` };
}
