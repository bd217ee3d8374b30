/**
 * Streaming profiles (core/stats/streaming-profile.ts): exactly profileFeature's below the
 * compactor size, and within the documented rank error log2(n/k)/k above it.
 */
import fc from 'fast-check';
import type { FeatureSpec, FeatureValue } from '../../../core/model';
import { countAtMost, countBelow, sortedFinite } from '../../../core/stats/numeric';
import { profileFeature, type NumericProfile } from '../../../core/stats/profile';
import { StreamingCategoricalProfile, StreamingNumericProfile, type StreamingProfileOptions } from '../../../core/stats/streaming-profile';
import { StreamingRowsProfile } from '../../../core/validation/profiles';

/** A deterministic skewed column (log-normal-ish) with some nulls. */
function column(n: number, seed = 7): (number | null)[] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => (next() < 0.05 ? null : Math.round(Math.exp(3 * next()) * 1000) / 100));
}

function streamed(values: (number | null)[], compactorSize?: number): NumericProfile {
  const s = new StreamingNumericProfile('float', compactorSize ? { compactorSize } : {});
  for (const v of values) s.add(v);
  return s.profile();
}

/** The rank fractions a value occupies in the sorted column: [below, at most]. */
function rankSpan(sorted: Float64Array, v: number): [number, number] {
  return [countBelow(sorted, v) / sorted.length, countAtMost(sorted, v) / sorted.length];
}

describe('StreamingNumericProfile', () => {
  it('is profileFeature exactly while the column is smaller than the compactor (a small file gets the synchronous profile)', () => {
    const values = column(5_000);
    values.push(-0, Infinity, NaN);
    expect(streamed(values)).toEqual(profileFeature('float', values.map((v) => v ?? NaN)));
  });

  it('is exact in count, nulls, min and max past the compactor, and the mean to rounding', () => {
    const values = column(60_000);
    const exact = profileFeature('float', values.map((v) => v ?? NaN));
    const s = streamed(values, 1024);
    expect(s.summary).toMatchObject({ count: exact.summary.count, nulls: exact.summary.nulls, nullRate: exact.summary.nullRate, min: exact.summary.min, max: exact.summary.max });
    expect(s.summary.mean!).toBeCloseTo(exact.summary.mean!, 9);
    expect(s.summary.stddev!).toBeCloseTo(exact.summary.stddev!, 6);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(exact.summary.count);
    expect(s.sketch).toHaveLength(1000);
  });

  it.each([
    [100_000, 256],
    [200_000, 1024],
  ])('keeps every quantile and sketch value within the documented rank error (n = %i, k = %i)', (n, k) => {
    const values = column(n, 11);
    const sorted = sortedFinite(values.map((v) => v ?? NaN));
    const bound = Math.ceil(Math.log2(sorted.length / k)) / k;
    const s = streamed(values, k);
    const checks: [number, number][] = [
      ...Object.entries({ p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 }).map(([key, p]) => [p, s.summary.quantiles![key as 'p50']] as [number, number]),
      ...s.sketch.map((v, j) => [(j + 0.5) / s.sketch.length, v] as [number, number]),
    ];
    let worst = 0;
    for (const [p, v] of checks) {
      const [lo, hi] = rankSpan(sorted, v);
      worst = Math.max(worst, p < lo ? lo - p : p > hi ? p - hi : 0);
    }
    expect(worst).toBeLessThanOrEqual(bound + 2 / sorted.length);
  });
});

describe('StreamingCategoricalProfile', () => {
  it('is profileFeature exactly below the category cap', () => {
    const values = Array.from({ length: 3_000 }, (_, i) => (i % 17 === 0 ? null : `c${(i * i) % 41}`));
    const s = new StreamingCategoricalProfile('string');
    for (const v of values) s.add(v);
    expect(s.profile()).toEqual(profileFeature('string', values));
    const b = new StreamingCategoricalProfile('bool');
    const bools = [true, false, null, true];
    for (const v of bools) b.add(v);
    expect(b.profile()).toEqual(profileFeature('bool', bools));
  });
});

/** Through JSON text and back: what a checkpoint in S3 holds is exactly what a state can be. */
function viaJson<T>(state: T): T {
  return JSON.parse(JSON.stringify(state)) as T;
}

/** `values` cut at `cuts` (positions, any order, repeats allowed): the segments of an interrupted run. */
function segments<T>(values: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (values.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const p of [...points, values.length]) {
    out.push(values.slice(from, p));
    from = p;
  }
  return out;
}

const cuts = fc.array(fc.nat({ max: 1_000 }), { minLength: 1, maxLength: 4 });

describe('StreamingNumericProfile state', () => {
  // Ties, ±0, nulls and non-finite values, and doubles of any magnitude (mean and m2 may overflow).
  const numeric = fc.oneof(
    { weight: 3, arbitrary: fc.double() },
    { weight: 3, arbitrary: fc.integer({ min: -5, max: 5 }) },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE) },
  );

  it('saved as JSON and restored at any points, profiles exactly as the run never interrupted (compaction across the cuts)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('int' as const, 'float' as const),
        fc.constantFrom(2, 4, 8, 16),
        fc.array(numeric, { maxLength: 400 }),
        cuts,
        (type, compactorSize, values, at) => {
          const options: StreamingProfileOptions = { compactorSize, bins: 5, sketchSize: 50 };
          const whole = new StreamingNumericProfile(type, options);
          for (const v of values) whole.add(v);
          let resumed: StreamingNumericProfile | undefined;
          for (const segment of segments(values, at)) {
            resumed = resumed ? StreamingNumericProfile.fromState(type, options, viaJson(resumed.state())) : new StreamingNumericProfile(type, options);
            for (const v of segment) resumed.add(v);
          }
          expect(resumed!.state()).toEqual(whole.state());
          expect(resumed!.profile()).toEqual(whole.profile());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps min = Infinity, max = −Infinity and an empty level through JSON', () => {
    const empty = new StreamingNumericProfile('float', { compactorSize: 4 });
    empty.add(null);
    const state = viaJson(empty.state());
    expect(state).toMatchObject({ min: 'Infinity', max: '-Infinity', count: 0, nulls: 1, levels: [] });
    expect(StreamingNumericProfile.fromState('float', { compactorSize: 4 }, state).profile()).toEqual(empty.profile());

    const compacted = new StreamingNumericProfile('float', { compactorSize: 4 });
    for (const v of [3, 1, 2, 0]) compacted.add(v); // level 0 full: compacted, now empty
    expect(compacted.state().levels.map((l) => Buffer.from(l, 'base64').length)).toEqual([0, 16]);
    const restored = StreamingNumericProfile.fromState('float', { compactorSize: 4 }, viaJson(compacted.state()));
    expect(restored.profile()).toEqual(compacted.profile());
    expect(restored.profile().summary.count).toBe(4);
  });

  it('refuses a state of another type, compactor size or version, or levels that do not weigh the count', () => {
    const s = new StreamingNumericProfile('int', { compactorSize: 8 });
    for (let i = 0; i < 20; i++) s.add(i);
    const state = s.state();
    expect(() => StreamingNumericProfile.fromState('float', { compactorSize: 8 }, state)).toThrow(/saved for a int/);
    expect(() => StreamingNumericProfile.fromState('int', { compactorSize: 16 }, state)).toThrow(/compactor size 8, restored with 16/);
    expect(() => StreamingNumericProfile.fromState('int', {}, state)).toThrow(/compactor size 8, restored with 8192/);
    expect(() => StreamingNumericProfile.fromState('int', { compactorSize: 8 }, { ...state, stateVersion: 2 as 1 })).toThrow(/version 2/);
    expect(() => StreamingNumericProfile.fromState('int', { compactorSize: 8 }, { ...state, count: 21 })).toThrow(/weigh 20, its count is 21/);
    expect(() => StreamingNumericProfile.fromState('int', { compactorSize: 8 }, { ...state, mean: 'big' as 'NaN' })).toThrow(/"big" is not a float/);
    expect(StreamingNumericProfile.fromState('int', { compactorSize: 8, bins: 3 }, state).profile().histogram.counts).toHaveLength(3);
  });
});

describe('StreamingCategoricalProfile state', () => {
  // Integer-like names ("7", "10") would come first in an object; "__proto__" is a key to keep too.
  const category = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', '7', '10', '', '__proto__', 'true') },
    { weight: 1, arbitrary: fc.string({ maxLength: 3, unit: 'binary' }) },
    { weight: 2, arbitrary: fc.constantFrom(true, false, null, undefined) },
  );

  it('saved as JSON and restored at any points, profiles exactly as the run never interrupted (the same categories tracked under the cap)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('string' as const, 'bool' as const),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(category, { maxLength: 200 }),
        cuts,
        (type, maxTrackedCategories, maxCategories, values, at) => {
          const options: StreamingProfileOptions = { maxTrackedCategories, maxCategories };
          const whole = new StreamingCategoricalProfile(type, options);
          for (const v of values) whole.add(v);
          let resumed: StreamingCategoricalProfile | undefined;
          for (const segment of segments(values, at)) {
            resumed = resumed ? StreamingCategoricalProfile.fromState(type, options, viaJson(resumed.state())) : new StreamingCategoricalProfile(type, options);
            for (const v of segment) resumed.add(v);
          }
          expect(resumed!.state()).toEqual(whole.state());
          expect(resumed!.profile()).toEqual(whole.profile());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps which categories are tracked: a value first seen after the cap stays untracked after a restore', () => {
    const options = { maxTrackedCategories: 2 };
    const s = new StreamingCategoricalProfile('string', options);
    for (const v of ['x', 'y', 'z']) s.add(v);
    const restored = StreamingCategoricalProfile.fromState('string', options, viaJson(s.state()));
    for (const v of ['z', 'z', 'x']) restored.add(v);
    expect(restored.profile()).toMatchObject({ kind: 'categorical', frequencies: { categories: { x: 2, y: 1 }, other: 3, nulls: 0, distinct: 2 } });
  });

  it('tracks MAX_TRACKED_CATEGORIES by default, and refuses a state of another cap, type or inconsistent counts', () => {
    const s = new StreamingCategoricalProfile('string');
    s.add('a');
    s.add(null);
    const state = s.state();
    expect(state).toMatchObject({ maxTrackedCategories: 100_000, counts: [['a', 1]], nulls: 1, total: 2 });
    expect(() => StreamingCategoricalProfile.fromState('string', { maxTrackedCategories: 5 }, state)).toThrow(/at most 100000 tracked categories, restored with 5/);
    expect(() => StreamingCategoricalProfile.fromState('bool', {}, state)).toThrow(/saved for a string/);
    expect(() => StreamingCategoricalProfile.fromState('string', {}, { ...state, total: 3 })).toThrow(/do not add up/);
    expect(() => StreamingCategoricalProfile.fromState('string', {}, { ...state, counts: [['a', 1], ['a', 0]], total: 2 })).toThrow(/bad or repeated/);
    expect(() => new StreamingCategoricalProfile('string', { maxTrackedCategories: -1 })).toThrow(RangeError);
  });
});

describe('StreamingRowsProfile state', () => {
  const features: FeatureSpec[] = [
    { name: 'age', type: 'int' },
    { name: 'score', type: 'float' },
    { name: 'city', type: 'string' },
    { name: 'active', type: 'bool' },
  ];
  const value = (f: FeatureSpec): fc.Arbitrary<FeatureValue> =>
    f.type === 'int' ? fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null)) : f.type === 'float' ? fc.oneof(fc.double(), fc.constant(null)) : f.type === 'string' ? fc.oneof(fc.constantFrom('ams', 'ber', 'cph', 'dub', '1'), fc.constant(null), fc.constant(true)) : fc.oneof(fc.boolean(), fc.constant(null), fc.constant('yes'));
  // A feature a row does not carry is a null: keys are optional.
  const row = fc.record(Object.fromEntries(features.map((f) => [f.name, value(f)])), { requiredKeys: [] }).map((values) => ({ values: values as Record<string, FeatureValue> }));

  it('saved as JSON and restored between batches, gives the uninterrupted profiles()', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 200 }), cuts, (rows, at) => {
        const options = { compactorSize: 8, maxTrackedCategories: 3 };
        const whole = new StreamingRowsProfile({ features }, options);
        whole.add(rows);
        let resumed: StreamingRowsProfile | undefined;
        for (const batch of segments(rows, at)) {
          resumed = resumed ? StreamingRowsProfile.fromState({ features }, viaJson(resumed.state()), options) : new StreamingRowsProfile({ features }, options);
          resumed.add(batch);
        }
        expect(resumed!.profiles()).toEqual(whole.profiles());
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a state whose features are not the definition’s, by name, type or order', () => {
    const state = new StreamingRowsProfile({ features }).state();
    expect(StreamingRowsProfile.fromState({ features }, viaJson(state)).profiles()).toEqual(new StreamingRowsProfile({ features }).profiles());
    const renamed = features.map((f) => (f.name === 'city' ? { ...f, name: 'town' } : f));
    const retyped = features.map((f) => (f.name === 'score' ? { ...f, type: 'int' as const } : f));
    expect(() => StreamingRowsProfile.fromState({ features: renamed }, state)).toThrow(/saved for features \[age:int, score:float, city:string, active:bool\], the definition declares \[age:int, score:float, town:string/);
    expect(() => StreamingRowsProfile.fromState({ features: retyped }, state)).toThrow(/score:int/);
    expect(() => StreamingRowsProfile.fromState({ features: [...features].reverse() }, state)).toThrow(/the definition declares \[active:bool/);
    expect(() => StreamingRowsProfile.fromState({ features: features.slice(1) }, state)).toThrow(/saved for features/);
    expect(() => StreamingRowsProfile.fromState({ features }, state, { compactorSize: 8 })).toThrow(/feature age: numeric profile state: saved with compactor size 8192/);
  });
});
