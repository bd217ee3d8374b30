/**
 * Snapshots that answer one entity without reading the file (issue 12, item 2): rows sorted by
 * entity in UTF-8 byte order (the order Parquet's statistics compare strings in), row groups
 * of at most SNAPSHOT_ROW_GROUP_ROWS rows, exact min/max statistics on the entity column, and,
 * recorded in the version record (core/model.ts SnapshotIndex), the sha256 of the footer and of
 * every row group's bytes. A lookup reads the footer once (verified, then cached: the file is
 * immutable), picks the row group whose [min, max] holds the entity, and reads that byte range
 * alone, verified against its recorded checksum before a byte of it is decoded.
 */
import { createHash } from 'node:crypto';
import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import type { SnapshotIndex, ViewDefinition } from '../core/model';
import type { FeatureRow } from '../core/rows';
import { encodeParquet, valuesOfRecord } from './formats';

/**
 * Rows per row group: at ~20 features a group is a few hundred KB, one ranged GET of well
 * under 100 ms from S3, and a million-row snapshot has 100 groups (100 checksums, ~7 KB of
 * the version record).
 */
export const SNAPSHOT_ROW_GROUP_ROWS = 10_000;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Code point order (= UTF-8 byte order) without encoding: JavaScript's `<` compares UTF-16
 * code units, which puts U+10000 and above (surrogate pairs) before U+E000–U+FFFF.
 */
export function compareEntities(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}
const fixup = (unit: number) => (unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

/** The snapshot's bytes and its index: rows sorted by entity, bounded row groups, every piece's checksum. */
export function encodeIndexedSnapshot(definition: ViewDefinition, rows: readonly FeatureRow[], rowGroupRows = SNAPSHOT_ROW_GROUP_ROWS): { body: Uint8Array; index: SnapshotIndex } {
  const sorted = [...rows].sort((a, b) => compareEntities(a.entity, b.entity));
  const body = encodeParquet(definition, sorted, { rowGroupSize: rowGroupRows, statisticsTruncateLength: Infinity });
  const metadata = parquetMetadata(arrayBufferOf(body));
  const footerOffset = body.byteLength - 8 - metadata.metadata_length;
  return {
    body,
    index: {
      sortedBy: 'entity',
      rowGroupRows,
      footerOffset,
      footerSha256: sha256(body.subarray(footerOffset)),
      rowGroupSha256: metadata.row_groups.map((_, i) => {
        const { start, end } = rowGroupRange(metadata, i);
        return sha256(body.subarray(start, end));
      }),
    },
  };
}

/** The bytes [start, end) that hold row group `i`'s column chunks. */
export function rowGroupRange(metadata: FileMetaData, i: number): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const column of metadata.row_groups[i]!.columns) {
    const meta = column.meta_data!;
    const first = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    start = Math.min(start, first, Number(meta.data_page_offset));
    end = Math.max(end, first + Number(meta.total_compressed_size));
  }
  return { start, end };
}

/** A verified footer, decoded: what a lookup needs to find and decode a row group. */
export interface SnapshotFooter {
  metadata: FileMetaData;
  /** Per row group: the entity column's min and max, and the index of its first row. */
  groups: { min: string; max: string; rowStart: number; rowEnd: number }[];
}

/** Decodes the footer bytes (from `index.footerOffset` to the end), given they matched `index.footerSha256`. */
export function decodeFooter(bytes: Uint8Array, entityColumn: string): SnapshotFooter {
  const metadata = parquetMetadata(arrayBufferOf(bytes));
  let rowStart = 0;
  const groups = metadata.row_groups.map((group) => {
    const column = group.columns.find((c) => c.meta_data?.path_in_schema.join('.') === entityColumn)!;
    const stats = column.meta_data!.statistics!;
    const rows = Number(group.num_rows);
    const range = { min: String(stats.min_value), max: String(stats.max_value), rowStart, rowEnd: rowStart + rows };
    rowStart += rows;
    return range;
  });
  return { metadata, groups };
}

/** The row group whose entity range holds `entity`, by binary search (groups are sorted and disjoint); undefined: no group can hold it. */
export function groupOf(footer: SnapshotFooter, entity: string): number | undefined {
  let low = 0;
  let high = footer.groups.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const g = footer.groups[middle]!;
    if (compareEntities(entity, g.min) < 0) high = middle - 1;
    else if (compareEntities(entity, g.max) > 0) low = middle + 1;
    else return middle;
  }
  return undefined;
}

/** The rows of row group `i`, decoded from its bytes alone (already verified). */
export async function decodeRowGroup(definition: ViewDefinition, footer: SnapshotFooter, i: number, fileBytes: number, bytes: Uint8Array): Promise<FeatureRow[]> {
  const { start, end } = rowGroupRange(footer.metadata, i);
  // hyparquet reads through this buffer; anything outside the verified range is a bug, not a silent read.
  const file = {
    byteLength: fileBytes,
    slice(from: number, to = fileBytes): ArrayBuffer {
      if (from < start || to > end) throw new Error(`row group ${i} holds bytes ${start}-${end}, not ${from}-${to}`);
      return arrayBufferOf(bytes.subarray(from - start, to - start));
    },
  };
  const { rowStart, rowEnd } = footer.groups[i]!;
  const records = (await parquetReadObjects({ file, metadata: footer.metadata, rowStart, rowEnd })) as Record<string, unknown>[];
  return records.map((record) => ({ entity: String(record[definition.entity]), values: valuesOfRecord(definition, record) }));
}

export function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
