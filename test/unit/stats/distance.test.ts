import {
  jensenShannonDistance,
  jensenShannonDistanceAligned,
  kolmogorovQ,
  ksPValue,
  ksStatistic,
  ksTwoSample,
  psi,
} from '../../../core/stats/distance';

const sorted = (xs: number[]) => Float64Array.from(xs).sort();

describe('psi', () => {
  it('matches a hand computation from bin proportions', () => {
    // expected [25,25,25,25] → e = .25 each; actual [10,20,30,40] → a = .1,.2,.3,.4
    //   (.1 − .25)·ln(.1/.25) = −.15 · −0.916291 = 0.137444
    //   (.2 − .25)·ln(.2/.25) = −.05 · −0.223144 = 0.011157
    //   (.3 − .25)·ln(.3/.25) =  .05 ·  0.182322 = 0.009116
    //   (.4 − .25)·ln(.4/.25) =  .15 ·  0.470004 = 0.070501
    //   PSI = 0.228217 (Python: 0.22821740957339182)
    expect(psi([25, 25, 25, 25], [10, 20, 30, 40])).toBeCloseTo(0.22821740957339182, 12);
  });

  it('floors empty-bin proportions at epsilon', () => {
    // e = [.5, .5, 0 → 1e-4], a = [.4, .4, .2]
    //   2 · (.4 − .5)·ln(.8) = 2 · 0.0223144 = 0.0446287
    //   (.2 − 1e-4)·ln(.2 / 1e-4) = .1999 · 7.600902 = 1.5194203
    //   PSI = 1.5640491 (Python: 1.5640491119253044)
    expect(psi([50, 50, 0], [40, 40, 20])).toBeCloseTo(1.5640491119253044, 12);
    // with a larger floor the same empty bin weighs less: (.2 − .01)·ln(20) + 0.0446287
    expect(psi([50, 50, 0], [40, 40, 20], 0.01)).toBeCloseTo(0.19 * Math.log(20) + 2 * 0.1 * Math.log(1.25), 12);
  });

  it('is 0 for identical proportions, and bins empty on both sides contribute nothing', () => {
    expect(psi([1, 2, 3], [10, 20, 30])).toBe(0);
    expect(psi([5, 0, 5], [5, 0, 5])).toBe(0);
  });

  it('rejects mismatched, negative, non-finite or empty histograms', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => psi([1, -1], [1, 1])).toThrow(RangeError);
    expect(() => psi([1, NaN], [1, 1])).toThrow(RangeError);
    expect(() => psi([1, Infinity], [1, 1])).toThrow(RangeError);
    expect(() => psi([0, 0], [1, 1])).toThrow(RangeError);
    expect(() => psi([1, 1], [1, 1], 0)).toThrow(RangeError);
  });
});

describe('ksTwoSample', () => {
  it('computes D with ties on a hand-checkable sample (scipy.stats.ks_2samp D = 0.43333)', () => {
    // a = [1,2,2,3,5] (n=5), b = [2,3,3,4,6,7] (m=6); ECDFs at each distinct value:
    //   x=1: 1/5 − 0/6 = 0.2     x=2: 3/5 − 1/6 = 13/30     x=3: 4/5 − 3/6 = 0.3
    //   x=4: 4/5 − 4/6 = 2/15    x=5: 5/5 − 4/6 = 1/3       x=6,7: ≤ 1/6
    //   D = 13/30 (the tie at 2 must be consumed on BOTH sides before comparing)
    // p-value (Numerical Recipes): nₑ = 30/11, √nₑ = 1.6514456, 0.11/√nₑ = 0.0666083,
    //   λ = (1.6514456 + 0.12 + 0.0666083)·13/30 = 0.7964900; λ < 1.18, so via the theta form
    //   P = √(2π)/λ · (e^{−π²/(8λ²)} + e^{−9π²/(8λ²)}) = 3.147087·(0.1430324 + 2.5e-8) = 0.4501364
    //   Q = 1 − P = 0.5498636 (scipy.stats.kstwobign.sf(0.79649) = 0.5498636282435323)
    const r = ksTwoSample(sorted([1, 2, 2, 3, 5]), sorted([2, 3, 3, 4, 6, 7]));
    expect(r.statistic).toBe(13 / 30);
    expect(r.pValue).toBeCloseTo(0.5498636282435323, 9);
  });

  it('matches the asymptotic formula for disjoint-ish shifted ranges', () => {
    // a = 0..9, b = 5..14: at x = 9, F_a = 1 and F_b = 0.5 → D = 0.5 (scipy agrees)
    // nₑ = 5, λ = (2.2360680 + 0.12 + 0.0491935)·0.5 = 1.2026307 ≥ 1.18, so the direct series:
    //   2λ² = 2.8926414; Q = 2·(e^{−2.8926414} − e^{−4·2.8926414} + …)
    //                    = 2·(0.0554296 − 0.0000094) = 0.1108403
    const a = Float64Array.from({ length: 10 }, (_, i) => i);
    const b = Float64Array.from({ length: 10 }, (_, i) => i + 5);
    const r = ksTwoSample(a, b);
    expect(r.statistic).toBe(0.5);
    expect(r.pValue).toBeCloseTo(0.11084033741322809, 9);
  });

  it('matches scipy on integer samples with many ties', () => {
    // numpy default_rng(7): integers(0,8,25) and integers(1,10,30); scipy ks_2samp D = 0.3
    // λ = (√(750/55) + 0.12 + 0.11/√(750/55))·0.3 = 1.1527599 → Q = 0.1401688
    const a = [7, 5, 5, 7, 4, 6, 6, 1, 0, 2, 2, 6, 7, 0, 3, 6, 1, 6, 0, 3, 6, 2, 2, 2, 5];
    const b = [3, 9, 5, 5, 5, 6, 5, 5, 9, 8, 8, 7, 6, 4, 9, 5, 2, 8, 2, 8, 6, 2, 1, 5, 1, 2, 5, 9, 5, 8];
    const r = ksTwoSample(sorted(a), sorted(b));
    expect(r.statistic).toBeCloseTo(0.3, 15);
    expect(r.pValue).toBeCloseTo(0.14016877179778608, 9);
  });

  it('gives D = 0 and p = 1 for identical tied samples (a naive walk would not)', () => {
    const x = sorted([1, 1, 1, 2, 2, 3]);
    expect(ksTwoSample(x, x)).toEqual({ statistic: 0, pValue: 1 });
    // same distribution, different multiplicities
    expect(ksStatistic(sorted([1, 2]), sorted([1, 1, 2, 2]))).toBe(0);
  });

  it('gives D = 1 for disjoint samples', () => {
    expect(ksTwoSample(sorted([1, 2, 3]), sorted([4, 5])).statistic).toBe(1);
  });

  it('rejects empty or unsorted input', () => {
    expect(() => ksTwoSample([], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([2, 1], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([1, NaN], [1])).toThrow(RangeError);
    expect(() => ksTwoSample([NaN], [1])).toThrow(RangeError);
  });
});

describe('kolmogorovQ', () => {
  // scipy.stats.kstwobign.sf(λ), the same Kolmogorov limiting distribution
  const table: [number, number][] = [
    [0.3, 0.9999906941986655],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1.0, 0.26999967167735456],
    [1.17, 0.12939004218561884],
    [1.19, 0.11774229287977166],
    [2.0, 0.0006709252557796953],
    [3.0, 3.045995948942526e-8],
  ];
  it.each(table)('Q(%p) matches scipy', (lambda, expected) => {
    expect(kolmogorovQ(lambda)).toBeCloseTo(expected, 12);
  });

  it('reproduces the published critical values 1.2238 (10%), 1.3581 (5%), 1.6276 (1%)', () => {
    expect(kolmogorovQ(1.2238)).toBeCloseTo(0.1, 4);
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 4);
  });

  it('is 1 at and near 0, and continuous across the 1.18 branch switch', () => {
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(0.05)).toBe(1);
    expect(Math.abs(kolmogorovQ(1.18 - 1e-12) - kolmogorovQ(1.18))).toBeLessThan(1e-10);
  });

  it('ksPValue uses the Numerical Recipes effective size', () => {
    // nₑ = 500, λ = (22.3606798 + 0.12 + 0.0049193)·0.05 = 1.1242800
    expect(ksPValue(0.05, 1000, 1000)).toBeCloseTo(kolmogorovQ(1.12427995622742), 14);
    expect(ksPValue(0.05, 1000, 1000)).toBeCloseTo(0.15955408974378785, 9);
  });
});

describe('jensenShannonDistance', () => {
  it('is 0 for identical distributions and 1 for disjoint ones', () => {
    expect(jensenShannonDistance({ a: 1, b: 3 }, { a: 10, b: 30 })).toBe(0);
    expect(jensenShannonDistance({ a: 5 }, { b: 7 })).toBe(1);
  });

  it('matches a hand computation for p = [.5, .5], q = [1, 0]', () => {
    // m = [.75, .25]
    // KL(p‖m) = .5·log2(.5/.75) + .5·log2(.5/.25) = .5·(−0.5849625) + .5·1 = 0.2075187
    // KL(q‖m) = 1·log2(1/.75) = 0.4150375
    // JSD = (0.2075187 + 0.4150375)/2 = 0.3112781; distance = √0.3112781 = 0.5579230
    // scipy.spatial.distance.jensenshannon([.5,.5],[1,0], base=2) = 0.5579230452841438
    expect(jensenShannonDistance({ x: 0.5, y: 0.5 }, { x: 1 })).toBeCloseTo(0.5579230452841438, 14);
  });

  it('normalizes counts and matches scipy on three categories', () => {
    // scipy jensenshannon([3,1,0],[1,1,2], base=2) = 0.5868227481705474 (scipy normalizes too)
    expect(jensenShannonDistance({ a: 3, b: 1 }, { a: 1, b: 1, c: 2 })).toBeCloseTo(0.5868227481705474, 14);
    expect(jensenShannonDistanceAligned([0.2, 0.3, 0.5], [0.5, 0.3, 0.2])).toBeCloseTo(0.3095409536771482, 14);
  });

  it('handles prototype-looking keys and rejects empty or invalid input', () => {
    expect(jensenShannonDistance({ constructor: 1 }, { toString: 1 })).toBe(1);
    expect(jensenShannonDistance({ ['__proto__']: 1 } as Record<string, number>, { a: 1 })).toBeCloseTo(1, 14);
    expect(() => jensenShannonDistance({}, { a: 1 })).toThrow(RangeError);
    expect(() => jensenShannonDistance({ a: -1, b: 2 }, { a: 1 })).toThrow(RangeError);
    expect(() => jensenShannonDistanceAligned([1], [1, 0])).toThrow(RangeError);
  });
});
