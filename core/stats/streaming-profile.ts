/**
 * Feature profiles built one batch of rows at a time, in memory that does not grow with the
 * number of rows: what a deploy job's validate step needs for a file of any size
 * (core/job-validation.ts). The profile is the same JSON shape as {@link profileFeature}'s.
 *
 * Numeric columns: count, nulls, min and max are exact; mean and standard deviation are exact
 * up to floating-point summation order (Welford's update). Order statistics (quantiles, the
 * histogram's own edges and counts, the 1,000-value sketch) come from a deterministic
 * compactor sketch: `k` values per level; a full level is sorted and every other value (the
 * offset alternating from one compaction to the next) moves up a level at twice the weight.
 * Weights are kept exactly, so the counts still add up to the column's count.
 *
 *  - While a column has fewer than `k` values (8,192 by default) nothing is compacted and the
 *    profile IS profileFeature's, bit for bit: a small file gets the synchronous deploy's
 *    profile, so its preflight verdict is the same.
 *  - Past that, each compaction at level h moves any rank by at most 2^h, and level h is
 *    compacted at most n / (k·2^h) times, so every rank is within H·n/k of the truth, H =
 *    ⌈log2(n/k)⌉ levels: a relative rank error of at most log2(n/k)/k (0.13 % at 10 million
 *    values, 0.2 % at 100 million), on top of the stored sketch's own 1/(2·1000). Alternating
 *    offsets cancel most of it in practice (test/unit/stats/streaming-profile.test.ts measures
 *    it). Memory: at most H·k doubles per numeric feature (≈ 1 MB at 100 million values).
 *
 * Categorical columns: counts are exact for the first {@link MAX_TRACKED_CATEGORIES} distinct
 * values; a value first seen after that is counted in `other` (and `distinct` is then a lower
 * bound). Below the cap the frequencies are categoryFrequencies' exactly.
 *
 * Both save their whole memory as plain JSON (`state()`) and come back from it (`fromState`)
 * as if never interrupted: a validation that runs across several invocations checkpoints
 * them between segments, and its final profile is the uninterrupted run's, bit for bit.
 */
import { binEdgesFromBaseline, histogram, type CategoryFrequencies } from './histogram';
import { SUMMARY_QUANTILES, quantileSorted, sortedFinite, type NumericSummary, type QuantileKey, type Quantiles } from './numeric';
import {
  PROFILE_VERSION,
  numericProfileFromSorted,
  sketchSorted,
  type CategoricalFeatureType,
  type FeatureProfile,
  type NumericFeatureType,
  type NumericProfile,
  type ProfileOptions,
  type StatsFeatureType,
} from './profile';

/** Values per compactor level; also how many values a column may have and still be profiled exactly. */
export const DEFAULT_COMPACTOR_SIZE = 8192;
/** Distinct categories counted exactly per feature. */
export const MAX_TRACKED_CATEGORIES = 100_000;

const DEFAULT_BINS = 10;
const DEFAULT_MAX_CATEGORIES = 20;

export interface StreamingProfileOptions extends ProfileOptions {
  /** Values per compactor level (even, ≥ 2). @default 8192 */
  compactorSize?: number;
  /** Distinct categories counted exactly per categorical feature (≥ 0). @default {@link MAX_TRACKED_CATEGORIES} */
  maxTrackedCategories?: number;
}

/** Version of the saved states below; a state of another version is refused, not misread. */
export const STREAMING_STATE_VERSION = 1;

/**
 * A float that JSON cannot hold as a number (±Infinity, NaN, −0) as a string naming it; any
 * other float as itself (JSON.stringify writes the shortest decimal that reads back to it exactly).
 */
export type JsonFloat = number | 'Infinity' | '-Infinity' | 'NaN' | '-0';

/** Everything a {@link StreamingNumericProfile} remembers, as plain JSON. */
export interface StreamingNumericState {
  stateVersion: typeof STREAMING_STATE_VERSION;
  kind: 'numeric';
  type: NumericFeatureType;
  compactorSize: number;
  /** Per level, its filled part: the little-endian bytes of a Float64Array, base64 (exact, and ~4× smaller than decimal). */
  levels: string[];
  /** Per level, the offset its next compaction keeps (0 or 1). */
  offsets: number[];
  count: number;
  nulls: number;
  min: JsonFloat;
  max: JsonFloat;
  mean: JsonFloat;
  m2: JsonFloat;
}

/** Everything a {@link StreamingCategoricalProfile} remembers, as plain JSON. */
export interface StreamingCategoricalState {
  stateVersion: typeof STREAMING_STATE_VERSION;
  kind: 'categorical';
  type: CategoricalFeatureType;
  maxTrackedCategories: number;
  /**
   * The tracked categories and their counts, in the order first seen. Pairs, not an object:
   * an object would put integer-like names ("7") first.
   */
  counts: [string, number][];
  untracked: number;
  nulls: number;
  total: number;
}

export type StreamingProfileState = StreamingNumericState | StreamingCategoricalState;

/** A numeric column's profile, fed value by value. */
export class StreamingNumericProfile {
  private readonly k: number;
  private readonly levels: Float64Array[] = [];
  private readonly fill: number[] = [];
  private readonly offsets: number[] = [];
  private count = 0;
  private nulls = 0;
  private min = Infinity;
  private max = -Infinity;
  private mean = 0;
  private m2 = 0;

  constructor(
    private readonly type: NumericFeatureType,
    private readonly options: StreamingProfileOptions = {},
  ) {
    this.k = options.compactorSize ?? DEFAULT_COMPACTOR_SIZE;
    if (!Number.isInteger(this.k) || this.k < 2 || this.k % 2 !== 0) throw new RangeError(`compactor size must be an even integer ≥ 2, got ${this.k}`);
  }

  /** The profile's whole memory as plain JSON, for {@link StreamingNumericProfile.fromState}; at most H·k doubles (≈ 1.4 MB of base64 at 100 million values). */
  state(): StreamingNumericState {
    return {
      stateVersion: STREAMING_STATE_VERSION,
      kind: 'numeric',
      type: this.type,
      compactorSize: this.k,
      levels: this.levels.map((buffer, level) => encodeFloats(buffer.subarray(0, this.fill[level]))),
      offsets: [...this.offsets],
      count: this.count,
      nulls: this.nulls,
      min: jsonFloat(this.min),
      max: jsonFloat(this.max),
      mean: jsonFloat(this.mean),
      m2: jsonFloat(this.m2),
    };
  }

  /**
   * The profile that saved `state`, going on as if never interrupted. `type` and the
   * compactor size of `options` must be the saved ones (a different size would be a different
   * sketch): anything else is refused with an Error, as is a state that is not one this code wrote.
   * Profile-only options (bins, sketch size, ...) may differ.
   */
  static fromState(type: NumericFeatureType, options: StreamingProfileOptions, state: StreamingNumericState): StreamingNumericProfile {
    const restored = new StreamingNumericProfile(type, options);
    const where = `numeric profile state`;
    checkHeader(state, 'numeric', type, where);
    if (state.compactorSize !== restored.k) throw new Error(`${where}: saved with compactor size ${state.compactorSize}, restored with ${restored.k}`);
    if (!Array.isArray(state.levels) || !Array.isArray(state.offsets) || state.levels.length !== state.offsets.length) throw new Error(`${where}: levels and offsets do not match`);
    if (!isCount(state.count) || !isCount(state.nulls)) throw new Error(`${where}: count and nulls must be non-negative integers`);
    let weight = 0;
    state.levels.forEach((encoded, level) => {
      const values = decodeFloats(encoded, where);
      // A full level is compacted the moment it fills, so a saved one holds fewer than k values.
      if (values.length >= restored.k) throw new Error(`${where}: level ${level} holds ${values.length} values, the compactor size is ${restored.k}`);
      const offset = state.offsets[level];
      if (offset !== 0 && offset !== 1) throw new Error(`${where}: level ${level}'s offset must be 0 or 1, got ${String(offset)}`);
      const buffer = new Float64Array(restored.k);
      buffer.set(values);
      restored.levels.push(buffer);
      restored.fill.push(values.length);
      restored.offsets.push(offset);
      weight += values.length * 2 ** level;
    });
    // A compaction keeps half its values at twice the weight, so the levels always weigh the count.
    if (weight !== state.count) throw new Error(`${where}: its levels weigh ${weight}, its count is ${state.count}`);
    restored.count = state.count;
    restored.nulls = state.nulls;
    restored.min = fromJsonFloat(state.min, where);
    restored.max = fromJsonFloat(state.max, where);
    restored.mean = fromJsonFloat(state.mean, where);
    restored.m2 = fromJsonFloat(state.m2, where);
    return restored;
  }

  /** One value: a finite number, or anything else (null, NaN, ±Infinity) as a null, as sortedFinite counts them. */
  add(value: number | null | undefined): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.nulls++;
      return;
    }
    const v = value + 0; // −0 is 0, as sortedFinite stores it
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const delta = v - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (v - this.mean);
    this.push(0, v);
  }

  private push(level: number, v: number): void {
    if (this.levels[level] === undefined) {
      this.levels[level] = new Float64Array(this.k);
      this.fill[level] = 0;
      this.offsets[level] = 0;
    }
    const buffer = this.levels[level]!;
    buffer[this.fill[level]!++] = v;
    if (this.fill[level] === this.k) {
      buffer.sort();
      const offset = this.offsets[level]!;
      this.offsets[level] = 1 - offset;
      this.fill[level] = 0;
      for (let i = offset; i < this.k; i += 2) this.push(level + 1, buffer[i]!);
    }
  }

  profile(): NumericProfile {
    if (this.levels.length <= 1) {
      // Never compacted: every value is here, and the profile is profileFeature's exactly.
      const values = this.levels[0]?.subarray(0, this.fill[0]) ?? new Float64Array(0);
      return numericProfileFromSorted(this.type, sortedFinite(values), this.nulls, this.options);
    }
    const ranks = this.weightedRanks();
    const summary: NumericSummary = {
      count: this.count,
      nulls: this.nulls,
      nullRate: this.nulls / (this.count + this.nulls),
      min: this.min,
      max: this.max,
      mean: Math.min(this.max, Math.max(this.min, this.mean)),
      stddev: this.count < 2 ? null : Math.sqrt(this.m2 / (this.count - 1)),
      quantiles: Object.fromEntries(Object.entries(SUMMARY_QUANTILES).map(([key, p]) => [key, quantileSorted(ranks, p)])) as Record<QuantileKey, number> as Quantiles,
    };
    const edges = binEdgesFromBaseline(ranks, this.options.bins ?? DEFAULT_BINS);
    return { profileVersion: PROFILE_VERSION, kind: 'numeric', type: this.type, summary, histogram: { edges, counts: histogram(ranks, edges) }, sketch: sketchSorted(ranks, this.options.sketchSize) };
  }

  /**
   * The column as the sketch sees it: a read-only array of `count` ascending values, value i
   * being the one of weighted rank i (the exact min and max at the ends), for the same
   * functions the exact profile uses (quantileSorted, binEdgesFromBaseline, histogram, sketchSorted).
   */
  private weightedRanks(): ArrayLike<number> {
    const items: { v: number; w: number }[] = [];
    this.levels.forEach((buffer, level) => {
      for (let i = 0; i < this.fill[level]!; i++) items.push({ v: buffer[i]!, w: 2 ** level });
    });
    items.sort((a, b) => a.v - b.v);
    const values = Float64Array.from(items, (x) => x.v);
    const ends = new Float64Array(items.length); // ends[i]: ranks below the end of item i
    let total = 0;
    items.forEach((x, i) => (ends[i] = total += x.w));
    const n = this.count;
    const { min, max } = this;
    const at = (rank: number): number => {
      if (rank <= 0) return min;
      if (rank >= n - 1) return max;
      let lo = 0;
      let hi = ends.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ends[mid]! > rank) hi = mid;
        else lo = mid + 1;
      }
      return values[lo]!;
    };
    return new Proxy({ length: n } as ArrayLike<number>, {
      get: (target, key) => (typeof key === 'string' && key !== 'length' && /^\d+$/.test(key) ? at(Number(key)) : Reflect.get(target, key)),
    });
  }
}

/** A categorical column's profile, fed value by value. */
export class StreamingCategoricalProfile {
  private readonly counts = new Map<string, number>();
  private readonly cap: number;
  private untracked = 0;
  private nulls = 0;
  private total = 0;

  constructor(
    private readonly type: CategoricalFeatureType,
    private readonly options: StreamingProfileOptions = {},
  ) {
    this.cap = options.maxTrackedCategories ?? MAX_TRACKED_CATEGORIES;
    if (!isCount(this.cap)) throw new RangeError(`max tracked categories must be a non-negative integer, got ${this.cap}`);
  }

  /** The profile's whole memory as plain JSON, for {@link StreamingCategoricalProfile.fromState}: the tracked categories in the order first seen. */
  state(): StreamingCategoricalState {
    return {
      stateVersion: STREAMING_STATE_VERSION,
      kind: 'categorical',
      type: this.type,
      maxTrackedCategories: this.cap,
      counts: [...this.counts],
      untracked: this.untracked,
      nulls: this.nulls,
      total: this.total,
    };
  }

  /**
   * The profile that saved `state`, going on as if never interrupted: the same categories
   * tracked (which ones are is decided by what came first, so it matters across a restart).
   * `type` and `options.maxTrackedCategories` must be the saved ones, or an Error says why not.
   */
  static fromState(type: CategoricalFeatureType, options: StreamingProfileOptions, state: StreamingCategoricalState): StreamingCategoricalProfile {
    const restored = new StreamingCategoricalProfile(type, options);
    const where = 'categorical profile state';
    checkHeader(state, 'categorical', type, where);
    if (state.maxTrackedCategories !== restored.cap) throw new Error(`${where}: saved with at most ${state.maxTrackedCategories} tracked categories, restored with ${restored.cap}`);
    if (!Array.isArray(state.counts) || state.counts.length > restored.cap) throw new Error(`${where}: counts must be at most ${restored.cap} [name, count] pairs`);
    let counted = 0;
    for (const entry of state.counts) {
      const [key, n] = Array.isArray(entry) ? entry : [];
      if (typeof key !== 'string' || !isCount(n) || n === 0 || restored.counts.has(key)) throw new Error(`${where}: bad or repeated category entry ${JSON.stringify(entry)}`);
      restored.counts.set(key, n);
      counted += n;
    }
    if (!isCount(state.untracked) || !isCount(state.nulls) || !isCount(state.total) || counted + state.untracked + state.nulls !== state.total) {
      throw new Error(`${where}: counts, untracked and nulls do not add up to the total`);
    }
    restored.untracked = state.untracked;
    restored.nulls = state.nulls;
    restored.total = state.total;
    return restored;
  }

  add(value: string | boolean | null | undefined): void {
    this.total++;
    if (value === null || value === undefined) {
      this.nulls++;
      return;
    }
    const key = typeof value === 'boolean' ? (value ? 'true' : 'false') : value;
    const seen = this.counts.get(key);
    if (seen !== undefined) this.counts.set(key, seen + 1);
    else if (this.counts.size < this.cap) this.counts.set(key, 1);
    else this.untracked++;
  }

  profile(): FeatureProfile {
    // The ranking of categoryFrequencies: count, then name.
    const ranked = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = ranked.slice(0, this.options.maxCategories ?? DEFAULT_MAX_CATEGORIES);
    let other = this.untracked;
    for (let i = kept.length; i < ranked.length; i++) other += ranked[i]![1];
    const frequencies: CategoryFrequencies = { categories: Object.fromEntries(kept), other, nulls: this.nulls, distinct: this.counts.size };
    return { profileVersion: PROFILE_VERSION, kind: 'categorical', type: this.type, count: this.total - this.nulls, nulls: this.nulls, nullRate: this.total === 0 ? 0 : this.nulls / this.total, frequencies };
  }
}

export type StreamingProfile = StreamingNumericProfile | StreamingCategoricalProfile;

export function streamingProfile(type: StatsFeatureType, options?: StreamingProfileOptions): StreamingProfile {
  return type === 'int' || type === 'float' ? new StreamingNumericProfile(type, options) : new StreamingCategoricalProfile(type, options);
}

/** {@link streamingProfile}'s profile that saved `state` (the class's own fromState, by the feature's type). */
export function streamingProfileFromState(type: StatsFeatureType, options: StreamingProfileOptions, state: StreamingProfileState): StreamingProfile {
  if (type === 'int' || type === 'float') return StreamingNumericProfile.fromState(type, options, state as StreamingNumericState);
  return StreamingCategoricalProfile.fromState(type, options, state as StreamingCategoricalState);
}

function checkHeader(state: StreamingProfileState, kind: StreamingProfileState['kind'], type: StatsFeatureType, where: string): void {
  if (typeof state !== 'object' || state === null) throw new Error(`${where}: not an object`);
  if (state.stateVersion !== STREAMING_STATE_VERSION) throw new Error(`${where}: version ${String(state.stateVersion)}, this code reads version ${STREAMING_STATE_VERSION}`);
  if (state.kind !== kind || state.type !== type) throw new Error(`${where}: saved for a ${String(state.type)} (${String(state.kind)}) feature, restored as ${type}`);
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function jsonFloat(x: number): JsonFloat {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

function fromJsonFloat(x: JsonFloat, where: string): number {
  if (typeof x === 'number' && Number.isFinite(x)) return x;
  switch (x) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
  }
  throw new Error(`${where}: ${JSON.stringify(x)} is not a float`);
}

// Little-endian whatever the host, so a state saved on one machine reads the same on any other.
function encodeFloats(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function decodeFloats(encoded: string, where: string): Float64Array {
  if (typeof encoded !== 'string') throw new Error(`${where}: a level must be a base64 string`);
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.byteLength % 8 !== 0) throw new Error(`${where}: a level of ${bytes.byteLength} bytes is not a whole number of doubles`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(bytes.byteLength / 8);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(i * 8, true);
  return values;
}
