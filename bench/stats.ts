/**
 * Benchmark of the drift statistics on one numeric feature: 1,000,000 candidate values against
 * a 1,000,000-value baseline, which is the size preflight validation compares on every
 * promotion. The budget is "well under a second" for the whole comparison (both sorts,
 * summaries, PSI on baseline edges and an exact KS), so a preflight on a few dozen features
 * stays within a Lambda invocation.
 *
 * Data is generated once per call from a seeded PRNG (mulberry32 + Box–Muller), outside the
 * timed region, so runs are comparable across machines and commits. Each row is the median of
 * `runs` timed repetitions after one untimed warm-up (JIT, page faults).
 *
 * Standalone: `npx tsx bench/stats.ts` prints a table.
 */
import { performance } from 'node:perf_hooks';
import { ksTwoSample, psi } from '../core/stats/distance';
import { binEdgesFromBaseline, histogram } from '../core/stats/histogram';
import { sortedFinite, summarizeNumeric, summarizeSorted } from '../core/stats/numeric';
import { compareProfiles, profileFeature } from '../core/stats/profile';

export interface BenchRow {
  name: string;
  /** Number of input values processed per run. */
  values: number;
  medianMs: number;
  runs: number;
}

export interface BenchStatsOptions {
  /** Values per column (default 1,000,000). */
  n?: number;
  /** Timed repetitions per row, at least 5 (default 7). */
  runs?: number;
}

/** mulberry32: tiny, fast, seedable 32-bit PRNG; plenty for benchmark data and simulations (the same seed, the same figures). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N(mean, sd²) values via Box–Muller, with a fraction of NaN nulls like a real column. */
function normalColumn(n: number, seed: number, mean: number, sd: number, nullRate: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - rand(); // (0, 1]: log(0) would be -Infinity
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    out[i] = rand() < nullRate ? NaN : mean + sd * z;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// Results are folded into this so the optimizer cannot drop the timed work.
let sink = 0;

function time(name: string, values: number, runs: number, fn: () => number): BenchRow {
  sink += fn(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    sink += fn();
    samples.push(performance.now() - t0);
  }
  return { name, values, medianMs: Math.round(median(samples) * 100) / 100, runs };
}

/**
 * Times the numeric drift pipeline (and its parts) on a 1M-value candidate vs a 1M-value
 * baseline. Rows whose `values` is 2n process both columns.
 *
 * @example
 * for (const row of await benchStats()) console.log(row.name, row.medianMs);
 */
export async function benchStats(options: BenchStatsOptions = {}): Promise<BenchRow[]> {
  const n = options.n ?? 1_000_000;
  const runs = Math.max(5, options.runs ?? 7);
  const baseline = normalColumn(n, 0xb45e, 0, 1, 0.01);
  const candidate = normalColumn(n, 0xca4d, 0.05, 1.1, 0.01);
  const sortedBaseline = sortedFinite(baseline);
  const sortedCandidate = sortedFinite(candidate);
  const baselineProfile = profileFeature('float', baseline);
  const candidateProfile = profileFeature('float', candidate);

  const rows: BenchRow[] = [
    time('pipeline: sort×2 + summary×2 + PSI + KS', 2 * n, runs, () => {
      const b = sortedFinite(baseline);
      const c = sortedFinite(candidate);
      const sb = summarizeSorted(b, n - b.length);
      const sc = summarizeSorted(c, n - c.length);
      const edges = binEdgesFromBaseline(b, 10);
      const p = psi(histogram(b, edges), histogram(c, edges));
      const ks = ksTwoSample(b, c);
      return p + ks.statistic + (sb.mean ?? 0) + (sc.mean ?? 0);
    }),
    time('summarizeNumeric (incl. sort)', n, runs, () => summarizeNumeric(candidate).quantiles?.p50 ?? 0),
    time('binEdges + histogram×2 + psi (sorted)', 2 * n, runs, () => {
      const edges = binEdgesFromBaseline(sortedBaseline, 10);
      return psi(histogram(sortedBaseline, edges), histogram(sortedCandidate, edges));
    }),
    time('ksTwoSample (sorted, exact)', 2 * n, runs, () => ksTwoSample(sortedBaseline, sortedCandidate).statistic),
    time('profileFeature (float)', n, runs, () => profileFeature('float', candidate).sketch.length),
    time('compareProfiles (stored profiles)', 2 * n, runs, () => {
      const r = compareProfiles(baselineProfile, candidateProfile, 'float');
      return (r.psi ?? 0) + (r.ks?.statistic ?? 0);
    }),
  ];
  if (Number.isNaN(sink)) throw new Error('benchmark produced NaN');
  return rows;
}

function isMain(): boolean {
  const entry = process.argv[1] ?? '';
  return /(^|[\\/])bench[\\/]stats(\.ts)?$/.test(entry);
}

if (isMain()) {
  benchStats().then(
    (rows) => {
      const w = Math.max(...rows.map((r) => r.name.length));
      console.log(`${'benchmark'.padEnd(w)}  ${'values'.padStart(9)}  ${'median ms'.padStart(9)}  runs`);
      for (const r of rows) {
        console.log(
          `${r.name.padEnd(w)}  ${r.values.toLocaleString('en-US').padStart(9)}  ${r.medianMs.toFixed(2).padStart(9)}  ${r.runs}`,
        );
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
