/**
 * Distribution distances used to gate a promotion (preflight) and to watch a serving version
 * (drift): PSI on binned numeric features, the two-sample Kolmogorov–Smirnov test on raw
 * numeric values, and the Jensen–Shannon distance on categorical features.
 *
 * Why three: PSI is the metric ML teams already have thresholds for (< 0.1 stable, 0.1–0.25
 * moderate, > 0.25 major shift) but depends on the binning; KS is bin-free and comes with a
 * p-value but at millions of rows flags shifts too small to matter, so gate on its statistic
 * rather than its p-value; JS is the bounded, symmetric counterpart for categories, where
 * neither of the others applies.
 */

/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  /** D = sup |F_a(x) − F_b(x)|, in [0, 1]. */
  statistic: number;
  /** Asymptotic two-sided p-value Q_KS(λ) (Numerical Recipes `kstwo`), in [0, 1]. */
  pValue: number;
}

/**
 * Population Stability Index between two histograms over the SAME bins:
 *
 *   PSI = Σ_i (a_i − e_i) · ln(a_i / e_i),  e_i, a_i = bin proportions of expected / actual.
 *
 * Empty bins would make a term infinite, so each proportion is floored at `epsilon`
 * (max(p, ε)) before the sum. We clip instead of adding ε everywhere and renormalizing because
 * (1) non-empty bins are then untouched, so the result equals the textbook formula whenever no
 * bin is empty and can be checked by hand, and (2) every term keeps the form (a − e)·ln(a/e),
 * which is ≥ 0 for any positive a and e, so PSI ≥ 0 and PSI(x, x) = 0 still hold exactly. The
 * default ε = 1e-4 (0.01% of traffic) bounds one bin's contribution by about ln(1e4) ≈ 9.2 while
 * still making a bin that empties or appears out of nowhere count as a major shift: a 10% bin
 * vs an empty one contributes (0.1 − 1e-4)·ln(0.1/1e-4) ≈ 0.69. Bins empty on BOTH sides
 * contribute exactly 0.
 *
 * Throws a RangeError on mismatched lengths, negative or non-finite counts, or an all-zero
 * histogram (a proportion of nothing is meaningless; the caller decides what an empty side means).
 *
 * @example
 * psi([25, 25, 25, 25], [10, 20, 30, 40]); // ≈ 0.2282
 */
export function psi(expectedCounts: ArrayLike<number>, actualCounts: ArrayLike<number>, epsilon = 1e-4): number {
  const k = expectedCounts.length;
  if (k !== actualCounts.length) {
    throw new RangeError(`histograms differ in length: ${k} vs ${actualCounts.length}`);
  }
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1), got ${epsilon}`);
  const expectedTotal = total(expectedCounts, 'expected');
  const actualTotal = total(actualCounts, 'actual');
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const e = Math.max(expectedCounts[i] / expectedTotal, epsilon);
    const a = Math.max(actualCounts[i] / actualTotal, epsilon);
    if (a !== e) sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

function total(counts: ArrayLike<number>, label: string): number {
  let t = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0) || c === Infinity) throw new RangeError(`${label} count ${i} must be a finite non-negative number, got ${c}`);
    t += c;
  }
  if (!(t > 0)) throw new RangeError(`${label} histogram is empty`);
  return t;
}

/**
 * Two-sample Kolmogorov–Smirnov test on two ASCENDING arrays (e.g. from `sortedFinite`).
 * D is exact; the p-value is the asymptotic Kolmogorov approximation from Numerical Recipes
 * (`kstwo`/`probks`): λ = (√nₑ + 0.12 + 0.11/√nₑ)·D with nₑ = n·m/(n + m), p = Q_KS(λ). The
 * 0.12/0.11 correction makes it usable from about nₑ ≥ 4; scipy's `ks_2samp` uses an exact
 * distribution for small samples, so expect differences there and agreement at the sizes we
 * actually run (thousands to millions).
 *
 * Ties are handled by advancing BOTH samples past every copy of the current value before
 * comparing the empirical CDFs, so D is only measured between distinct values (a naive
 * one-element-at-a-time walk reports a spurious D on identical integer-valued samples).
 *
 * Throws a RangeError if either sample is empty or not ascending (or holds NaN): an unsorted
 * input would silently give a wrong D, and the check is O(n) next to the O(n) walk.
 *
 * @example
 * ksTwoSample(Float64Array.of(1, 2, 3, 4), Float64Array.of(3, 4, 5, 6));
 * // { statistic: 0.5, pValue: ≈ 0.534 }
 */
export function ksTwoSample(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): KsResult {
  assertSortedSample(sortedA, 'first');
  assertSortedSample(sortedB, 'second');
  const statistic = ksStatistic(sortedA, sortedB);
  return { statistic, pValue: ksPValue(statistic, sortedA.length, sortedB.length) };
}

function assertSortedSample(s: ArrayLike<number>, label: string): void {
  if (s.length === 0) throw new RangeError(`KS: ${label} sample is empty`);
  if (Number.isNaN(s[0])) throw new RangeError(`KS: ${label} sample contains NaN`);
  for (let i = 1; i < s.length; i++) {
    if (!(s[i] >= s[i - 1])) throw new RangeError(`KS: ${label} sample is not sorted ascending (or contains NaN) at index ${i}`);
  }
}

/**
 * The KS statistic D = sup_x |F_a(x) − F_b(x)| of two ascending, non-empty arrays, without
 * validation or p-value. Used directly when the arrays are sketches (evenly spaced order
 * statistics) standing in for much larger samples, whose p-value must use the real sizes.
 *
 * The maximum is tracked on the integers |i·m − j·n| and divided once, so D is exact for
 * n·m < 2^53 (e.g. 3/5 is the same double as 0.6, not 0.6000000000000001).
 *
 * @example
 * ksStatistic(Float64Array.of(1, 2, 2, 3), Float64Array.of(2, 2, 3, 3)); // 0.25
 */
export function ksStatistic(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const n = sortedA.length;
  const m = sortedB.length;
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < n && j < m) {
    const a = sortedA[i];
    const b = sortedB[j];
    const x = a <= b ? a : b;
    while (i < n && sortedA[i] <= x) i++;
    while (j < m && sortedB[j] <= x) j++;
    const diff = Math.abs(i * m - j * n);
    if (diff > best) best = diff;
  }
  // Once one side is exhausted its CDF is 1 and the other only climbs towards 1, so the
  // remaining gaps are all smaller than the last one measured.
  return best / (n * m);
}

/**
 * Asymptotic two-sided p-value for a two-sample KS statistic `d` with sample sizes n and m
 * (Numerical Recipes' effective-size correction, see {@link ksTwoSample}).
 *
 * @example
 * ksPValue(0.05, 1000, 1000); // ≈ 0.16
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (!(d >= 0 && d <= 1)) throw new RangeError(`KS statistic must be in [0, 1], got ${d}`);
  if (!(n > 0 && m > 0)) throw new RangeError(`KS sample sizes must be positive, got ${n} and ${m}`);
  const sqrtNe = Math.sqrt((n * m) / (n + m));
  return kolmogorovQ((sqrtNe + 0.12 + 0.11 / sqrtNe) * d);
}

/**
 * Complementary Kolmogorov distribution Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}
 * (`probks` in Numerical Recipes), the asymptotic P(√nₑ·D > λ).
 *
 * Numerical Recipes 2nd ed. sums that alternating series and gives up (returning 1) when it
 * fails to converge at small λ. We use the theta-function identity instead for λ < 1.18,
 * P(λ) = (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)}, Q = 1 − P, which converges in a few terms
 * exactly where the other one does not (this is what Numerical Recipes 3rd ed. does).
 *
 * @example
 * kolmogorovQ(1.3581); // ≈ 0.05, the classic 5% critical value
 */
export function kolmogorovQ(lambda: number): number {
  if (Number.isNaN(lambda)) throw new RangeError('kolmogorovQ of NaN');
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const k = (-Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j <= 50; j++) {
      const odd = 2 * j - 1;
      const term = Math.exp(k * odd * odd);
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * sum);
  }
  const a2 = -2 * lambda * lambda;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 50; j++) {
    const term = Math.exp(a2 * j * j);
    sum += sign * term;
    if (term <= 1e-17 * sum) break;
    sign = -sign;
  }
  return clamp01(2 * sum);
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Jensen–Shannon DISTANCE between two categorical distributions given as counts (or
 * probabilities) keyed by category. Keys are the union of both sides (a key missing on one
 * side counts 0); each side is normalized to sum to 1. Uses base-2 logarithms so the
 * divergence, and therefore the distance (its square root), lies in [0, 1]: 0 for identical
 * distributions, 1 for disjoint supports. Same value as
 * `scipy.spatial.distance.jensenshannon(p, q, base=2)`.
 *
 * We report the distance rather than the divergence because it is a metric (triangle
 * inequality) and degrades more linearly, which makes fixed alert thresholds saner.
 *
 * Keys are read with Object.hasOwn, so categories named "constructor" or "__proto__" work.
 *
 * @example
 * jensenShannonDistance({ a: 1, b: 1 }, { a: 1 }); // ≈ 0.5579
 */
export function jensenShannonDistance(p: Record<string, number>, q: Record<string, number>): number {
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  const pa = new Float64Array(keys.size);
  const qa = new Float64Array(keys.size);
  let i = 0;
  for (const key of keys) {
    pa[i] = Object.hasOwn(p, key) ? p[key] : 0;
    qa[i] = Object.hasOwn(q, key) ? q[key] : 0;
    i++;
  }
  return jensenShannonDistanceAligned(pa, qa);
}

/**
 * {@link jensenShannonDistance} for two count vectors already aligned on the same categories
 * (index i is the same category on both sides). Throws on negative or non-finite entries and
 * on an all-zero side.
 *
 * @example
 * jensenShannonDistanceAligned([1, 0], [0, 1]); // 1
 */
export function jensenShannonDistanceAligned(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`distributions differ in length: ${p.length} vs ${q.length}`);
  const pt = total(p, 'first');
  const qt = total(q, 'second');
  let klP = 0;
  let klQ = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / pt;
    const qi = q[i] / qt;
    const mi = (pi + qi) / 2;
    if (pi > 0) klP += pi * Math.log2(pi / mi);
    if (qi > 0) klQ += qi * Math.log2(qi / mi);
  }
  // Rounding can leave the divergence a few ulps outside [0, 1]; sqrt of −1e-17 would be NaN.
  const divergence = clamp01((klP + klQ) / 2);
  return Math.sqrt(divergence);
}
