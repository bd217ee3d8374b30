/**
 * How big a drift statistic gets when NOTHING changed, given the sample sizes, and drift
 * figures with that noise taken out, so that an alarm threshold means the same thing on a
 * view served 300 times a minute and on one served 30 times.
 *
 * The noise model. The served sample (n non-null values, drawn from the traffic) and the
 * baseline (m values: the snapshot, or the version it was validated against) are two samples of
 * one distribution under no change. With k bins (numeric, the baseline's quantile bins) or k
 * categories (categorical, after top-k folding), the two-sample Pearson statistic
 * X² = nₑ·Σ(aᵢ − eᵢ)²/rᵢ, nₑ = n·m/(n + m), is ≈ χ²(k − 1), and each statistic is close to it
 * for small differences:
 *  - PSI = Σ(a − e)·ln(a/e) is the symmetrised KL divergence; its second-order expansion is
 *    Σ(a − e)²/e, so nₑ·PSI ≈ χ²(k − 1) and E[PSI] ≈ (k − 1)/nₑ (0.09 at 100 served rows, 10 bins).
 *  - the Jensen–Shannon divergence (natural log) expands to Σ(p − q)²/(8r) (r the mixture),
 *    the G-test's statistic divided by 8nₑ, so the base-2 DISTANCE we report satisfies
 *    8·ln 2·nₑ·JS² ≈ χ²(k − 1), and E[JS²] ≈ (k − 1)/(8·ln 2·nₑ) (JS ≈ 0.19 at 100 rows, 21 categories).
 *  - KS: √nₑ·D has the Kolmogorov distribution (with the same small-sample correction as
 *    `ksPValue`), whatever the feature's distribution; ties only make it smaller.
 *  - the null-rate increase is a difference of two proportions: ≈ N(0, p(1 − p)/nₑ).
 *
 * The ALLOWANCE of a statistic is its (1 − α) quantile under no change: a healthy version
 * exceeds it in a fraction α of datapoints. The noise-corrected figure is what is left above it
 * (for JS on the squared scale, where noise and a real shift add up):
 *
 *   psi* = max(0, psi − allowance),  js* = √max(0, js² − allowance²),  ks* = max(0, D − allowance)
 *
 * A real shift of PSI δ gives E[psi] ≈ δ + (k − 1)/nₑ (a non-central χ²), so psi* is δ minus a
 * margin that vanishes as nₑ grows: `alarmAbove.psi: 0.25` keeps meaning "a shift of PSI 0.25",
 * now measured above the noise, and `alarmAbove.psi: 0` means "any shift significant at α".
 *
 * α is FAMILY-WISE: a view's alarm watches the maximum over its features, so the α of each
 * (feature, statistic) test is α / (number of tests) (Bonferroni; conservative when the
 * features are correlated, which is the safe side): a view with 20 features is no more likely
 * to fire on noise than one with 1.
 *
 * Everything here is pure arithmetic on counts; `viewDrift` applies it to stored profiles.
 */
import { jensenShannonDistanceAligned, kolmogorovQ, psi as psiOf } from './distance';
import { histogram } from './histogram';
import { alignFrequencies, compareProfiles, type FeatureProfile, type StatsFeatureType } from './profile';

/**
 * Default family-wise false-positive rate of one datapoint of a view: a healthy view publishes a
 * datapoint above its noise allowance once in 1,000. With non-overlapping 60 s periods and the
 * default 2-of-3 alarm that is ≈ 3·α² per evaluation, 60 evaluations an hour: ≈ 0.2 false
 * alarms per 1,000 view-hours even with every threshold at 0; the thresholds on top make it
 * far rarer (see bench/false-rollbacks.ts for the measured rate).
 */
export const DEFAULT_FALSE_POSITIVE_RATE = 0.001;

/** Effective size nₑ = n·m/(n + m) of a two-sample comparison; m = Infinity gives n. */
export function effectiveSampleSize(n: number, m: number): number {
  if (!(n > 0 && m > 0)) throw new RangeError(`sample sizes must be positive, got ${n} and ${m}`);
  return m === Infinity ? n : n === Infinity ? m : (n * m) / (n + m);
}

/**
 * α of each of `tests` tests so that the chance any of them fires under no change is at most
 * `alpha` (Bonferroni).
 *
 * @example familyRate(0.001, 20) // 5e-5
 */
export function familyRate(alpha: number, tests: number): number {
  assertRate(alpha);
  if (!(Number.isInteger(tests) && tests >= 0)) throw new RangeError(`tests must be a non-negative integer, got ${tests}`);
  return alpha / Math.max(1, tests);
}

function assertRate(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`false-positive rate must be in (0, 1), got ${alpha}`);
}

// ---------------------------------------------------------------------------------------------
// χ² and Kolmogorov distributions

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~15 significant digits). */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): the series for x < a + 1, the
 * Lentz continued fraction otherwise (Numerical Recipes `gammq`), each where it converges fast.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gamma shape must be positive, got ${a}`);
  if (Number.isNaN(x)) throw new RangeError('regularizedGammaQ of NaN');
  if (x <= 0) return 1;
  const lnPrefix = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(lnPrefix)));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, Math.exp(lnPrefix) * h));
}

/**
 * P(χ²(df) > x).
 *
 * @example chiSquareSurvival(10, 3) // ≈ 0.01857 (scipy.stats.chi2.sf(10, 3))
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  return regularizedGammaQ(df / 2, x / 2);
}

/**
 * The x with P(χ²(df) > x) = alpha: bisection on the survival function in log space (monotone,
 * so it cannot diverge; 200 halvings reach double precision from any bracket).
 *
 * @example chiSquareUpperQuantile(0.05, 1) // ≈ 3.8415
 */
export function chiSquareUpperQuantile(alpha: number, df: number): number {
  assertRate(alpha);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  return memo(`chi2|${alpha}|${df}`, () => solveChiSquare(alpha, df));
}

// The monitor asks for the same few (α, k) pairs on every feature of every datapoint, and a
// quantile costs ~100 survival evaluations: remembering them keeps a datapoint's noise
// arithmetic negligible next to profiling. Bounded, since the keys come from data.
const quantiles = new Map<string, number>();
function memo(key: string, compute: () => number): number {
  let v = quantiles.get(key);
  if (v === undefined) {
    if (quantiles.size >= 4096) quantiles.clear();
    quantiles.set(key, (v = compute()));
  }
  return v;
}

function solveChiSquare(alpha: number, df: number): number {
  let lo = 0;
  let hi = Math.max(1, df);
  while (chiSquareSurvival(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (chiSquareSurvival(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The λ with Q_KS(λ) = alpha (the Kolmogorov distribution's upper quantile).
 *
 * @example kolmogorovUpperQuantile(0.05) // ≈ 1.3581
 */
export function kolmogorovUpperQuantile(alpha: number): number {
  assertRate(alpha);
  return memo(`ks|${alpha}`, () => solveKolmogorov(alpha));
}

function solveKolmogorov(alpha: number): number {
  let lo = 0;
  let hi = 1;
  while (kolmogorovQ(hi) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (kolmogorovQ(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------------------------------------
// What each statistic looks like under no change

export interface NullSizes {
  /** Non-null values in the served sample. */
  n: number;
  /** Non-null values in the baseline (Infinity: a known population). */
  m: number;
}

/** E[PSI] under no change on k bins: (k − 1)/nₑ. @example expectedNullPsi(10, { n: 100, m: Infinity }) // 0.09 */
export function expectedNullPsi(bins: number, sizes: NullSizes): number {
  return Math.max(0, bins - 1) / effectiveSampleSize(sizes.n, sizes.m);
}

/** E[JS²] (base-2 distance squared) under no change on k categories: (k − 1)/(8·ln 2·nₑ). */
export function expectedNullJsSquared(categories: number, sizes: NullSizes): number {
  return Math.max(0, categories - 1) / (8 * Math.LN2 * effectiveSampleSize(sizes.n, sizes.m));
}

/**
 * PSI that a healthy version exceeds with probability alpha: χ²₁₋α(k − 1)/nₑ. One bin (or
 * none) cannot differ: 0.
 *
 * @example psiAllowance(10, { n: 100, m: Infinity }, 0.001) // ≈ 0.279
 */
export function psiAllowance(bins: number, sizes: NullSizes, alpha: number): number {
  if (bins <= 1) return 0;
  return chiSquareUpperQuantile(alpha, bins - 1) / effectiveSampleSize(sizes.n, sizes.m);
}

/**
 * JS distance that a healthy version exceeds with probability alpha: √(χ²₁₋α(k − 1)/(8·ln 2·nₑ)).
 *
 * @example jsAllowance(21, { n: 100, m: Infinity }, 0.001) // ≈ 0.286
 */
export function jsAllowance(categories: number, sizes: NullSizes, alpha: number): number {
  if (categories <= 1) return 0;
  return Math.sqrt(chiSquareUpperQuantile(alpha, categories - 1) / (8 * Math.LN2 * effectiveSampleSize(sizes.n, sizes.m)));
}

/**
 * KS D that a healthy version exceeds with probability alpha, with the small-sample
 * correction `ksPValue` uses: λ₁₋α/(√nₑ + 0.12 + 0.11/√nₑ).
 *
 * @example ksAllowance({ n: 1000, m: 1000 }, 0.05) // ≈ 0.0606
 */
export function ksAllowance(sizes: NullSizes, alpha: number): number {
  const s = Math.sqrt(effectiveSampleSize(sizes.n, sizes.m));
  return kolmogorovUpperQuantile(alpha) / (s + 0.12 + 0.11 / s);
}

/**
 * Null-rate increase a healthy version exceeds with probability alpha (one-sided, normal
 * approximation of a difference of proportions): z₁₋α·√(p(1 − p)/nₑ), p = the baseline null
 * rate raised to half a value of the served sample, so a baseline with no nulls still allows
 * for the odd one (the normal approximation is poor at p ≈ 0, and this errs on the quiet side).
 * `n` and `m` here count ALL values, nulls included.
 *
 * @example nullRateAllowance(0.05, { n: 300, m: Infinity }, 0.001) // ≈ 0.039
 */
export function nullRateAllowance(baselineNullRate: number, sizes: NullSizes, alpha: number): number {
  const p = Math.min(0.5, Math.max(baselineNullRate, 0.5 / sizes.n));
  const z = Math.sqrt(chiSquareUpperQuantile(Math.min(0.999_999, 2 * alpha), 1));
  return z * Math.sqrt((p * (1 - p)) / effectiveSampleSize(sizes.n, sizes.m));
}

/** max(0, value − allowance): what is left of a statistic above its noise. */
export function aboveNoise(value: number, allowance: number): number {
  return Math.max(0, value - allowance);
}

/** √max(0, js² − allowance²): JS distance above its noise, on the scale where the two add. */
export function jsAboveNoise(js: number, allowance: number): number {
  if (!(js > allowance)) return 0;
  // As a ratio, so that tiny values do not underflow when squared.
  const r = allowance / js;
  return js * Math.sqrt(1 - r * r);
}

/**
 * Fewest served values for which the allowance of a statistic at `alpha` is no larger than
 * `threshold` (baseline much larger than the sample): below it noise alone can hide a shift
 * of the threshold's size. The default minSamples comes from this (see policy.ts).
 *
 * @example minSamplesFor('js', 0.2, 21, 0.001 / 20) // 246
 */
export function minSamplesFor(statistic: 'psi' | 'js', threshold: number, k: number, alpha: number): number {
  if (!(threshold > 0)) throw new RangeError(`threshold must be positive, got ${threshold}`);
  if (k <= 1) return 1;
  const q = chiSquareUpperQuantile(alpha, k - 1);
  return Math.ceil(statistic === 'psi' ? q / threshold : q / (8 * Math.LN2 * threshold * threshold));
}

// ---------------------------------------------------------------------------------------------
// Applied to profiles

export type NoiseCheck = 'psi' | 'ks' | 'js' | 'nullRateIncrease';

export interface NoisyFeatureDrift {
  type: StatsFeatureType;
  /** Raw statistics, as preflight computes them. */
  psi?: number;
  ks?: number;
  js?: number;
  nullRate: number;
  nullRateIncrease: number;
  /** The statistics above their noise allowance: what alarms compare with `alarmAbove`. */
  corrected: Partial<Record<NoiseCheck, number>>;
  /** Each statistic's allowance at this feature's share of the family-wise rate. */
  allowance: Partial<Record<NoiseCheck, number>>;
  /** Bins or categories the comparison had (k), and the sizes it used. */
  cells: number;
  n: number;
  m: number;
}

/** One (feature, statistic) pair the view's alarms watch; Bonferroni counts these. */
export function checksOf(type: StatsFeatureType, alarmed: readonly NoiseCheck[]): NoiseCheck[] {
  const applies: NoiseCheck[] = type === 'int' || type === 'float' ? ['psi', 'ks', 'nullRateIncrease'] : ['js', 'nullRateIncrease'];
  return applies.filter((c) => alarmed.includes(c));
}

/**
 * Drift of one feature with its noise allowance at per-test rate `alpha` (already divided by
 * the family size). `undefined` when the profiles are of different kinds (a type change is
 * preflight's business, not noise).
 *
 * PSI here floors the served side at half a value (0.5/n) rather than the fixed 1e-4: with
 * 10 bins and 100 served rows a healthy sample leaves some bin empty in 0.03 % of datapoints,
 * and the fixed floor makes that one empty bin worth ≥ 0.69 of PSI, far outside the χ²
 * model; half a value is what the bin's count is, to the sample's resolution. The raw `psi`
 * keeps the preflight definition.
 *
 * @example
 * featureDrift(baselineProfile, servedProfile, 'float', 0.001 / 20).corrected.psi // 0 under no change
 */
export function featureDrift(baseline: FeatureProfile, served: FeatureProfile, type: StatsFeatureType, alpha: number): NoisyFeatureDrift | undefined {
  assertRate(alpha);
  if (baseline.kind !== served.kind) return undefined;
  const raw = compareProfiles(baseline, served, type);
  const b = counts(baseline);
  const s = counts(served);
  const out: NoisyFeatureDrift = {
    type,
    nullRate: s.nullRate,
    nullRateIncrease: Math.max(0, raw.nullRateDelta),
    corrected: {},
    allowance: {},
    cells: 0,
    n: s.count,
    m: b.count,
  };
  if (s.count + s.nulls > 0 && b.count + b.nulls > 0) {
    const a = nullRateAllowance(b.nullRate, { n: s.count + s.nulls, m: b.count + b.nulls }, alpha);
    out.allowance.nullRateIncrease = a;
    out.corrected.nullRateIncrease = aboveNoise(out.nullRateIncrease, a);
  }
  if (b.count === 0 || s.count === 0) return out;
  const sizes = { n: s.count, m: b.count };
  if (baseline.kind === 'numeric' && served.kind === 'numeric') {
    const [expected, actual] = poolSparseCells(baseline.histogram.counts, histogram(served.sketch, baseline.histogram.edges), s.count, 'adjacent');
    out.cells = expected.filter((c) => c > 0).length;
    if (raw.psi !== undefined) {
      out.psi = raw.psi;
      const allowance = psiAllowance(out.cells, sizes, alpha);
      out.allowance.psi = allowance;
      out.corrected.psi = aboveNoise(psiOf(expected, actual, Math.min(0.5, Math.max(1e-4, 0.5 / s.count))), allowance);
    }
    if (raw.ks) {
      out.ks = raw.ks.statistic;
      const allowance = ksAllowance(sizes, alpha);
      out.allowance.ks = allowance;
      out.corrected.ks = aboveNoise(raw.ks.statistic, allowance);
    }
  } else if (baseline.kind === 'categorical' && served.kind === 'categorical' && raw.js !== undefined) {
    out.js = raw.js;
    const [p, q] = poolSparseCells(...alignFrequencies(baseline.frequencies, served.frequencies), s.count, 'any');
    out.cells = p.filter((c, i) => c > 0 || q[i]! > 0).length;
    const allowance = jsAllowance(out.cells, sizes, alpha);
    out.allowance.js = allowance;
    out.corrected.js = jsAboveNoise(jensenShannonDistanceAligned(p, q), allowance);
  }
  return out;
}

/** Expected count below which a cell is pooled with others (Cochran's rule for χ² tests). */
export const MIN_EXPECTED_PER_CELL = 10;

/**
 * Pools the cells whose expected count in a sample of `n` (baseline share × n) is below
 * {@link MIN_EXPECTED_PER_CELL}, so that the χ² model of the noise holds: with rare categories
 * (a Zipf tail at 0.5 % expects 1.5 of 300 served rows) the G-test, and JS with it, exceeds its
 * χ² quantile several times more often than α. `adjacent` (numeric bins) merges runs of
 * neighbouring bins left to right, so a pooled cell is still an interval; `any` (categories)
 * pools every sparse cell into one, topped up with the smallest others until it is not sparse
 * itself. Pooling never increases PSI or JS (it coarsens both distributions alike), so a
 * shift found on pooled cells is there on the raw ones. A cell empty in the baseline but
 * present in the sample (a new category) is pooled too, and shows as the pool's excess.
 *
 * @example poolSparseCells([50, 30, 10, 1, 1], [50, 30, 10, 0, 2], 100, 'any') // [[30, 50, 12], [30, 50, 12]]
 */
export function poolSparseCells(expected: ArrayLike<number>, actual: ArrayLike<number>, n: number, mode: 'adjacent' | 'any'): [number[], number[]] {
  if (expected.length !== actual.length) throw new RangeError(`cells differ in length: ${expected.length} vs ${actual.length}`);
  let total = 0;
  for (let i = 0; i < expected.length; i++) total += expected[i]!;
  if (!(total > 0) || !(n > 0)) return [Array.from(expected), Array.from(actual)];
  const expectedCount = (c: number) => (c / total) * n;
  const e: number[] = [];
  const a: number[] = [];
  if (mode === 'adjacent') {
    let pe = 0;
    let pa = 0;
    for (let i = 0; i < expected.length; i++) {
      pe += expected[i]!;
      pa += actual[i]!;
      if (expectedCount(pe) >= MIN_EXPECTED_PER_CELL) {
        e.push(pe);
        a.push(pa);
        pe = pa = 0;
      }
    }
    if (pe > 0 || pa > 0) {
      // The sparse remainder joins the last full cell (or is the only one).
      if (e.length === 0) {
        e.push(pe);
        a.push(pa);
      } else {
        e[e.length - 1]! += pe;
        a[a.length - 1]! += pa;
      }
    }
    return [e, a];
  }
  const order = Array.from({ length: expected.length }, (_, i) => i).sort((x, y) => expected[x]! - expected[y]!);
  let pe = 0;
  let pa = 0;
  let pooled = 0;
  let next = 0;
  while (next < order.length && expectedCount(expected[order[next]!]!) < MIN_EXPECTED_PER_CELL) {
    pe += expected[order[next]!]!;
    pa += actual[order[next]!]!;
    pooled++;
    next++;
  }
  while (pooled > 0 && expectedCount(pe) < MIN_EXPECTED_PER_CELL && next < order.length) {
    pe += expected[order[next]!]!;
    pa += actual[order[next]!]!;
    pooled++;
    next++;
  }
  for (; next < order.length; next++) {
    e.push(expected[order[next]!]!);
    a.push(actual[order[next]!]!);
  }
  if (pooled > 0) {
    e.push(pe);
    a.push(pa);
  }
  return [e, a];
}

export interface ViewDriftOptions {
  /** Statistics the view alarms on (Bonferroni counts only these). */
  alarmed: readonly NoiseCheck[];
  /** Family-wise false-positive rate of one datapoint of the view. */
  falsePositiveRate: number;
}

export interface ViewDrift {
  features: Record<string, NoisyFeatureDrift>;
  /** Maximum over features of each raw statistic. */
  max: Partial<Record<NoiseCheck, number>>;
  /** Maximum over features of each noise-corrected statistic: the alarmed figure. */
  maxCorrected: Partial<Record<NoiseCheck, number>>;
  /** Number of (feature, statistic) tests the family-wise rate was divided among, and each one's rate. */
  tests: number;
  perTestRate: number;
}

/**
 * Noise-aware drift of a whole view: every feature present on both sides, its raw and
 * corrected statistics, and the view's maxima. Features absent from `served` (disabled ones,
 * say) are not compared and not counted in the family.
 *
 * @example
 * const d = viewDrift(def.features, baselineProfiles, profileRecords(def, rows), { alarmed: ['psi', 'js', 'nullRateIncrease'], falsePositiveRate: 0.001 });
 * d.maxCorrected.psi > monitor.alarmAbove.psi // breaching
 */
export function viewDrift(
  features: readonly { name: string; type: StatsFeatureType }[],
  baseline: Record<string, FeatureProfile>,
  served: Record<string, FeatureProfile>,
  options: ViewDriftOptions,
): ViewDrift {
  const compared = features.filter((f) => Object.hasOwn(baseline, f.name) && Object.hasOwn(served, f.name) && baseline[f.name]!.kind === served[f.name]!.kind);
  const tests = compared.reduce((t, f) => t + checksOf(f.type, options.alarmed).length, 0);
  const perTestRate = familyRate(options.falsePositiveRate, tests);
  const out: ViewDrift = { features: {}, max: {}, maxCorrected: {}, tests, perTestRate };
  for (const f of compared) {
    const d = featureDrift(baseline[f.name]!, served[f.name]!, f.type, perTestRate);
    if (!d) continue;
    out.features[f.name] = d;
    for (const check of ['psi', 'ks', 'js', 'nullRateIncrease'] as const) {
      const raw = d[check];
      if (raw !== undefined) out.max[check] = Math.max(out.max[check] ?? 0, raw);
      const corrected = d.corrected[check];
      if (corrected !== undefined) out.maxCorrected[check] = Math.max(out.maxCorrected[check] ?? 0, corrected);
    }
  }
  return out;
}

function counts(p: FeatureProfile): { count: number; nulls: number; nullRate: number } {
  return p.kind === 'numeric' ? { count: p.summary.count, nulls: p.summary.nulls, nullRate: p.summary.nullRate } : { count: p.count, nulls: p.nulls, nullRate: p.nullRate };
}
