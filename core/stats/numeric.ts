/**
 * Numeric summaries for preflight validation and drift monitoring.
 *
 * Everything here is derived from ONE sorted copy of the non-null values: min/max are the ends,
 * quantiles are index arithmetic, and the same sorted array can be handed to the histogram, PSI
 * and KS code without sorting again. Sorting a Float64Array with the native comparator-less
 * `sort` is the single O(n log n) step; the rest is O(n) or O(log n).
 *
 * Null convention: a numeric column arrives as `Float64Array | number[]` where NaN means null
 * (Parquet nulls decoded into a typed array), but `null`/`undefined` are accepted too. ±Infinity
 * is also treated as null: it cannot take part in a mean, a standard deviation or an
 * interpolated quantile, and no feature type in Rewind can legitimately hold it, so it is
 * counted with the nulls (and therefore shows up in `nullRate`) rather than silently poisoning
 * every other statistic.
 */

/** Numeric column input: NaN, `null`, `undefined` and ±Infinity all count as null. */
export type NumericInput = ArrayLike<number | null | undefined>;

/** The quantile levels reported by {@link summarizeNumeric}. */
export const SUMMARY_QUANTILES = {
  p01: 0.01,
  p05: 0.05,
  p25: 0.25,
  p50: 0.5,
  p75: 0.75,
  p95: 0.95,
  p99: 0.99,
} as const;

export type QuantileKey = keyof typeof SUMMARY_QUANTILES;
export type Quantiles = Record<QuantileKey, number>;

/**
 * Summary of a numeric column. JSON-safe: statistics that do not exist for the sample (the min
 * of an empty column, the sample standard deviation of one value) are `null`, never NaN.
 */
export interface NumericSummary {
  /** Number of non-null (finite) values. */
  count: number;
  /** Number of null values (NaN, null, undefined, ±Infinity). */
  nulls: number;
  /** nulls / (count + nulls); 0 for an empty column (nothing observed, nothing missing). */
  nullRate: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** SAMPLE standard deviation (n − 1 denominator); null when count < 2. */
  stddev: number | null;
  /** Type-7 (numpy default, linear) quantiles; null when count = 0. */
  quantiles: Quantiles | null;
}

/**
 * Returns the non-null values sorted ascending in a new Float64Array (the input is never
 * mutated). Compute it once per column and pass it to {@link summarizeSorted}, `histogram`,
 * `ksTwoSample` and friends, so a whole comparison costs one sort per side.
 *
 * −0 is stored as 0. Throws a TypeError on a non-numeric, non-null element: a string in a
 * numeric column is a wiring bug upstream, not a null.
 *
 * @example
 * sortedFinite([3, NaN, 1, null, 2]); // Float64Array [1, 2, 3]
 */
export function sortedFinite(values: NumericInput): Float64Array {
  const n = values.length;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isFinite(v)) finite++;
    else assertNullish(v, i);
  }
  const out = new Float64Array(finite);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // `+ 0` turns −0 into 0 (and changes nothing else): −0 and 0 are one value to every
    // statistic here, and JSON cannot represent −0, so a stored profile would not round-trip.
    if (Number.isFinite(v)) out[k++] = (v as number) + 0;
  }
  // TypedArray#sort without a comparator is a native numeric sort (no string conversion,
  // no JS callback per comparison), which is what keeps 1M values well under 100 ms.
  out.sort();
  return out;
}

function assertNullish(v: unknown, index: number): void {
  if (v === null || v === undefined || typeof v === 'number') return;
  throw new TypeError(`numeric value expected at index ${index}, got ${typeof v}`);
}

/**
 * Type-7 quantile (R's default, numpy's `method='linear'`) of an ascending array:
 * h = (n − 1)·p, q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). It is the convention most people
 * will check our numbers against (np.quantile, pandas), so we match it exactly.
 *
 * The interpolation is written the way numpy writes it (from the upper end when the fraction
 * is ≥ 0.5) so the result is monotone in p and never leaves [x[⌊h⌋], x[⌊h⌋+1]] to rounding.
 *
 * @example
 * quantileSorted(Float64Array.of(1, 2, 3, 4), 0.25); // 1.75  (h = 0.75)
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1];
  const t = h - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  if (t === 0 || a === b) return a;
  const diff = b - a;
  // b − a overflows only for values of opposite sign near ±1.8e308; blend directly then.
  if (!Number.isFinite(diff)) return a * (1 - t) + b * t;
  return t < 0.5 ? a + diff * t : b - diff * (1 - t);
}

/**
 * Summarizes an already-sorted array of non-null values (see {@link sortedFinite}) without
 * sorting again. `nulls` is the number of null values that were filtered out, which only the
 * caller knows.
 *
 * Mean and variance use the corrected two-pass algorithm (Σ(x−m)² minus the rounding error
 * term (Σ(x−m))²/n): a single-pass Σx² formula loses most of its digits on features with a
 * large offset (timestamps, ids), and a second pass over a sorted typed array is cheap.
 *
 * @example
 * const s = sortedFinite(column);
 * const summary = summarizeSorted(s, column.length - s.length);
 */
export function summarizeSorted(sorted: Float64Array, nulls: number): NumericSummary {
  const count = sorted.length;
  const total = count + nulls;
  const nullRate = total === 0 ? 0 : nulls / total;
  if (count === 0) {
    return { count, nulls, nullRate, min: null, max: null, mean: null, stddev: null, quantiles: null };
  }

  const min = sorted[0];
  const max = sorted[count - 1];
  const { mean, stddev } = meanAndStddev(sorted, min, max);

  const quantiles = {} as Quantiles;
  for (const key of Object.keys(SUMMARY_QUANTILES) as QuantileKey[]) {
    quantiles[key] = quantileSorted(sorted, SUMMARY_QUANTILES[key]);
  }
  return { count, nulls, nullRate, min, max, mean, stddev, quantiles };
}

/**
 * Mean and sample standard deviation of a non-empty sorted array, by the corrected two-pass
 * algorithm. Values near ±1.8e308 can overflow the sums although the answer is representable;
 * we then redo the passes on values scaled by max(|min|, |max|), and if the standard deviation
 * itself exceeds the double range it is reported as null (the summary must stay JSON-safe).
 */
function meanAndStddev(sorted: Float64Array, min: number, max: number): { mean: number; stddev: number | null } {
  const count = sorted.length;
  let moments = twoPass(sorted, 1);
  let scale = 1;
  if (!Number.isFinite(moments.mean) || !Number.isFinite(moments.variance)) {
    scale = Math.max(Math.abs(min), Math.abs(max));
    moments = twoPass(sorted, scale);
  }
  // Summation error can push the mean a hair outside [min, max] on constant columns.
  const mean = Math.min(max, Math.max(min, moments.mean * scale));
  if (count < 2) return { mean, stddev: null };
  const stddev = Math.sqrt(moments.variance) * scale;
  return { mean, stddev: Number.isFinite(stddev) ? stddev : null };
}

function twoPass(sorted: Float64Array, scale: number): { mean: number; variance: number } {
  const count = sorted.length;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i] / scale;
  const mean = sum / count;
  if (count < 2) return { mean, variance: 0 };
  let ss = 0;
  let comp = 0;
  for (let i = 0; i < count; i++) {
    const d = sorted[i] / scale - mean;
    ss += d * d;
    comp += d;
  }
  return { mean, variance: Math.max(0, (ss - (comp * comp) / count) / (count - 1)) };
}

/**
 * One-call summary of a numeric column: count, nulls, null rate, min, max, mean, SAMPLE
 * standard deviation (n − 1, like pandas' `std()` and numpy's `std(ddof=1)`; the column is a
 * sample of the traffic the feature will serve, not the population) and type-7 quantiles.
 * Sorts once; if you also need KS or a histogram, call {@link sortedFinite} yourself and use
 * {@link summarizeSorted} to share that sort.
 *
 * @example
 * summarizeNumeric([1, 2, NaN, 3, 4]);
 * // { count: 4, nulls: 1, nullRate: 0.2, min: 1, max: 4, mean: 2.5, stddev: 1.29…,
 * //   quantiles: { p01: 1.03, …, p50: 2.5, …, p99: 3.97 } }
 */
export function summarizeNumeric(values: NumericInput): NumericSummary {
  const sorted = sortedFinite(values);
  return summarizeSorted(sorted, values.length - sorted.length);
}

/**
 * Number of elements strictly less than `x` in an ascending array (the lower bound). Shared by
 * the histogram and range checks: on a sorted column every "how many values below t" question
 * is one binary search.
 *
 * @example
 * countBelow(Float64Array.of(1, 2, 2, 3), 2); // 1
 */
export function countBelow(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Number of elements less than or equal to `x` in an ascending array (the upper bound).
 *
 * @example
 * countAtMost(Float64Array.of(1, 2, 2, 3), 2); // 3
 */
export function countAtMost(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
