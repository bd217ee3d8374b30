/**
 * Human output: small aligned tables and a few value formatters. Pure functions, no
 * terminal library: the CLI's output has to read well in a terminal and in a CI log alike.
 */

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  /** Cells longer than this are cut with an ellipsis so one long reason cannot wreck the layout. */
  maxCellWidth?: number;
  /** Columns right-aligned (numbers read better that way). */
  alignRight?: readonly string[];
}

/**
 * Render rows as an aligned, plain-text table with a header row.
 *
 * @example table(['VERSION', 'STATUS'], [[1, 'active'], [2, 'rolled-back']])
 * // VERSION  STATUS
 * // 1        active
 * // 2        rolled-back
 */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const max = options.maxCellWidth ?? 48;
  const right = new Set(options.alignRight ?? []);
  const text = rows.map((row) => headers.map((_, i) => truncate(cell(row[i]), max)));
  const widths = headers.map((h, i) => Math.max(width(h), ...text.map((r) => width(r[i]!))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(headers[i]!) ? pad(c, widths[i]!, 'left') : i === cells.length - 1 ? c : pad(c, widths[i]!, 'right')))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

/** Two aligned columns for one record: `key  value` per line. */
export function keyValues(entries: readonly (readonly [string, Cell])[]): string {
  const w = Math.max(0, ...entries.map(([k]) => width(k)));
  return entries.map(([k, v]) => `${pad(k, w, 'right')}  ${cell(v)}`.trimEnd()).join('\n');
}

/** How a value reads in a table: null and missing as `-`, everything else as itself. */
export function cell(value: Cell | unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
  if (typeof value === 'string') return value.replace(/\s*\n\s*/g, ' ');
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function truncate(text: string, max: number): string {
  return width(text) <= max ? text : `${[...text].slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** @example bytes(1536) // '1.5 KB' */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** @example ms(1234.5) // '1235 ms' */
export function ms(n: number): string {
  return `${Math.round(n)} ms`;
}

/** ISO timestamps shortened to the second, in UTC: `2025-01-02 10:11:12Z`. */
export function when(iso: string | undefined | null): string {
  if (!iso) return '-';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/** `v3`, or `-` when there is no version. */
export function version(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : `v${n}`;
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, to: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return side === 'left' ? fill + text : text + fill;
}
