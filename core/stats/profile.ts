/**
 * Feature profiles: the small, JSON-safe record stored per feature per version, and the
 * comparison of two of them (or of two raw columns) into drift metrics.
 *
 * A profile has to answer "how far is the candidate from the baseline?" long after the raw
 * values are gone, with a few kilobytes per feature. So besides the summary it keeps:
 *  - a histogram on the feature's OWN quantile edges (so that, when it later serves as a
 *    baseline, PSI is computed on those edges), and
 *  - a sketch: at most `sketchSize` (1,000) evenly spaced order statistics of the sorted
 *    values. The sketch stands in for the column when the other profile's edges are needed
 *    (PSI on baseline edges), for KS between stored versions, and for range checks. Its
 *    empirical CDF is within 1/(2·sketchSize) of the column's everywhere, so profile-based PSI
 *    and KS are approximate to that resolution; columns of ≤ sketchSize values are stored
 *    whole and everything computed from them is exact.
 *
 * Profiles contain only plain arrays, numbers, strings and nulls (no typed arrays, NaN or
 * Infinity), so JSON.stringify → JSON.parse round-trips them unchanged.
 */
import { jensenShannonDistanceAligned, ksPValue, ksStatistic, ksTwoSample, psi } from './distance';
import type { KsResult } from './distance';
import { binEdgesFromBaseline, categoryFrequencies, histogram } from './histogram';
import type { CategoricalInput, CategoryFrequencies } from './histogram';
import { countAtMost, countBelow, sortedFinite, summarizeSorted } from './numeric';
import type { NumericInput, NumericSummary } from './numeric';

/** Same union as the feature types of the model; restated so core/stats stays self-contained. */
export type StatsFeatureType = 'int' | 'float' | 'string' | 'bool';
export type NumericFeatureType = 'int' | 'float';
export type CategoricalFeatureType = 'string' | 'bool';

/** Bumped if the stored shape changes, so old stored profiles can be recognized. */
export const PROFILE_VERSION = 1;

export interface NumericProfile {
  profileVersion: typeof PROFILE_VERSION;
  kind: 'numeric';
  type: NumericFeatureType;
  summary: NumericSummary;
  /** Histogram on this column's own quantile edges (see histogram.ts for the convention). */
  histogram: { edges: number[]; counts: number[] };
  /**
   * Evenly spaced order statistics: element j is the value of rank ≈ (j + ½)·n/k − ½ (0-based)
   * of the n sorted non-null values, k = min(n, sketchSize). When k = n this is the whole column.
   */
  sketch: number[];
}

export interface CategoricalProfile {
  profileVersion: typeof PROFILE_VERSION;
  kind: 'categorical';
  type: CategoricalFeatureType;
  /** Number of non-null values. */
  count: number;
  nulls: number;
  nullRate: number;
  frequencies: CategoryFrequencies;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export interface ProfileOptions {
  /** Number of quantile bins for the histogram (default 10). */
  bins?: number;
  /** Maximum number of order statistics kept in the sketch (default 1,000). */
  sketchSize?: number;
  /** Categories kept before folding the rest into "other" (default 20). */
  maxCategories?: number;
}

export interface CompareOptions {
  /** Number of bins for PSI when comparing raw samples (default 10; profiles use the baseline's). */
  bins?: number;
  /** PSI smoothing floor (default 1e-4, see `psi`). */
  epsilon?: number;
}

export interface ProfileComparison {
  /** PSI of the candidate against the baseline's bin edges; absent if either side has no values. */
  psi?: number;
  /**
   * Two-sample KS; absent if either side has no values. `exact` is false when D was computed
   * from sketches (±1/sketchSize); the p-value always uses the real sample sizes.
   */
  ks?: KsResult & { exact: boolean };
  /** Jensen–Shannon distance (base 2) over non-null categories; absent if either side has none. */
  js?: number;
  /** candidate.nullRate − baseline.nullRate (positive: the candidate has more nulls). */
  nullRateDelta: number;
  /**
   * Fractions of the candidate's NON-NULL values strictly below the baseline min / strictly
   * above the baseline max. Always 0 for categorical features and when either side is empty.
   */
  rangeViolation: { below: number; above: number };
}

const DEFAULT_BINS = 10;
const DEFAULT_SKETCH_SIZE = 1000;
const DEFAULT_MAX_CATEGORIES = 20;

/**
 * Builds the stored profile of one feature column. Numeric columns are sorted once and the
 * summary, histogram and sketch all come from that sort.
 *
 * @example
 * const p = profileFeature('float', Float64Array.of(0.1, NaN, 0.4, 0.2));
 * p.summary.nullRate; // 0.25
 * profileFeature('bool', [true, false, true, null]).frequencies;
 * // { categories: { true: 2, false: 1 }, other: 0, nulls: 1, distinct: 2 }
 */
export function profileFeature(type: NumericFeatureType, values: NumericInput, options?: ProfileOptions): NumericProfile;
export function profileFeature(
  type: CategoricalFeatureType,
  values: CategoricalInput,
  options?: ProfileOptions,
): CategoricalProfile;
export function profileFeature(
  type: StatsFeatureType,
  values: NumericInput | CategoricalInput,
  options?: ProfileOptions,
): FeatureProfile;
export function profileFeature(
  type: StatsFeatureType,
  values: NumericInput | CategoricalInput,
  options: ProfileOptions = {},
): FeatureProfile {
  if (isNumericType(type)) {
    const sorted = sortedFinite(values as NumericInput);
    return numericProfileFromSorted(type, sorted, values.length - sorted.length, options);
  }
  const frequencies = categoryFrequencies(values as CategoricalInput, options.maxCategories ?? DEFAULT_MAX_CATEGORIES);
  const count = values.length - frequencies.nulls;
  return {
    profileVersion: PROFILE_VERSION,
    kind: 'categorical',
    type,
    count,
    nulls: frequencies.nulls,
    nullRate: values.length === 0 ? 0 : frequencies.nulls / values.length,
    frequencies,
  };
}

/**
 * {@link profileFeature} for a column that is already sorted and stripped of nulls (see
 * `sortedFinite`), for callers that also run other statistics on the same sort.
 *
 * @example
 * const s = sortedFinite(column);
 * const profile = numericProfileFromSorted('float', s, column.length - s.length);
 */
export function numericProfileFromSorted(
  type: NumericFeatureType,
  sorted: Float64Array,
  nulls: number,
  options: ProfileOptions = {},
): NumericProfile {
  const edges = binEdgesFromBaseline(sorted, options.bins ?? DEFAULT_BINS);
  return {
    profileVersion: PROFILE_VERSION,
    kind: 'numeric',
    type,
    summary: summarizeSorted(sorted, nulls),
    histogram: { edges, counts: histogram(sorted, edges) },
    sketch: sketchSorted(sorted, options.sketchSize ?? DEFAULT_SKETCH_SIZE),
  };
}

/**
 * Evenly spaced order statistics of a sorted array: k = min(n, size) actual values (never
 * interpolated, so an int feature's sketch holds ints and ties survive), taken at the
 * mid-points of k equal rank intervals. Mid-points rather than min…max inclusive spacing
 * because each kept value then represents exactly 1/k of the column on either side, which
 * bounds the sketch's CDF error by 1/(2k) instead of 1/k.
 *
 * @example
 * sketchSorted(Float64Array.from({ length: 10 }, (_, i) => i), 5); // [1, 3, 5, 7, 9] (ranks 0.5, 2.5, … rounded half up)
 */
export function sketchSorted(sorted: ArrayLike<number>, size = DEFAULT_SKETCH_SIZE): number[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`sketch size must be a positive integer, got ${size}`);
  const n = sorted.length;
  const k = Math.min(n, size);
  const out = new Array<number>(k);
  for (let j = 0; j < k; j++) {
    const rank = Math.round(((j + 0.5) * n) / k - 0.5);
    out[j] = sorted[Math.min(n - 1, Math.max(0, rank))];
  }
  return out;
}

/**
 * Drift metrics between two stored profiles of the same feature: PSI on the BASELINE's bin
 * edges, KS, null-rate change and range violations for numeric features; Jensen–Shannon
 * distance and null-rate change for categorical ones.
 *
 * What is exact and what is estimated from the candidate's sketch:
 *  - PSI: the baseline side uses its stored counts (exact). The candidate side uses its stored
 *    counts when it was binned on the very same edges, otherwise its sketch is counted on the
 *    baseline edges (each bin share within ±1/sketchSize).
 *  - KS: D between the two sketches (exact when both columns fit in their sketches), p-value
 *    from the real counts. At millions of rows a D of 0.002 is already "significant", which is
 *    about the sketch resolution, so read profile-based p-values as indicative only.
 *  - rangeViolation: estimated from the sketch, but known to be 0 when the candidate's min/max
 *    lie inside the baseline's, and never reported as 0 when they lie outside (the estimate is
 *    raised to at least one value, 1/count).
 *  - JS: categories are compared only where both profiles know the count (a category in one
 *    top-k list may be hidden in the other's "other" bucket); everything else is pooled into
 *    one "other" category on both sides. That is a coarsening of the true distributions, so
 *    the result never overstates the true distance.
 *
 * @example
 * const drift = compareProfiles(storedBaseline, profileFeature('float', candidateColumn), 'float');
 * if ((drift.psi ?? 0) > 0.25) warn('major shift');
 */
export function compareProfiles(
  baseline: FeatureProfile,
  candidate: FeatureProfile,
  type: StatsFeatureType,
  options: Pick<CompareOptions, 'epsilon'> = {},
): ProfileComparison {
  if (isNumericType(type)) {
    if (baseline.kind !== 'numeric' || candidate.kind !== 'numeric') {
      throw new TypeError(`cannot compare ${baseline.kind} and ${candidate.kind} profiles as ${type}`);
    }
    return compareNumericProfiles(baseline, candidate, options.epsilon);
  }
  if (baseline.kind !== 'categorical' || candidate.kind !== 'categorical') {
    throw new TypeError(`cannot compare ${baseline.kind} and ${candidate.kind} profiles as ${type}`);
  }
  const result: ProfileComparison = {
    nullRateDelta: candidate.nullRate - baseline.nullRate,
    rangeViolation: { below: 0, above: 0 },
  };
  if (baseline.count > 0 && candidate.count > 0) {
    const [p, q] = alignFrequencies(baseline.frequencies, candidate.frequencies);
    result.js = jensenShannonDistanceAligned(p, q);
  }
  return result;
}

function compareNumericProfiles(baseline: NumericProfile, candidate: NumericProfile, epsilon?: number): ProfileComparison {
  const b = baseline.summary;
  const c = candidate.summary;
  const result: ProfileComparison = {
    nullRateDelta: c.nullRate - b.nullRate,
    rangeViolation: { below: 0, above: 0 },
  };
  if (b.count === 0 || c.count === 0 || b.min === null || b.max === null || c.min === null || c.max === null) {
    return result;
  }
  const edges = baseline.histogram.edges;
  const sameEdges =
    candidate.histogram.edges.length === edges.length && candidate.histogram.edges.every((e, i) => e === edges[i]);
  const candidateCounts = sameEdges ? candidate.histogram.counts : histogram(candidate.sketch, edges);
  result.psi = psi(baseline.histogram.counts, candidateCounts, epsilon);

  const exact = baseline.sketch.length === b.count && candidate.sketch.length === c.count;
  const statistic = ksStatistic(baseline.sketch, candidate.sketch);
  result.ks = { statistic, pValue: ksPValue(statistic, b.count, c.count), exact };

  const k = candidate.sketch.length;
  let below = 0;
  if (c.min < b.min) below = Math.max(countBelow(candidate.sketch, b.min) / k, 1 / c.count);
  let above = 0;
  if (c.max > b.max) above = Math.max((k - countAtMost(candidate.sketch, b.max)) / k, 1 / c.count);
  result.rangeViolation = { below, above };
  return result;
}

/**
 * Puts two top-k frequency tables on one partition of the categories. A category is kept when
 * its count is known on both sides: listed in a table, or provably 0 there because that
 * table's "other" bucket is empty (it listed every category it saw). All other mass goes into
 * a single pooled "other" entry, computed per side as (non-null total − kept categories).
 */
export function alignFrequencies(a: CategoryFrequencies, b: CategoryFrequencies): [number[], number[]] {
  const known = (f: CategoryFrequencies, key: string) => Object.hasOwn(f.categories, key) || f.other === 0;
  const countOf = (f: CategoryFrequencies, key: string) => (Object.hasOwn(f.categories, key) ? f.categories[key] : 0);
  const totalOf = (f: CategoryFrequencies) => Object.values(f.categories).reduce((s, v) => s + v, f.other);
  const keys = new Set([...Object.keys(a.categories), ...Object.keys(b.categories)]);
  const p: number[] = [];
  const q: number[] = [];
  let keptA = 0;
  let keptB = 0;
  for (const key of keys) {
    if (!known(a, key) || !known(b, key)) continue;
    const ca = countOf(a, key);
    const cb = countOf(b, key);
    p.push(ca);
    q.push(cb);
    keptA += ca;
    keptB += cb;
  }
  p.push(totalOf(a) - keptA);
  q.push(totalOf(b) - keptB);
  return [p, q];
}

/**
 * Same metrics as {@link compareProfiles}, computed from the raw columns: exact KS, PSI on
 * quantile edges of the baseline column, exact range violations, and JS over the full
 * category distributions (no top-k folding). Each numeric column is sorted once.
 *
 * @example
 * compareSamples(trainingColumn, candidateColumn, 'float');
 * // { psi: 0.013, ks: { statistic: 0.021, pValue: 0.4, exact: true }, nullRateDelta: 0,
 * //   rangeViolation: { below: 0, above: 0.001 } }
 */
export function compareSamples(
  baselineValues: NumericInput,
  candidateValues: NumericInput,
  type: NumericFeatureType,
  options?: CompareOptions,
): ProfileComparison;
export function compareSamples(
  baselineValues: CategoricalInput,
  candidateValues: CategoricalInput,
  type: CategoricalFeatureType,
  options?: CompareOptions,
): ProfileComparison;
export function compareSamples(
  baselineValues: NumericInput | CategoricalInput,
  candidateValues: NumericInput | CategoricalInput,
  type: StatsFeatureType,
  options?: CompareOptions,
): ProfileComparison;
export function compareSamples(
  baselineValues: NumericInput | CategoricalInput,
  candidateValues: NumericInput | CategoricalInput,
  type: StatsFeatureType,
  options: CompareOptions = {},
): ProfileComparison {
  if (isNumericType(type)) {
    const b = sortedFinite(baselineValues as NumericInput);
    const c = sortedFinite(candidateValues as NumericInput);
    return compareSortedSamples(b, baselineValues.length - b.length, c, candidateValues.length - c.length, options);
  }
  const bf = categoryFrequencies(baselineValues as CategoricalInput, Infinity);
  const cf = categoryFrequencies(candidateValues as CategoricalInput, Infinity);
  const result: ProfileComparison = {
    nullRateDelta: rate(cf.nulls, candidateValues.length) - rate(bf.nulls, baselineValues.length),
    rangeViolation: { below: 0, above: 0 },
  };
  if (bf.nulls < baselineValues.length && cf.nulls < candidateValues.length) {
    const [p, q] = alignFrequencies(bf, cf);
    result.js = jensenShannonDistanceAligned(p, q);
  }
  return result;
}

/**
 * {@link compareSamples} for numeric columns that are already sorted and stripped of nulls,
 * with their null counts (so the caller's sorts are reused).
 *
 * @example
 * const b = sortedFinite(baseline), c = sortedFinite(candidate);
 * compareSortedSamples(b, baseline.length - b.length, c, candidate.length - c.length);
 */
export function compareSortedSamples(
  baseline: Float64Array,
  baselineNulls: number,
  candidate: Float64Array,
  candidateNulls: number,
  options: CompareOptions = {},
): ProfileComparison {
  const n = baseline.length;
  const m = candidate.length;
  const result: ProfileComparison = {
    nullRateDelta: rate(candidateNulls, m + candidateNulls) - rate(baselineNulls, n + baselineNulls),
    rangeViolation: { below: 0, above: 0 },
  };
  if (n === 0 || m === 0) return result;
  const edges = binEdgesFromBaseline(baseline, options.bins ?? DEFAULT_BINS);
  result.psi = psi(histogram(baseline, edges), histogram(candidate, edges), options.epsilon);
  result.ks = { ...ksTwoSample(baseline, candidate), exact: true };
  result.rangeViolation = {
    below: countBelow(candidate, baseline[0]) / m,
    above: (m - countAtMost(candidate, baseline[n - 1])) / m,
  };
  return result;
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function isNumericType(type: StatsFeatureType): type is NumericFeatureType {
  if (type === 'int' || type === 'float') return true;
  if (type === 'string' || type === 'bool') return false;
  throw new TypeError(`unknown feature type: ${String(type)}`);
}
