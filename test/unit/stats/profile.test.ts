import { jensenShannonDistance, ksPValue, ksTwoSample, psi } from '../../../core/stats/distance';
import { binEdgesFromBaseline, histogram } from '../../../core/stats/histogram';
import { sortedFinite } from '../../../core/stats/numeric';
import {
  compareProfiles,
  compareSamples,
  numericProfileFromSorted,
  profileFeature,
  sketchSorted,
} from '../../../core/stats/profile';

/** Deterministic standard normals (mulberry32 + Box–Muller) so the larger tests are stable. */
function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - rand();
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

describe('profileFeature (numeric)', () => {
  it('builds a JSON-safe profile even from NaN/Infinity/-0 input', () => {
    const p = profileFeature('float', [3, NaN, -0, Infinity, 1, 2, -Infinity, 2]);
    expect(p.kind).toBe('numeric');
    expect(p.summary.count).toBe(5);
    expect(p.summary.nulls).toBe(3);
    expect(p.sketch).toEqual([0, 1, 2, 2, 3]);
    expect(p.histogram.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    expect(JSON.stringify(p)).not.toMatch(/NaN|Infinity/);
  });

  it('stores an all-null or empty column with null statistics and no bins', () => {
    const p = profileFeature('int', [NaN, null]);
    expect(p.summary).toMatchObject({ count: 0, nulls: 2, nullRate: 1, min: null, quantiles: null });
    expect(p.histogram).toEqual({ edges: [], counts: [0] });
    expect(p.sketch).toEqual([]);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('keeps at most sketchSize actual order statistics', () => {
    const p = profileFeature('int', Float64Array.from({ length: 5000 }, (_, i) => i % 7));
    expect(p.sketch).toHaveLength(1000);
    expect(p.sketch.every((v) => Number.isInteger(v) && v >= 0 && v <= 6)).toBe(true);
    expect(profileFeature('float', [1, 2, 3], { sketchSize: 2 }).sketch).toEqual([1, 3]);
  });

  it('numericProfileFromSorted equals profileFeature on a shared sort', () => {
    const values = [4, NaN, 1, 9, 1];
    const s = sortedFinite(values);
    expect(numericProfileFromSorted('float', s, values.length - s.length)).toEqual(profileFeature('float', values));
  });
});

describe('sketchSorted', () => {
  it('takes mid-points of equal rank intervals', () => {
    // n = 10, k = 5: ranks (j + ½)·2 − ½ = 0.5, 2.5, 4.5, 6.5, 8.5 → rounded half up 1, 3, 5, 7, 9
    expect(sketchSorted(Float64Array.from({ length: 10 }, (_, i) => i), 5)).toEqual([1, 3, 5, 7, 9]);
    // k ≥ n keeps the whole column
    expect(sketchSorted(Float64Array.of(1, 1, 2), 1000)).toEqual([1, 1, 2]);
    expect(() => sketchSorted(Float64Array.of(1), 0)).toThrow(RangeError);
  });
});

describe('profileFeature (categorical)', () => {
  it('profiles strings with top-k categories', () => {
    const p = profileFeature('string', ['a', 'b', 'a', null, 'c'], { maxCategories: 2 });
    expect(p).toEqual({
      profileVersion: 1,
      kind: 'categorical',
      type: 'string',
      count: 4,
      nulls: 1,
      nullRate: 0.2,
      frequencies: { categories: { a: 2, b: 1 }, other: 1, nulls: 1, distinct: 3 },
    });
  });

  it('profiles booleans as two categories', () => {
    const p = profileFeature('bool', [true, false, true, null]);
    expect(p.frequencies.categories).toEqual({ true: 2, false: 1 });
    expect(p.nullRate).toBe(0.25);
  });

  it('rejects unknown feature types', () => {
    expect(() => profileFeature('date' as 'int', [1])).toThrow(TypeError);
  });
});

describe('compareSamples (numeric, exact)', () => {
  it('computes PSI on baseline quantile edges, exact KS, null-rate delta and range violations', () => {
    const baseline = [1, 2, 3, 4, 5, 6, 7, 8, NaN, NaN]; // nullRate 0.2
    const candidate = [0, 2, 4, 6, 8, 10, 12, NaN]; // nullRate 0.125
    const r = compareSamples(baseline, candidate, 'float', { bins: 4 });
    const b = sortedFinite(baseline);
    const c = sortedFinite(candidate);
    const edges = binEdgesFromBaseline(b, 4); // [2.75, 4.5, 6.25]
    expect(edges).toEqual([2.75, 4.5, 6.25]);
    // baseline bins [2, 2, 2, 2]; candidate {0,2 | 4 | 6 | 8,10,12} = [2, 1, 1, 3]
    expect(histogram(c, edges)).toEqual([2, 1, 1, 3]);
    expect(r.psi).toBeCloseTo(psi([2, 2, 2, 2], [2, 1, 1, 3]), 15);
    expect(r.ks).toEqual({ ...ksTwoSample(b, c), exact: true });
    expect(r.nullRateDelta).toBeCloseTo(0.125 - 0.2, 15);
    // candidate below min 1: {0} → 1/7; above max 8: {10, 12} → 2/7
    expect(r.rangeViolation.below).toBeCloseTo(1 / 7, 15);
    expect(r.rangeViolation.above).toBeCloseTo(2 / 7, 15);
  });

  it('reports no drift for identical columns', () => {
    const x = normals(2000, 1);
    expect(compareSamples(x, x, 'float')).toEqual({
      psi: 0,
      ks: { statistic: 0, pValue: 1, exact: true },
      nullRateDelta: 0,
      rangeViolation: { below: 0, above: 0 },
    });
  });

  it('omits PSI and KS when a side has no values', () => {
    expect(compareSamples([NaN], [1, 2], 'int')).toEqual({ nullRateDelta: -1, rangeViolation: { below: 0, above: 0 } });
    expect(compareSamples([1, 2], [], 'int')).toEqual({ nullRateDelta: 0, rangeViolation: { below: 0, above: 0 } });
  });

  it('flags a mean shift of half a standard deviation as drift', () => {
    const r = compareSamples(normals(20_000, 1), normals(20_000, 2, 0.5), 'float');
    // D for N(0,1) vs N(0.5,1) is 2Φ(0.25) − 1 = 0.1974
    expect(r.ks!.statistic).toBeGreaterThan(0.17);
    expect(r.ks!.statistic).toBeLessThan(0.23);
    expect(r.ks!.pValue).toBeLessThan(1e-10);
    expect(r.psi!).toBeGreaterThan(0.2);
  });
});

describe('compareSamples (categorical, exact)', () => {
  it('uses the full category distributions and ignores nulls for JS', () => {
    const r = compareSamples(['a', 'a', 'b', null], ['a', 'c', 'c', 'c'], 'string');
    expect(r.js).toBeCloseTo(jensenShannonDistance({ a: 2, b: 1 }, { a: 1, c: 3 }), 15);
    expect(r.nullRateDelta).toBe(-0.25);
    expect(r.psi).toBeUndefined();
    expect(r.ks).toBeUndefined();
    expect(r.rangeViolation).toEqual({ below: 0, above: 0 });
  });

  it('bool: identical → 0, all flipped → 1', () => {
    expect(compareSamples([true, false], [false, true], 'bool').js).toBe(0);
    expect(compareSamples([true, true], [false], 'bool').js).toBe(1);
    expect(compareSamples([null], [true], 'bool').js).toBeUndefined();
  });
});

describe('compareProfiles', () => {
  it('equals compareSamples exactly when both columns fit in their sketches', () => {
    const base = [5, 1, 4, NaN, 2, 2, 8, 9, 3, 3, 3, 7];
    const cand = [0, 4, 4, 6, 6, 6, 11, NaN, NaN];
    const fromProfiles = compareProfiles(profileFeature('int', base), profileFeature('int', cand), 'int');
    expect(fromProfiles).toEqual(compareSamples(base, cand, 'int'));
    expect(fromProfiles.ks!.exact).toBe(true);
  });

  it('approximates the exact comparison within the sketch resolution on 200k values', () => {
    const base = normals(200_000, 11);
    const cand = normals(200_000, 12, 0.05, 1.1);
    const exact = compareSamples(base, cand, 'float');
    const approx = compareProfiles(profileFeature('float', base), profileFeature('float', cand), 'float');
    expect(approx.ks!.exact).toBe(false);
    // each sketch ECDF is within 1/2000 of its column's, so D is within 1/1000
    expect(Math.abs(approx.ks!.statistic - exact.ks!.statistic)).toBeLessThanOrEqual(1 / 1000 + 1e-12);
    expect(approx.ks!.pValue).toBeCloseTo(ksPValue(approx.ks!.statistic, 200_000, 200_000), 15);
    // baseline counts are exact, each candidate bin share within ±1/1000
    expect(Math.abs(approx.psi! - exact.psi!)).toBeLessThan(0.003);
    expect(approx.rangeViolation.below).toBeGreaterThan(0);
    expect(Math.abs(approx.rangeViolation.above - exact.rangeViolation.above)).toBeLessThan(1 / 1000);
  });

  it('is exactly zero drift against itself, even through JSON', () => {
    const p = profileFeature('float', normals(50_000, 3));
    const stored = JSON.parse(JSON.stringify(p));
    expect(compareProfiles(stored, p, 'float')).toEqual({
      psi: 0,
      ks: { statistic: 0, pValue: 1, exact: false },
      nullRateDelta: 0,
      rangeViolation: { below: 0, above: 0 },
    });
  });

  it('never reports a range violation of 0 when the candidate min/max prove one', () => {
    const base = normals(100_000, 5);
    const cand = Float64Array.from(base);
    cand[0] = -1000; // one value far below: invisible in a 1,000-point sketch
    const r = compareProfiles(profileFeature('float', base), profileFeature('float', cand), 'float');
    expect(r.rangeViolation.below).toBe(1 / 100_000);
    expect(r.rangeViolation.above).toBe(0);
  });

  it('compares categorical profiles on categories known to both sides', () => {
    // complete tables (other = 0): exact JS, including a category new in the candidate
    const a = profileFeature('string', ['a', 'a', 'a', 'b', 'b']);
    const b = profileFeature('string', ['a', 'c', 'c', 'c', null]);
    const r = compareProfiles(a, b, 'string');
    expect(r.js).toBeCloseTo(jensenShannonDistance({ a: 3, b: 2 }, { a: 1, c: 3 }), 15);
    expect(r.nullRateDelta).toBeCloseTo(0.2, 15);
  });

  it('pools categories hidden in an "other" bucket instead of counting them as absent', () => {
    // baseline top-2 {a:5, b:3}, other 2 (c:2); candidate top-2 {a:5, b:3}, other 2 (d:2).
    // c and d are unknown on the other side → pooled: p = [5, 3, 2], q = [5, 3, 2] → 0
    const base = profileFeature('string', ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c'], { maxCategories: 2 });
    const cand = profileFeature('string', ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'd', 'd'], { maxCategories: 2 });
    expect(compareProfiles(base, cand, 'string').js).toBe(0);
    // a candidate category that the baseline's complete table proves absent still counts:
    // baseline {a:5, b:5} complete; candidate top-1 {z:6}, other 4 → keys a, b unknown on the
    // candidate side; z known on both (0 in baseline) → p = [0, 10], q = [6, 4]
    const full = profileFeature('string', ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b']);
    const shifted = profileFeature('string', ['z', 'z', 'z', 'z', 'z', 'z', 'a', 'a', 'b', 'b'], { maxCategories: 1 });
    expect(compareProfiles(full, shifted, 'string').js).toBeCloseTo(jensenShannonDistance({ o: 10 }, { z: 6, o: 4 }), 15);
  });

  it('rejects mismatched kinds', () => {
    const n = profileFeature('float', [1]);
    const s = profileFeature('string', ['a']);
    expect(() => compareProfiles(n, s, 'float')).toThrow(TypeError);
    expect(() => compareProfiles(n, n, 'string')).toThrow(TypeError);
  });
});
