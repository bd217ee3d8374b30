import fc from 'fast-check';
import { jensenShannonDistance, kolmogorovQ, ksStatistic, ksTwoSample, psi } from '../../../core/stats/distance';
import { binEdgesFromBaseline, histogram } from '../../../core/stats/histogram';
import { quantileSorted, sortedFinite, summarizeNumeric } from '../../../core/stats/numeric';
import { compareProfiles, compareSamples, profileFeature, sketchSorted } from '../../../core/stats/profile';

// Mix small integers (ties) with arbitrary finite doubles (including -0 and extremes).
const value = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const sample = fc.array(value, { minLength: 1, maxLength: 40 }).map((xs) => sortedFinite(xs));
const histogramPair = fc
  .integer({ min: 1, max: 12 })
  .chain((k) =>
    fc.tuple(
      fc.array(fc.nat(1000), { minLength: k, maxLength: k }),
      fc.array(fc.nat(1000), { minLength: k, maxLength: k }),
    ),
  )
  .filter(([e, a]) => e.some((x) => x > 0) && a.some((x) => x > 0));
const distribution = fc
  .dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'constructor'), fc.nat(100), { minKeys: 1 })
  .filter((d) => Object.values(d).some((v) => v > 0));

/** D by the definition: max over every observed value of |F_a(v) − F_b(v)|, O((n+m)²). */
function bruteForceD(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  let best = 0;
  for (const v of [...Array.from(a), ...Array.from(b)]) {
    const ca = Array.from(a).filter((x) => x <= v).length;
    const cb = Array.from(b).filter((x) => x <= v).length;
    best = Math.max(best, Math.abs(ca * m - cb * n));
  }
  return best / (n * m);
}

describe('PSI properties', () => {
  it('is ≥ 0, and 0 against itself or a rescaled copy', () => {
    fc.assert(
      fc.property(histogramPair, ([e, a]) => {
        expect(psi(e, a)).toBeGreaterThanOrEqual(0);
        expect(psi(e, e)).toBe(0);
        expect(psi(e, e.map((x) => x * 3))).toBe(0);
      }),
    );
  });
});

describe('KS properties', () => {
  it('D is in [0, 1], symmetric, 0 against itself, and equals the definition with ties', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ksTwoSample(a, b);
        expect(r.statistic).toBeGreaterThanOrEqual(0);
        expect(r.statistic).toBeLessThanOrEqual(1);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(ksTwoSample(b, a)).toEqual(r);
        expect(ksStatistic(a, a)).toBe(0);
        expect(r.statistic).toBe(bruteForceD(a, b));
      }),
    );
  });

  it('Q_KS agrees with the plain alternating series and is non-increasing', () => {
    const series = (l: number) => {
      let s = 0;
      for (let j = 1; j <= 2000; j++) s += (j % 2 ? 2 : -2) * Math.exp(-2 * j * j * l * l);
      return s;
    };
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 4, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (l, dl) => {
        expect(Math.abs(kolmogorovQ(l) - series(l))).toBeLessThan(1e-9);
        expect(kolmogorovQ(l + dl)).toBeLessThanOrEqual(kolmogorovQ(l));
      }),
    );
  });
});

describe('Jensen–Shannon properties', () => {
  it('is in [0, 1], symmetric, 0 against itself, and satisfies the triangle inequality', () => {
    fc.assert(
      fc.property(distribution, distribution, distribution, (p, q, r) => {
        const pq = jensenShannonDistance(p, q);
        expect(pq).toBeGreaterThanOrEqual(0);
        expect(pq).toBeLessThanOrEqual(1);
        expect(jensenShannonDistance(q, p)).toBeCloseTo(pq, 14);
        expect(jensenShannonDistance(p, p)).toBe(0);
        expect(jensenShannonDistance(p, r)).toBeLessThanOrEqual(pq + jensenShannonDistance(q, r) + 1e-12);
      }),
    );
  });
});

describe('quantile properties', () => {
  it('are monotone in p, within [min, max], and hit order statistics exactly', () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (s, p1, p2) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const qlo = quantileSorted(s, lo);
        expect(qlo).toBeLessThanOrEqual(quantileSorted(s, hi));
        expect(qlo).toBeGreaterThanOrEqual(s[0]);
        expect(qlo).toBeLessThanOrEqual(s[s.length - 1]);
        if (s.length > 1) {
          const k = Math.floor(lo * (s.length - 1));
          expect(quantileSorted(s, k / (s.length - 1))).toBe(s[k]);
        }
      }),
    );
  });

  it('summary quantiles are ordered p01 ≤ … ≤ p99 between min and max', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.constant(NaN)), { maxLength: 60 }), (xs) => {
        const s = summarizeNumeric(xs);
        if (s.quantiles === null) return expect(s.count).toBe(0);
        const q = s.quantiles;
        const ordered = [s.min!, q.p01, q.p05, q.p25, q.p50, q.p75, q.p95, q.p99, s.max!];
        for (let i = 1; i < ordered.length; i++) expect(ordered[i]).toBeGreaterThanOrEqual(ordered[i - 1]);
        expect(s.count + s.nulls).toBe(xs.length);
      }),
    );
  });
});

describe('histogram properties', () => {
  it('counts sum to n and match a per-value assignment on baseline edges', () => {
    fc.assert(
      fc.property(sample, sample, fc.integer({ min: 1, max: 12 }), (baseline, candidate, bins) => {
        const edges = binEdgesFromBaseline(baseline, bins);
        const counts = histogram(candidate, edges);
        expect(counts).toHaveLength(edges.length + 1);
        expect(counts.reduce((x, y) => x + y, 0)).toBe(candidate.length);
        const naive = new Array(edges.length + 1).fill(0);
        for (const v of candidate) naive[edges.filter((e) => e <= v).length]++;
        expect(counts).toEqual(naive);
      }),
    );
  });
});

describe('profile properties', () => {
  it('profiles survive JSON unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(value, fc.constantFrom(NaN, Infinity, -Infinity)), { maxLength: 50 }), (xs) => {
        const p = profileFeature('float', xs);
        expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      }),
    );
  });

  it('comparing profiles of small columns is the exact sample comparison', () => {
    const column = fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(NaN)), { maxLength: 40 });
    fc.assert(
      fc.property(column, column, (b, c) => {
        expect(compareProfiles(profileFeature('int', b), profileFeature('int', c), 'int')).toEqual(
          compareSamples(b, c, 'int'),
        );
      }),
    );
  });

  it('a sketch CDF is within 1/(2k) of the column CDF everywhere', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 50 }), value, (xs, k, x) => {
        const s = sortedFinite(xs);
        const sketch = sketchSorted(s, k);
        const cdf = (arr: ArrayLike<number>) => Array.from(arr).filter((v) => v <= x).length / arr.length;
        expect(Math.abs(cdf(sketch) - cdf(s))).toBeLessThanOrEqual(1 / (2 * sketch.length) + 1e-12);
      }),
    );
  });
});
