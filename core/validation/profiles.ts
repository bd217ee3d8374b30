/**
 * Feature profiles of a set of rows: one column per declared feature, handed to
 * core/stats. A feature a row does not carry is a null (it is served as its default, but for
 * the statistics a missing value is missing), so snapshot profiles and served samples count
 * nulls the same way.
 */
import type { FeatureType, FeatureValue, ViewDefinition } from '../model';
import type { FeatureRow } from '../rows';
import { profileFeature, type FeatureProfile, type ProfileOptions } from '../stats/profile';
import {
  StreamingNumericProfile,
  streamingProfile,
  streamingProfileFromState,
  type StreamingProfile,
  type StreamingProfileOptions,
  type StreamingProfileState,
} from '../stats/streaming-profile';

export type Profiles = Record<string, FeatureProfile>;

/** Everything a {@link StreamingRowsProfile} remembers, as plain JSON: each declared feature's state, in the definition's order. */
export interface StreamingRowsState {
  features: { name: string; type: FeatureType; state: StreamingProfileState }[];
}

/**
 * Profile every feature of `definition` over `rows` (values keyed by feature name; a missing
 * key or null is a null).
 *
 * @example profileRows(def, [{ entity: 'u1', values: { age: 31 } }]).age.summary.count // 1
 */
export function profileRows(definition: ViewDefinition, rows: readonly Pick<FeatureRow, 'values'>[]): Profiles {
  return profileRecords(definition, rows.map((r) => r.values));
}

/**
 * {@link profileRows} over bare value records (`undefined`: the entity had no row at all).
 *
 * A served sample should be profiled with {@link SERVED_SAMPLE_PROFILE} (every category kept):
 * with the default top 20, the category a sample folds into "other" is the one it happened to
 * see least, so comparing it with the baseline pools a cell chosen for being low, and JS
 * exceeds its noise allowance several times more often than it should.
 */
export function profileRecords(definition: Pick<ViewDefinition, 'features'>, records: readonly (Record<string, FeatureValue> | undefined)[], options?: ProfileOptions): Profiles {
  const profiles: Profiles = {};
  for (const feature of definition.features) profiles[feature.name] = profileFeature(feature.type, column(feature.name, feature.type, records), options);
  return profiles;
}

/** Profile options for a served sample (at most a few thousand rows, so keeping every category is cheap). */
export const SERVED_SAMPLE_PROFILE: Readonly<ProfileOptions> = Object.freeze({ maxCategories: Infinity });

function column(name: string, type: FeatureType, records: readonly (Record<string, FeatureValue> | undefined)[]): Float64Array | (string | boolean | null)[] {
  if (type === 'int' || type === 'float') {
    const out = new Float64Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const v = records[i]?.[name];
      out[i] = typeof v === 'number' ? v : NaN;
    }
    return out;
  }
  const out = new Array<string | boolean | null>(records.length);
  for (let i = 0; i < records.length; i++) {
    const v = records[i]?.[name];
    out[i] = typeof v === 'string' || typeof v === 'boolean' ? v : null;
  }
  return out;
}

/** Non-null values and null rate of a profile, whatever its kind. */
export function profileCounts(profile: FeatureProfile): { count: number; nulls: number; nullRate: number } {
  if (profile.kind === 'numeric') return { count: profile.summary.count, nulls: profile.summary.nulls, nullRate: profile.summary.nullRate };
  return { count: profile.count, nulls: profile.nulls, nullRate: profile.nullRate };
}

/**
 * {@link profileRows} fed a batch of rows at a time, in memory independent of the number of
 * rows (core/stats/streaming-profile.ts documents the error; a file of fewer than 8,192 rows
 * gets profileRows' profiles exactly).
 */
export class StreamingRowsProfile {
  private features: { name: string; type: FeatureType; profile: StreamingProfile }[];

  constructor(definition: Pick<ViewDefinition, 'features'>, options?: StreamingProfileOptions) {
    this.features = definition.features.map((f) => ({ name: f.name, type: f.type, profile: streamingProfile(f.type, options) }));
  }

  /**
   * The whole memory as plain JSON, for a validation that checkpoints between invocations;
   * {@link StreamingRowsProfile.fromState} goes on from it as if never interrupted.
   */
  state(): StreamingRowsState {
    return { features: this.features.map(({ name, type, profile }) => ({ name, type, state: profile.state() })) };
  }

  /**
   * The profile that saved `state`. Its features must be `definition`'s, by name and type in
   * the same order, and `options` the ones it was built with (compactor size, category cap):
   * otherwise an Error says which feature differs, rather than a profile of something else.
   */
  static fromState(definition: Pick<ViewDefinition, 'features'>, state: StreamingRowsState, options: StreamingProfileOptions = {}): StreamingRowsProfile {
    const saved = state?.features;
    if (!Array.isArray(saved)) throw new Error('streaming rows profile state: no features');
    const describe = (fs: readonly { name: string; type: string }[]) => fs.map((f) => `${f.name}:${f.type}`).join(', ');
    if (saved.length !== definition.features.length || definition.features.some((f, i) => saved[i]?.name !== f.name || saved[i]?.type !== f.type)) {
      throw new Error(`streaming rows profile state: saved for features [${describe(saved)}], the definition declares [${describe(definition.features)}]`);
    }
    const restored = new StreamingRowsProfile({ features: [] }, options);
    restored.features = definition.features.map((f, i) => {
      try {
        return { name: f.name, type: f.type, profile: streamingProfileFromState(f.type, options, saved[i]!.state) };
      } catch (error) {
        throw new Error(`streaming rows profile state, feature ${f.name}: ${(error as Error).message}`, { cause: error });
      }
    });
    return restored;
  }

  add(rows: readonly Pick<FeatureRow, 'values'>[]): void {
    for (const { name, profile } of this.features) {
      if (profile instanceof StreamingNumericProfile) for (const row of rows) profile.add(numberOrNull(row.values[name]));
      else for (const row of rows) profile.add(categoryOrNull(row.values[name]));
    }
  }

  profiles(): Profiles {
    return Object.fromEntries(this.features.map(({ name, profile }) => [name, profile.profile()]));
  }
}

function numberOrNull(v: FeatureValue | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

function categoryOrNull(v: FeatureValue | undefined): string | boolean | null {
  return typeof v === 'string' || typeof v === 'boolean' ? v : null;
}
