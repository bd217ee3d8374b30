/**
 * Histograms for drift metrics.
 *
 * Numeric: the bins are fixed by the BASELINE (the version currently serving), from its
 * quantiles, so every bin holds roughly the same share of baseline traffic and PSI weighs
 * every part of the distribution equally. Equal-width bins would put almost everything in one
 * or two bins for skewed features (prices, counts, latencies) and make PSI blind to changes in
 * the bulk. Candidates are then counted on the baseline's edges, never on their own, so both
 * histograms describe the same partition of the real line.
 *
 * Edge convention: `edges` are the interior cut points only, strictly increasing. With k edges
 * there are k + 1 bins:
 *
 *   bin 0 = (−∞, e0), bin i = [e(i−1), e(i)), bin k = [e(k−1), +∞)
 *
 * The outer bins are open-ended so a candidate value below the baseline min or above its max
 * still lands somewhere (and shows up as drift) instead of being dropped, and the edges stay
 * finite, hence JSON-safe.
 *
 * Categorical: top-k category counts plus an "other" bucket, so a high-cardinality string
 * feature (user ids leaking into a feature, say) produces a bounded profile.
 */
import { countBelow, quantileSorted } from './numeric';

/**
 * Quantile-based bin edges from a sorted baseline: the type-7 quantiles at 1/bins … (bins−1)/bins,
 * with duplicates removed. Duplicates appear when the baseline has heavy ties (a feature that
 * is 0 for 60% of rows gives the same 10%…60% quantile); collapsing them keeps edges strictly
 * increasing, so the heavy value gets one bin of its own instead of several empty ones.
 * An empty baseline gives no edges (a single bin).
 *
 * @example
 * binEdgesFromBaseline(Float64Array.from({ length: 101 }, (_, i) => i), 4); // [25, 50, 75]
 * binEdgesFromBaseline(Float64Array.of(0, 0, 0, 0, 0, 1, 2), 4);            // [0, 0.5]
 */
export function binEdgesFromBaseline(sortedBaseline: ArrayLike<number>, bins = 10): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const edges: number[] = [];
  if (sortedBaseline.length === 0) return edges;
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sortedBaseline, i / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/**
 * Counts of a sorted array in the bins defined by `edges` (see the module comment for the
 * convention; the result has edges.length + 1 entries). One binary search per edge, so
 * O(bins · log n) on an already-sorted column instead of O(n) per histogram.
 *
 * @example
 * histogram(Float64Array.of(-5, 1, 2, 2, 9), [1, 2]); // [1, 1, 3]  ((−∞,1), [1,2), [2,∞))
 */
export function histogram(sorted: ArrayLike<number>, edges: ArrayLike<number>): number[] {
  assertEdges(edges);
  const counts = new Array<number>(edges.length + 1);
  let prev = 0;
  for (let i = 0; i < edges.length; i++) {
    const below = countBelow(sorted, edges[i]);
    counts[i] = below - prev;
    prev = below;
  }
  counts[edges.length] = sorted.length - prev;
  return counts;
}

function assertEdges(edges: ArrayLike<number>): void {
  for (let i = 0; i < edges.length; i++) {
    if (!Number.isFinite(edges[i])) throw new RangeError(`bin edge ${i} is not finite: ${edges[i]}`);
    if (i > 0 && !(edges[i] > edges[i - 1])) throw new RangeError('bin edges must be strictly increasing');
  }
}

/** Categorical input: `null`/`undefined` are nulls; booleans are counted as "true"/"false". */
export type CategoricalInput = ArrayLike<string | boolean | null | undefined>;

export interface CategoryFrequencies {
  /** The most frequent categories (at most maxCategories) and their counts. */
  categories: Record<string, number>;
  /** Total count of the non-null values whose category is not in `categories`. */
  other: number;
  /** Number of null values. */
  nulls: number;
  /** Number of distinct non-null categories seen (including those folded into `other`). */
  distinct: number;
}

/**
 * Top-k category counts with an "other" bucket and a null count (pass Infinity to keep every
 * category, e.g. for an exact comparison of two raw columns). Ties in count are broken by
 * category name so the same data always yields the same profile. Booleans become "true" and
 * "false", so a bool feature is just a two-category string feature to the drift code.
 *
 * The result is built with Object.fromEntries, so a category literally named "__proto__" or
 * "constructor" is an ordinary own key rather than a prototype accident; readers should still
 * use Object.hasOwn, never `key in obj`.
 *
 * @example
 * categoryFrequencies(['a', 'b', 'a', null, 'c'], 2);
 * // { categories: { a: 2, b: 1 }, other: 1, nulls: 1, distinct: 3 }
 */
export function categoryFrequencies(values: CategoricalInput, maxCategories = 20): CategoryFrequencies {
  if (!(Number.isInteger(maxCategories) || maxCategories === Infinity) || maxCategories < 0) {
    throw new RangeError(`maxCategories must be a non-negative integer or Infinity, got ${maxCategories}`);
  }
  const counts = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let key: string;
    if (typeof v === 'string') key = v;
    else if (typeof v === 'boolean') key = v ? 'true' : 'false';
    else if (v === null || v === undefined) {
      nulls++;
      continue;
    } else throw new TypeError(`string or boolean value expected at index ${i}, got ${typeof v}`);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const kept = ranked.slice(0, maxCategories);
  let other = 0;
  for (let i = kept.length; i < ranked.length; i++) other += ranked[i][1];
  return { categories: Object.fromEntries(kept), other, nulls, distinct: counts.size };
}
