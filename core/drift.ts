/**
 * Drift of what is served: for each view's active version (and its canary or shadow
 * candidate, if any), the recent serving sample is
 * profiled and compared with the version's drift baseline (see MonitorPolicy.baseline) with
 * the same statistics preflight uses. The result is plain numbers; publishing them as
 * metrics is the entry point's job.
 */
import type { Deps } from './deps';
import type { FeatureType, FeatureValue, VersionRecord } from './model';
import type { SampleStore } from './sampling';
import { compareProfiles } from './stats/profile';
import { driftBaselineVersion, versionProfiles } from './validation/baseline';
import { monitorPolicyOf, type MonitorCheck, type MonitorPolicy } from './validation/tolerances';
import { profileCounts, profileRecords, type Profiles } from './validation/profiles';

export interface FeatureDrift {
  type: FeatureType;
  psi?: number;
  ks?: number;
  js?: number;
  /** Null rate of the served sample. */
  nullRate: number;
  /** max(0, served null rate − baseline null rate). */
  nullRateIncrease: number;
}

export interface DriftMeasurement {
  view: string;
  version: number;
  baselineVersion: number;
  /** Sampled rows compared, and requests they were drawn from. */
  samples: number;
  served: number;
  features: Record<string, FeatureDrift>;
  /** The view's maximum of each statistic over its features (absent: no feature has it). */
  max: Partial<Record<MonitorCheck, number>>;
  /** Highest served null rate over the features. */
  maxNullRate: number;
  monitor: MonitorPolicy;
}

export interface DriftSkip {
  view: string;
  version?: number;
  reason: string;
}

export interface ProfileCache {
  get(key: string): Profiles | undefined;
  set(key: string, profiles: Profiles): unknown;
}

export interface DriftOptions {
  /** How far back served samples are read. */
  windowMs: number;
  /** Most batches read per view (the newest win). */
  maxBatches?: number;
  /** Profiles of immutable versions, kept across runs by the caller (key `${view}#${version}`). */
  profileCache?: ProfileCache;
}

/**
 * Measure every active view. Views that serve nothing, have too few samples in the window,
 * or fail are skipped with a reason (one broken view must not blind the monitor to others).
 *
 * @example
 * const { measured } = await measureDrift(deps, samples, { windowMs: 300_000 });
 * measured[0].max.psi // 0.41
 */
export async function measureDrift(
  deps: Pick<Deps, 'catalog' | 'pointers' | 'snapshots' | 'clock'>,
  samples: SampleStore,
  options: DriftOptions,
): Promise<{ measured: DriftMeasurement[]; skipped: DriftSkip[] }> {
  const measured: DriftMeasurement[] = [];
  const skipped: DriftSkip[] = [];
  const since = new Date(deps.clock.now().getTime() - options.windowMs).toISOString();
  for (const view of await deps.catalog.listViews()) {
    try {
      const pointer = await deps.pointers.getPointer(view);
      if (pointer?.stable == null) {
        skipped.push({ view, reason: 'serves nothing' });
        continue;
      }
      // A canary or shadow candidate is measured too: its drift must be seen before it is
      // promoted, and the view's alarm rolling back drops the candidate.
      const versions = [pointer.stable, ...(pointer.candidate ? [pointer.candidate.version] : [])];
      for (const version of versions) {
        const record = await deps.catalog.getVersion(view, version);
        if (!record) {
          skipped.push({ view, version, reason: 'served version record is missing' });
          continue;
        }
        const monitor = monitorPolicyOf(record.validation);
        const batches = await samples.recent(view, record.version, since, options.maxBatches ?? 200);
        const rows = batches.flatMap((b) => b.rows.map((r) => toRecord(b.features, r)));
        if (rows.length < monitor.minSamples) {
          skipped.push({ view, version: record.version, reason: `${rows.length} sampled values in the window, fewer than minSamples ${monitor.minSamples}` });
          continue;
        }
        const baselineVersion = driftBaselineVersion(record);
        const baseline = await cachedProfiles(deps, options.profileCache, baselineVersion === record.version ? record : await versionRecord(deps, view, baselineVersion));
        const measurement = compare(record, baselineVersion, baseline, rows, pointer.disabledFeatures, monitor);
        measurement.served = batches.reduce((n, b) => n + b.served, 0);
        measured.push(measurement);
      }
    } catch (error) {
      skipped.push({ view, reason: `failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return { measured, skipped };
}

/**
 * Compare sampled rows of `record` with baseline profiles (pure; exported for tests).
 *
 * @example compare(record, 1, baselineProfiles, [{ age: 31 }], [], policy.monitor).max.psi
 */
export function compare(
  record: Pick<VersionRecord, 'view' | 'version' | 'definition'>,
  baselineVersion: number,
  baseline: Profiles,
  rows: readonly (Record<string, FeatureValue> | undefined)[],
  disabled: readonly string[],
  monitor: MonitorPolicy,
): DriftMeasurement {
  const sample = profileRecords(record.definition, rows);
  const features: Record<string, FeatureDrift> = {};
  const max: Partial<Record<MonitorCheck, number>> = {};
  let maxNullRate = 0;
  const raise = (check: MonitorCheck, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) max[check] = Math.max(max[check] ?? 0, value);
  };
  for (const f of record.definition.features) {
    // A switched-off feature is served as its default on purpose; that is not drift.
    if (disabled.includes(f.name)) continue;
    const before = baseline[f.name];
    const now = sample[f.name]!;
    const nullRate = profileCounts(now).nullRate;
    maxNullRate = Math.max(maxNullRate, nullRate);
    if (!before || before.kind !== now.kind) {
      features[f.name] = { type: f.type, nullRate, nullRateIncrease: 0 };
      continue;
    }
    const drift = compareProfiles(before, now, f.type);
    const entry: FeatureDrift = { type: f.type, nullRate, nullRateIncrease: Math.max(0, drift.nullRateDelta) };
    if (drift.psi !== undefined) entry.psi = drift.psi;
    if (drift.ks !== undefined) entry.ks = drift.ks.statistic;
    if (drift.js !== undefined) entry.js = drift.js;
    features[f.name] = entry;
    raise('psi', entry.psi);
    raise('ks', entry.ks);
    raise('js', entry.js);
    raise('nullRateIncrease', entry.nullRateIncrease);
  }
  return { view: record.view, version: record.version, baselineVersion, samples: rows.length, served: rows.length, features, max, maxNullRate, monitor };
}

async function versionRecord(deps: Pick<Deps, 'catalog'>, view: string, version: number): Promise<VersionRecord> {
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new Error(`baseline version ${version} of '${view}' is missing`);
  return record;
}

async function cachedProfiles(deps: Pick<Deps, 'snapshots'>, cache: ProfileCache | undefined, record: VersionRecord): Promise<Profiles> {
  const key = `${record.view}#${record.version}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const profiles = await versionProfiles(deps, record);
  cache?.set(key, profiles);
  return profiles;
}

function toRecord(features: readonly string[], row: readonly FeatureValue[]): Record<string, FeatureValue> {
  const out: Record<string, FeatureValue> = {};
  for (let i = 0; i < features.length; i++) out[features[i]!] = row[i] ?? null;
  return out;
}
