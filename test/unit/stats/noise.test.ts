import fc from 'fast-check';
import { jensenShannonDistanceAligned } from '../../../core/stats/distance';
import {
  aboveNoise,
  checksOf,
  chiSquareSurvival,
  chiSquareUpperQuantile,
  effectiveSampleSize,
  expectedNullJsSquared,
  expectedNullPsi,
  familyRate,
  featureDrift,
  jsAboveNoise,
  jsAllowance,
  kolmogorovUpperQuantile,
  ksAllowance,
  lnGamma,
  minSamplesFor,
  nullRateAllowance,
  poolSparseCells,
  psiAllowance,
  viewDrift,
} from '../../../core/stats/noise';
import { profileFeature } from '../../../core/stats/profile';

// Reference values: scipy 1.17 (scipy.stats.chi2.isf / .sf, kstwobign.isf, norm.isf, math.lgamma).
describe('distributions against scipy', () => {
  it('lnGamma', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5723649429247004, 12);
    expect(lnGamma(10)).toBeCloseTo(12.801827480081467, 11);
    expect(lnGamma(100.5)).toBeCloseTo(361.4355404677776, 9);
  });

  it('χ² survival', () => {
    expect(chiSquareSurvival(10, 3)).toBeCloseTo(0.01856613546304325, 12);
    expect(chiSquareSurvival(1, 1)).toBeCloseTo(0.31731050786291115, 12);
    expect(chiSquareSurvival(150, 100)).toBeCloseTo(0.0009039320423540184, 12);
    expect(chiSquareSurvival(0.5, 7)).toBeCloseTo(0.9994464813904249, 12);
    expect(chiSquareSurvival(0, 4)).toBe(1);
  });

  it('χ² upper quantiles', () => {
    expect(chiSquareUpperQuantile(0.001, 9)).toBeCloseTo(27.877164871256575, 8);
    expect(chiSquareUpperQuantile(0.05, 1)).toBeCloseTo(3.8414588206941285, 8);
    expect(chiSquareUpperQuantile(1e-4, 20)).toBeCloseTo(52.38597327305218, 8);
    expect(chiSquareUpperQuantile(0.01, 100)).toBeCloseTo(135.80672317102676, 7);
    expect(chiSquareUpperQuantile(0.5, 2)).toBeCloseTo(2 * Math.LN2, 9);
  });

  it('Kolmogorov upper quantiles (the classic 5 % critical value 1.358)', () => {
    expect(kolmogorovUpperQuantile(0.05)).toBeCloseTo(1.3580986393225507, 8);
    expect(kolmogorovUpperQuantile(0.001)).toBeCloseTo(1.9494746035043753, 8);
  });

  it('refuses rates outside (0, 1) and non-positive degrees of freedom', () => {
    expect(() => chiSquareUpperQuantile(0, 3)).toThrow(RangeError);
    expect(() => chiSquareUpperQuantile(1, 3)).toThrow(RangeError);
    expect(() => chiSquareUpperQuantile(0.05, 0)).toThrow(RangeError);
    expect(() => familyRate(0.001, -1)).toThrow(RangeError);
  });
});

describe('allowances, by hand', () => {
  it('PSI: χ²₀.₉₉₉(9)/nₑ; JS: √(χ²₀.₉₉₉(20)/(8 ln 2 nₑ)); KS: λ₀.₉₅/(√nₑ + 0.12 + 0.11/√nₑ); nulls: z·√(p(1 − p)/nₑ)', () => {
    expect(psiAllowance(10, { n: 100, m: Infinity }, 0.001)).toBeCloseTo(0.27877164871256577, 9);
    expect(jsAllowance(21, { n: 100, m: Infinity }, 0.001)).toBeCloseTo(0.2858657032268608, 9);
    expect(ksAllowance({ n: 1000, m: 1000 }, 0.05)).toBeCloseTo(0.060398596977558935, 9);
    expect(nullRateAllowance(0.05, { n: 300, m: Infinity }, 0.001)).toBeCloseTo(0.0388845704634865, 8);
  });

  it('expected values under no change: (k − 1)/nₑ and (k − 1)/(8 ln 2 nₑ)', () => {
    expect(expectedNullPsi(10, { n: 100, m: 100 })).toBeCloseTo(0.18, 12);
    expect(expectedNullJsSquared(21, { n: 100, m: Infinity })).toBeCloseTo(20 / (800 * Math.LN2), 12);
    expect(effectiveSampleSize(300, Infinity)).toBe(300);
  });

  it('one bin or category cannot differ: no allowance', () => {
    expect(psiAllowance(1, { n: 10, m: 10 }, 0.01)).toBe(0);
    expect(jsAllowance(1, { n: 10, m: 10 }, 0.01)).toBe(0);
  });

  it('the sample size the default thresholds need (the documented minSamples)', () => {
    expect(minSamplesFor('js', 0.2, 21, 0.001 / 20)).toBe(246);
    expect(minSamplesFor('psi', 0.25, 10, 0.001 / 20)).toBe(142);
  });

  it('Bonferroni: the family rate shared among the tests', () => {
    expect(familyRate(0.001, 20)).toBeCloseTo(5e-5, 15);
    expect(familyRate(0.001, 0)).toBe(0.001);
  });
});

describe('allowance properties', () => {
  const rate = fc.double({ min: 1e-6, max: 0.2, noNaN: true });
  const size = fc.integer({ min: 5, max: 1_000_000 });
  const cells = fc.integer({ min: 2, max: 40 });

  it('shrink as the served sample grows, and vanish as n → ∞', () => {
    fc.assert(
      fc.property(cells, size, size, rate, (k, n, extra, alpha) => {
        const m = 1_000_000;
        const small = { n, m };
        const large = { n: n + extra, m };
        expect(psiAllowance(k, large, alpha)).toBeLessThanOrEqual(psiAllowance(k, small, alpha) + 1e-12);
        expect(jsAllowance(k, large, alpha)).toBeLessThanOrEqual(jsAllowance(k, small, alpha) + 1e-12);
        expect(ksAllowance(large, alpha)).toBeLessThanOrEqual(ksAllowance(small, alpha) + 1e-12);
        expect(nullRateAllowance(0.05, large, alpha)).toBeLessThanOrEqual(nullRateAllowance(0.05, small, alpha) + 1e-12);
      }),
    );
    expect(psiAllowance(10, { n: 1e12, m: Infinity }, 0.001)).toBeLessThan(1e-10);
    expect(jsAllowance(21, { n: 1e12, m: Infinity }, 0.001)).toBeLessThan(1e-5);
    expect(ksAllowance({ n: 1e12, m: 1e12 }, 0.001)).toBeLessThan(1e-5);
  });

  it('grow as the false-positive rate shrinks, and with the number of cells', () => {
    fc.assert(
      fc.property(cells, size, rate, rate, (k, n, a, b) => {
        const [strict, loose] = a < b ? [a, b] : [b, a];
        const sizes = { n, m: Infinity };
        expect(psiAllowance(k, sizes, strict)).toBeGreaterThanOrEqual(psiAllowance(k, sizes, loose) - 1e-12);
        expect(psiAllowance(k + 1, sizes, loose)).toBeGreaterThan(psiAllowance(k, sizes, loose));
        expect(ksAllowance(sizes, strict)).toBeGreaterThanOrEqual(ksAllowance(sizes, loose) - 1e-12);
      }),
    );
  });

  it('a corrected figure is never above the raw one and never negative', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), (value, allowance) => {
        expect(aboveNoise(value, allowance)).toBeGreaterThanOrEqual(0);
        expect(aboveNoise(value, allowance)).toBeLessThanOrEqual(value);
        expect(jsAboveNoise(value, allowance)).toBeGreaterThanOrEqual(0);
        expect(jsAboveNoise(value, allowance)).toBeLessThanOrEqual(value);
      }),
    );
    // JS noise and shift add on the squared scale: 0.5 observed over 0.3 of noise leaves 0.4.
    expect(jsAboveNoise(0.5, 0.3)).toBeCloseTo(0.4, 12);
  });
});

describe('poolSparseCells', () => {
  it('pools the sparse categories into one cell, topped up until it is not sparse', () => {
    expect(poolSparseCells([50, 30, 10, 1, 1], [50, 30, 10, 0, 2], 100, 'any')).toEqual([
      [30, 50, 12],
      [30, 50, 12],
    ]);
  });

  it('merges neighbouring bins left to right, the sparse remainder into the last cell', () => {
    // n = 30, ten equal bins expect 3 each: runs of four reach 12 ≥ 10, the last two join the second run.
    const [e, a] = poolSparseCells(Array(10).fill(100), [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 30, 'adjacent');
    expect(e).toEqual([400, 600]);
    expect(a).toEqual([12, 18]);
  });

  it('keeps totals, and never increases JS (it coarsens both sides alike: the data-processing inequality)', () => {
    const counts = fc.integer({ min: 2, max: 25 }).chain((k) => fc.tuple(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: k, maxLength: k }), fc.array(fc.nat(500), { minLength: k, maxLength: k })));
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 2000 }), fc.constantFrom('adjacent' as const, 'any' as const), ([e, a], n, mode) => {
        fc.pre(a.some((x) => x > 0));
        const [pe, pa] = poolSparseCells(e, a, n, mode);
        const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
        expect(sum(pe)).toBe(sum(e));
        expect(sum(pa)).toBe(sum(a));
        expect(jensenShannonDistanceAligned(pe, pa)).toBeLessThanOrEqual(jensenShannonDistanceAligned(e, a) + 1e-9);
        // Not asserted for PSI: its floor on empty cells (1e-4) is not a divergence of the two
        // distributions, so pooling an empty served cell into a full one can raise it
        // (e = [1, 55, 55, 53], a = [0, 0, 0, 1] was a counterexample).
        // Every cell but a lone one expects at least 10 of n.
        if (pe.length > 1) for (const c of pe) expect((c / sum(e)) * n).toBeGreaterThanOrEqual(10 - 1e-9);
      }),
    );
  });
});

describe('featureDrift and viewDrift', () => {
  const baselineValues = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
  const baseline = profileFeature('float', baselineValues);

  it('a sample identical in distribution to the baseline is all noise: corrected 0', () => {
    const served = profileFeature('float', baselineValues.filter((_, i) => i % 10 === 0));
    const d = featureDrift(baseline, served, 'float', 0.001)!;
    expect(d.corrected.psi).toBe(0);
    expect(d.corrected.ks).toBe(0);
    expect(d.corrected.nullRateIncrease).toBe(0);
    expect(d.n).toBe(500);
    expect(d.m).toBe(5000);
  });

  it('a unit bug (×100) stays far above the noise, and corrected = raw − allowance on unpooled cells', () => {
    const served = profileFeature('float', Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) * 100));
    const d = featureDrift(baseline, served, 'float', 0.001)!;
    expect(d.cells).toBe(10);
    expect(d.corrected.psi).toBeGreaterThan(2);
    expect(d.corrected.ks).toBeCloseTo(d.ks! - d.allowance.ks!, 12);
  });

  it('null-rate increase: above the allowance only when the increase is beyond the binomial noise', () => {
    const cats = (nulls: number, n: number) => Array.from({ length: n }, (_, i) => (i < nulls ? null : ['a', 'b', 'c'][i % 3]!));
    const base = profileFeature('string', cats(500, 10_000));
    const healthy = featureDrift(base, profileFeature('string', cats(18, 300)), 'string', 0.001 / 10)!;
    expect(healthy.nullRateIncrease).toBeCloseTo(0.01, 12);
    expect(healthy.corrected.nullRateIncrease).toBe(0);
    const broken = featureDrift(base, profileFeature('string', cats(90, 300)), 'string', 0.001 / 10)!;
    expect(broken.corrected.nullRateIncrease).toBeGreaterThan(0.15);
  });

  it('profiles of different kinds are not compared', () => {
    expect(featureDrift(baseline, profileFeature('string', ['a']), 'float', 0.01)).toBeUndefined();
  });

  it('viewDrift shares the family rate among the alarmed (feature, statistic) pairs only', () => {
    const features = [
      { name: 'x', type: 'float' as const },
      { name: 'c', type: 'string' as const },
      { name: 'off', type: 'float' as const },
    ];
    const base = { x: baseline, c: profileFeature('string', ['a', 'b', 'a', 'c']), off: baseline };
    const served = { x: profileFeature('float', baselineValues.slice(0, 400)), c: profileFeature('string', ['a', 'b']) };
    const d = viewDrift(features, base, served, { alarmed: ['psi', 'js', 'nullRateIncrease'], falsePositiveRate: 0.001 });
    // x: psi + nullRateIncrease; c: js + nullRateIncrease; `off` has no served profile (disabled).
    expect(d.tests).toBe(4);
    expect(d.perTestRate).toBeCloseTo(0.001 / 4, 15);
    expect(Object.keys(d.features)).toEqual(['x', 'c']);
    expect(d.maxCorrected.psi).toBeLessThanOrEqual(d.max.psi!);
    expect(checksOf('int', ['ks', 'js'])).toEqual(['ks']);
    expect(checksOf('bool', ['ks', 'js'])).toEqual(['js']);
  });
});
