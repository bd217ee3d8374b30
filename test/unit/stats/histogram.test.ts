import { binEdgesFromBaseline, categoryFrequencies, histogram } from '../../../core/stats/histogram';

describe('binEdgesFromBaseline', () => {
  it('uses interior type-7 quantiles of the baseline', () => {
    const baseline = Float64Array.from({ length: 101 }, (_, i) => i); // 0..100
    expect(binEdgesFromBaseline(baseline, 4)).toEqual([25, 50, 75]);
    expect(binEdgesFromBaseline(baseline)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('deduplicates edges on heavily tied baselines', () => {
    // np.quantile([0,0,0,0,0,1,2], [.25,.5,.75]) = [0, 0, 0.5]
    expect(binEdgesFromBaseline(Float64Array.of(0, 0, 0, 0, 0, 1, 2), 4)).toEqual([0, 0.5]);
    expect(binEdgesFromBaseline(Float64Array.of(3, 3, 3), 10)).toEqual([3]);
  });

  it('gives a single bin for an empty baseline or bins = 1', () => {
    expect(binEdgesFromBaseline(new Float64Array(0))).toEqual([]);
    expect(binEdgesFromBaseline(Float64Array.of(1, 2, 3), 1)).toEqual([]);
    expect(() => binEdgesFromBaseline(Float64Array.of(1), 0)).toThrow(RangeError);
  });
});

describe('histogram', () => {
  it('counts (−∞,e0), [e0,e1), …, [ek,∞) with left-closed bins', () => {
    expect(histogram(Float64Array.of(-5, 1, 2, 2, 9), [1, 2])).toEqual([1, 1, 3]);
    expect(histogram(Float64Array.of(0, 1, 2), [])).toEqual([3]);
    expect(histogram(new Float64Array(0), [1, 2])).toEqual([0, 0, 0]);
  });

  it('puts candidate values outside the baseline range into the open outer bins', () => {
    const edges = binEdgesFromBaseline(Float64Array.of(10, 20, 30, 40, 50), 2); // [30]
    expect(histogram(Float64Array.of(-1000, 29, 30, 1e9), edges)).toEqual([2, 2]);
  });

  it('rejects edges that are not strictly increasing or not finite', () => {
    expect(() => histogram(Float64Array.of(1), [2, 1])).toThrow(RangeError);
    expect(() => histogram(Float64Array.of(1), [1, 1])).toThrow(RangeError);
    expect(() => histogram(Float64Array.of(1), [Infinity])).toThrow(RangeError);
  });
});

describe('categoryFrequencies', () => {
  it('keeps the top k, folds the rest into other, and counts nulls', () => {
    expect(categoryFrequencies(['a', 'b', 'a', null, 'c', undefined], 2)).toEqual({
      categories: { a: 2, b: 1 },
      other: 1,
      nulls: 2,
      distinct: 3,
    });
  });

  it('breaks count ties by name so profiles are deterministic', () => {
    expect(categoryFrequencies(['z', 'y', 'x', 'y', 'z'], 1).categories).toEqual({ y: 2 });
  });

  it('counts booleans as "true"/"false"', () => {
    expect(categoryFrequencies([true, false, true, null])).toEqual({
      categories: { true: 2, false: 1 },
      other: 0,
      nulls: 1,
      distinct: 2,
    });
  });

  it('treats prototype-looking category names as ordinary keys', () => {
    const f = categoryFrequencies(['__proto__', 'constructor', '__proto__']);
    expect(Object.hasOwn(f.categories, '__proto__')).toBe(true);
    expect(f.categories['__proto__']).toBe(2);
    expect(f.categories['constructor']).toBe(1);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });

  it('keeps every category with maxCategories = Infinity and rejects bad limits and types', () => {
    expect(categoryFrequencies(['a', 'b', 'c'], Infinity).other).toBe(0);
    expect(() => categoryFrequencies(['a'], -1)).toThrow(RangeError);
    expect(() => categoryFrequencies([1] as unknown as string[])).toThrow(TypeError);
  });
});
