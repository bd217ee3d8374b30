/**
 * Streaming profiles (core/stats/streaming-profile.ts): exactly profileFeature's below the
 * compactor size, and within the documented rank error log2(n/k)/k above it.
 */
import { countAtMost, countBelow, sortedFinite } from '../../../core/stats/numeric';
import { profileFeature, type NumericProfile } from '../../../core/stats/profile';
import { StreamingCategoricalProfile, StreamingNumericProfile } from '../../../core/stats/streaming-profile';

/** A deterministic skewed column (log-normal-ish) with some nulls. */
function column(n: number, seed = 7): (number | null)[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => (next() < 0.05 ? null : Math.round(Math.exp(3 * next()) * 1000) / 100));
}

function streamed(values: (number | null)[], compactorSize?: number): NumericProfile {
  const s = new StreamingNumericProfile('float', compactorSize ? { compactorSize } : {});
  for (const v of values) s.add(v);
  return s.profile();
}

/** The rank fractions a value occupies in the sorted column: [below, at most]. */
function rankSpan(sorted: Float64Array, v: number): [number, number] {
  return [countBelow(sorted, v) / sorted.length, countAtMost(sorted, v) / sorted.length];
}

describe('StreamingNumericProfile', () => {
  it('is profileFeature exactly while the column is smaller than the compactor (a small file gets the synchronous profile)', () => {
    const values = column(5_000);
    values.push(-0, Infinity, NaN);
    expect(streamed(values)).toEqual(profileFeature('float', values.map((v) => v ?? NaN)));
  });

  it('is exact in count, nulls, min and max past the compactor, and the mean to rounding', () => {
    const values = column(60_000);
    const exact = profileFeature('float', values.map((v) => v ?? NaN));
    const s = streamed(values, 1024);
    expect(s.summary).toMatchObject({ count: exact.summary.count, nulls: exact.summary.nulls, nullRate: exact.summary.nullRate, min: exact.summary.min, max: exact.summary.max });
    expect(s.summary.mean!).toBeCloseTo(exact.summary.mean!, 9);
    expect(s.summary.stddev!).toBeCloseTo(exact.summary.stddev!, 6);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(exact.summary.count);
    expect(s.sketch).toHaveLength(1000);
  });

  it.each([
    [100_000, 256],
    [200_000, 1024],
  ])('keeps every quantile and sketch value within the documented rank error (n = %i, k = %i)', (n, k) => {
    const values = column(n, 11);
    const sorted = sortedFinite(values.map((v) => v ?? NaN));
    const bound = Math.ceil(Math.log2(sorted.length / k)) / k;
    const s = streamed(values, k);
    const checks: [number, number][] = [
      ...Object.entries({ p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 }).map(([key, p]) => [p, s.summary.quantiles![key as 'p50']] as [number, number]),
      ...s.sketch.map((v, j) => [(j + 0.5) / s.sketch.length, v] as [number, number]),
    ];
    let worst = 0;
    for (const [p, v] of checks) {
      const [lo, hi] = rankSpan(sorted, v);
      worst = Math.max(worst, p < lo ? lo - p : p > hi ? p - hi : 0);
    }
    expect(worst).toBeLessThanOrEqual(bound + 2 / sorted.length);
  });
});

describe('StreamingCategoricalProfile', () => {
  it('is profileFeature exactly below the category cap', () => {
    const values = Array.from({ length: 3_000 }, (_, i) => (i % 17 === 0 ? null : `c${(i * i) % 41}`));
    const s = new StreamingCategoricalProfile('string');
    for (const v of values) s.add(v);
    expect(s.profile()).toEqual(profileFeature('string', values));
    const b = new StreamingCategoricalProfile('bool');
    const bools = [true, false, null, true];
    for (const v of bools) b.add(v);
    expect(b.profile()).toEqual(profileFeature('bool', bools));
  });
});
