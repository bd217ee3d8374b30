/**
 * Prints the fault suite's figures as one table: what each fault suite recorded in
 * `.rewind-faults/` (test/faults/figures.ts) during this run.
 *
 *   tsx scripts/fault-figures.ts            # the table (and the notes under it)
 *   tsx scripts/fault-figures.ts --clean    # empty the directory: the start of a run
 *   tsx scripts/fault-figures.ts --markdown # the same table as Markdown (for the README)
 *
 * `npm run test:faults` cleans, runs jest on the fault suites, then prints the table, and
 * exits with jest's status. A figure a suite does not measure is shown as "–", not 0.
 */
import { clearFigures, FIGURES_DIR, readFigures, type RecordedFigures } from '../test/faults/figures';

const COLUMNS: [string, (f: RecordedFigures) => number | string | undefined][] = [
  ['suite', (f) => f.suite],
  ['API requests', (f) => f.requests],
  ['store requests', (f) => f.storeRequests],
  ['faults injected', (f) => (f.faults ? faultText(f.faults) : undefined)],
  ['reads checked', (f) => f.checkedReads],
  ['stale reads', (f) => f.staleReads],
  ['found:false', (f) => f.notFound],
  ['5xx (not 503)', (f) => f.serverErrors],
  ['503', (f) => f.unavailable],
  ['writes from rejected requests', (f) => f.rejectedWrites],
  ['seconds', (f) => (f.durationMs === undefined ? undefined : (f.durationMs / 1000).toFixed(1))],
];

function faultText(faults: Record<string, number>): string {
  const kinds = Object.entries(faults).filter(([, n]) => n > 0);
  const total = kinds.reduce((sum, [, n]) => sum + n, 0);
  return kinds.length ? `${total} (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})` : '0';
}

/** The table's rows, a total row last (sums of the figures every summed suite measured). */
export function tableRows(figures: RecordedFigures[]): string[][] {
  const cell = (v: number | string | undefined) => (v === undefined ? '–' : String(v));
  const rows = figures.map((f) => COLUMNS.map(([, get]) => cell(get(f))));
  if (figures.length > 1) {
    const faults: Record<string, number> = {};
    for (const f of figures) for (const [k, n] of Object.entries(f.faults ?? {})) faults[k] = (faults[k] ?? 0) + n;
    const sum = (get: (f: RecordedFigures) => number | undefined) => {
      const values = figures.map(get).filter((v): v is number => typeof v === 'number');
      return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
    };
    const total: RecordedFigures = {
      suite: 'total',
      recordedAt: '',
      requests: sum((f) => f.requests),
      storeRequests: sum((f) => f.storeRequests),
      faults,
      checkedReads: sum((f) => f.checkedReads),
      staleReads: sum((f) => f.staleReads),
      notFound: sum((f) => f.notFound),
      serverErrors: sum((f) => f.serverErrors),
      unavailable: sum((f) => f.unavailable),
      rejectedWrites: sum((f) => f.rejectedWrites),
      durationMs: sum((f) => f.durationMs),
    };
    rows.push(COLUMNS.map(([, get]) => cell(get(total))));
  }
  return rows;
}

export function renderTable(figures: RecordedFigures[], markdown = false): string {
  const header = COLUMNS.map(([name]) => name);
  const rows = tableRows(figures);
  if (markdown) {
    return [header, header.map((_, i) => (i === 0 ? '---' : '---:')), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function main(args: string[]): void {
  if (args.includes('--clean')) {
    clearFigures();
    return;
  }
  const figures = readFigures();
  if (figures.length === 0) {
    console.log(`fault figures: nothing recorded in ${FIGURES_DIR} (run npm run test:faults)`);
    return;
  }
  console.log(`\nFault suite figures (${FIGURES_DIR})\n`);
  console.log(renderTable(figures, args.includes('--markdown')));
  const notes = figures.flatMap((f) => f.notes ?? []);
  if (notes.length) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
}

if (require.main === module) main(process.argv.slice(2));
