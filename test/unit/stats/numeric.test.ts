import {
  countAtMost,
  countBelow,
  quantileSorted,
  sortedFinite,
  summarizeNumeric,
  summarizeSorted,
} from '../../../core/stats/numeric';

describe('sortedFinite', () => {
  it('drops NaN/null/undefined/±Infinity and sorts numerically without mutating the input', () => {
    const input = [10, NaN, -2, null, 3, undefined, Infinity, -Infinity, 1e-3];
    const copy = [...input];
    expect(Array.from(sortedFinite(input))).toEqual([-2, 1e-3, 3, 10]);
    expect(input).toEqual(copy);
  });

  it('sorts a Float64Array numerically (not lexicographically) and normalizes -0 to 0', () => {
    const out = sortedFinite(Float64Array.of(10, 9, 100, -0, -1));
    expect(Array.from(out)).toEqual([-1, 0, 9, 10, 100]);
    expect(Object.is(out[1], 0)).toBe(true);
  });

  it('rejects non-numeric values instead of treating them as nulls', () => {
    expect(() => sortedFinite(['3'] as unknown as number[])).toThrow(TypeError);
  });
});

describe('quantileSorted (numpy type 7 / method="linear")', () => {
  it('matches hand-computed values on [1, 2, 3, 4]', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    // h = (n − 1)·p = 3p
    expect(quantileSorted(x, 0)).toBe(1);
    expect(quantileSorted(x, 0.25)).toBeCloseTo(1.75, 12); // h = 0.75 → 1 + 0.75·(2 − 1)
    expect(quantileSorted(x, 0.5)).toBeCloseTo(2.5, 12); // h = 1.5 → 2 + 0.5·(3 − 2)
    expect(quantileSorted(x, 0.9)).toBeCloseTo(3.7, 12); // h = 2.7 → 3 + 0.7·(4 − 3)
    expect(quantileSorted(x, 1)).toBe(4);
  });

  it('returns the single value for n = 1 and rejects bad input', () => {
    expect(quantileSorted([7], 0.3)).toBe(7);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
    expect(() => quantileSorted([1, 2], 1.5)).toThrow(RangeError);
    expect(() => quantileSorted([1, 2], NaN)).toThrow(RangeError);
  });

  it('does not overflow between values of opposite sign near the double range', () => {
    expect(quantileSorted([-1e308, 1e308], 0.5)).toBe(0);
    expect(quantileSorted([-1.7e308, 1.7e308], 0.25)).toBeCloseTo(-0.85e308, -300);
  });
});

describe('summarizeNumeric', () => {
  it('matches numpy on a 13-value sample with ties and a null', () => {
    // sorted: [-3, -1, 0.5, 2, 3.5, 4, 4, 4, 6, 7, 7, 10, 12], n = 13, h = 12p
    //   p01: h = 0.12  → -3 + 0.12·2 = -2.76      p05: h = 0.6 → -3 + 0.6·2 = -1.8
    //   p25: h = 3     → x[3] = 2                 p50: h = 6   → x[6] = 4
    //   p75: h = 9     → x[9] = 7                 p95: h = 11.4 → 10 + 0.4·2 = 10.8
    //   p99: h = 11.88 → 10 + 0.88·2 = 11.76
    // mean = 56 / 13; numpy: np.std(x, ddof=1) = 4.195922929555455
    const values = [3.5, -1, 7, 7, 2, NaN, 10, 0.5, 4, 4, 4, 12, -3, 6];
    const s = summarizeNumeric(values);
    expect(s.count).toBe(13);
    expect(s.nulls).toBe(1);
    expect(s.nullRate).toBeCloseTo(1 / 14, 15);
    expect(s.min).toBe(-3);
    expect(s.max).toBe(12);
    expect(s.mean).toBeCloseTo(56 / 13, 12);
    expect(s.stddev).toBeCloseTo(4.195922929555455, 12);
    const q = s.quantiles!;
    expect(q.p01).toBeCloseTo(-2.76, 12);
    expect(q.p05).toBeCloseTo(-1.8, 12);
    expect(q.p25).toBe(2);
    expect(q.p50).toBe(4);
    expect(q.p75).toBe(7);
    expect(q.p95).toBeCloseTo(10.8, 12);
    expect(q.p99).toBeCloseTo(11.76, 12);
  });

  it('uses the sample (n − 1) standard deviation', () => {
    // [1, 2, 3, 4]: Σ(x − 2.5)² = 5 → sample variance 5/3, population variance 5/4
    expect(summarizeNumeric([1, 2, 3, 4]).stddev).toBeCloseTo(Math.sqrt(5 / 3), 14);
  });

  it('keeps precision for features with a large offset (e.g. epoch milliseconds)', () => {
    const base = 1.7e12;
    const s = summarizeNumeric([base + 1, base + 2, base + 3, base + 4]);
    expect(s.mean).toBe(base + 2.5);
    expect(s.stddev).toBeCloseTo(Math.sqrt(5 / 3), 6);
  });

  it('reports null (not NaN) for statistics that do not exist', () => {
    expect(summarizeNumeric([])).toEqual({
      count: 0,
      nulls: 0,
      nullRate: 0,
      min: null,
      max: null,
      mean: null,
      stddev: null,
      quantiles: null,
    });
    const allNull = summarizeNumeric([NaN, NaN]);
    expect(allNull.nullRate).toBe(1);
    expect(allNull.quantiles).toBeNull();
    const one = summarizeNumeric([5]);
    expect(one.stddev).toBeNull();
    expect(one.mean).toBe(5);
    expect(one.quantiles!.p99).toBe(5);
  });

  it('stays finite when the plain sums would overflow', () => {
    const s = summarizeNumeric([1.5e308, 1.6e308, 1.7e308]);
    expect(s.mean).toBeCloseTo(1.6e308, -300);
    expect(s.stddev).toBeCloseTo(1e307, -300);
    // the spread itself exceeds the double range: reported as null rather than Infinity
    expect(summarizeNumeric([-1.7e308, 1.7e308]).stddev).toBeNull();
  });

  it('summarizeSorted gives the same result as summarizeNumeric on a shared sort', () => {
    const values = [5, NaN, 1, 3, null, 2];
    const sorted = sortedFinite(values);
    expect(summarizeSorted(sorted, values.length - sorted.length)).toEqual(summarizeNumeric(values));
  });
});

describe('countBelow / countAtMost', () => {
  it('are lower and upper bounds', () => {
    const x = Float64Array.of(1, 2, 2, 2, 3);
    expect(countBelow(x, 2)).toBe(1);
    expect(countAtMost(x, 2)).toBe(4);
    expect(countBelow(x, 0)).toBe(0);
    expect(countAtMost(x, 9)).toBe(5);
  });
});
