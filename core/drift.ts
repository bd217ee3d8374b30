/**
 * Drift of what is served: for each view's served versions (stable, and the canary or shadow
 * candidate on trial), the serving sample of the last complete monitor window is profiled and
 * compared with the version's drift baseline (see MonitorPolicy.baseline), with its noise taken
 * out (core/stats/noise.ts): what is alarmed is the statistic ABOVE what a healthy sample of
 * that size reaches at the view's `falsePositiveRate`.
 *
 * Windows do not overlap (core/validation/window.ts): each datapoint is built from the batches
 * of its own period only, so "2 of 3 datapoints" are three independent measurements.
 *
 * Requests for entities the snapshot does not hold are not rows of the sample (core/sampling.ts):
 * they are coverage, reported as `unknownShare`, never as nulls. During a trial the candidate is
 * also compared with what the STABLE version served in the same window (`vsStable`): a change
 * in who calls moves both alike and cancels out; a bad candidate does not.
 *
 * Views are measured independently with bounded concurrency, each reported the moment it is
 * done (`onMeasured`), and each with its own deadline: one slow or broken view never delays or
 * blinds the monitor to another. The result is plain numbers; publishing them is the entry
 * point's job.
 */
import type { Deps } from './deps';
import type { FeatureType, FeatureValue, VersionRecord } from './model';
import type { SampleBatch, SampleStore } from './sampling';
import { viewDrift, type NoiseCheck, type NoisyFeatureDrift } from './stats/noise';
import { driftBaselineVersion, versionProfiles } from './validation/baseline';
import { profileRecords, SERVED_SAMPLE_PROFILE, type Profiles } from './validation/profiles';
import { MONITOR_CHECKS, monitorPolicyOf, type MonitorCheck, type MonitorPolicy } from './validation/tolerances';
import { inWindow, monitorWindow, type MonitorWindow } from './validation/window';

export interface FeatureDrift {
  type: FeatureType;
  /** Raw statistics, as preflight computes them. */
  psi?: number;
  ks?: number;
  js?: number;
  /** Null rate of the served sample. */
  nullRate: number;
  /** max(0, served null rate − baseline null rate). */
  nullRateIncrease: number;
  /** The statistics above their noise allowance: what the alarms compare with `alarmAbove`. */
  corrected: Partial<Record<MonitorCheck, number>>;
}

export type ServedRole = 'stable' | 'candidate';

export interface DriftMeasurement {
  view: string;
  version: number;
  role: ServedRole;
  baselineVersion: number;
  /** The window the datapoint measures. */
  window: MonitorWindow;
  /** Sampled rows compared (known entities only), and requests they were drawn from (all). */
  samples: number;
  served: number;
  /** Requests for entities the version has no row for, and their share of `served`. */
  unknown: number;
  unknownShare: number;
  features: Record<string, FeatureDrift>;
  /** The view's maximum of each RAW statistic over its features (dashboards). */
  max: Partial<Record<MonitorCheck, number>>;
  /** The view's maximum of each noise-corrected statistic: the alarmed figures. */
  corrected: Partial<Record<MonitorCheck, number>>;
  /** Candidate only: corrected maxima against the stable version's sample of the same window. */
  vsStable?: Partial<Record<MonitorCheck, number>>;
  /** Highest served null rate over the features. */
  maxNullRate: number;
  monitor: MonitorPolicy;
}

export interface DriftSkip {
  view: string;
  version?: number;
  reason: string;
  /** True when the monitor FAILED on it (an error or its deadline), not merely had too few samples. */
  failed?: boolean;
}

export interface ProfileCache {
  get(key: string): Profiles | undefined;
  set(key: string, profiles: Profiles): unknown;
}

export interface DriftOptions {
  /** Overrides every policy's period (the local runtime's 1 s or 10 s periods). */
  periodSeconds?: number;
  /** Seconds after a window's end before it is read: lets the last flushes land. @default 0 */
  settleSeconds?: number;
  /** Most batches read per version and window. @default 2000 */
  maxBatches?: number;
  /** Profiles of immutable versions, kept across runs by the caller (key `${view}#${version}`). */
  profileCache?: ProfileCache;
  /** Views measured at once. @default 8 */
  concurrency?: number;
  /** A view not done after this long is reported failed and the others go on. @default 20 000 */
  viewTimeoutMs?: number;
  /** Called as soon as each view is done, with its measurements and skips. */
  onMeasured?: (result: ViewResult) => void | Promise<void>;
}

export interface ViewResult {
  view: string;
  measured: DriftMeasurement[];
  skipped: DriftSkip[];
}

/**
 * Measure every active view.
 *
 * @example
 * const { measured } = await measureDrift(deps, samples, { onMeasured: publish });
 * measured[0].corrected.psi // 0.41
 */
export async function measureDrift(
  deps: Pick<Deps, 'catalog' | 'pointers' | 'snapshots' | 'clock'>,
  samples: SampleStore,
  options: DriftOptions = {},
): Promise<{ measured: DriftMeasurement[]; skipped: DriftSkip[] }> {
  const measured: DriftMeasurement[] = [];
  const skipped: DriftSkip[] = [];
  const now = deps.clock.now();
  const views = await deps.catalog.listViews();
  await boundedEach(views, options.concurrency ?? 8, async (view) => {
    let result: ViewResult;
    try {
      result = await withDeadline(measureView(deps, samples, view, now, options), options.viewTimeoutMs ?? 20_000, `measuring '${view}'`);
    } catch (error) {
      result = { view, measured: [], skipped: [{ view, reason: `failed: ${error instanceof Error ? error.message : String(error)}`, failed: true }] };
    }
    measured.push(...result.measured);
    skipped.push(...result.skipped);
    await options.onMeasured?.(result);
  });
  return { measured, skipped };
}

async function measureView(deps: Pick<Deps, 'catalog' | 'pointers' | 'snapshots'>, samples: SampleStore, view: string, now: Date, options: DriftOptions): Promise<ViewResult> {
  const out: ViewResult = { view, measured: [], skipped: [] };
  const pointer = await deps.pointers.getPointer(view);
  if (pointer?.stable == null) {
    out.skipped.push({ view, reason: 'serves nothing' });
    return out;
  }
  const served: { version: number; role: ServedRole }[] = [{ version: pointer.stable, role: 'stable' }, ...(pointer.candidate ? [{ version: pointer.candidate.version, role: 'candidate' as const }] : [])];
  let stableSample: { record: VersionRecord; rows: Record<string, FeatureValue>[] } | undefined;
  for (const { version, role } of served) {
    const record = await deps.catalog.getVersion(view, version);
    if (!record) {
      out.skipped.push({ view, version, reason: 'served version record is missing', failed: true });
      continue;
    }
    const monitor = monitorPolicyOf(record.validation);
    const window = monitorWindow(options.periodSeconds ?? monitor.periodSeconds, now, options.settleSeconds ?? 0);
    const batches = (await samples.recent(view, version, window.from, options.maxBatches ?? 2000)).filter((b) => inWindow(b, window));
    const rows = batches.flatMap((b) => b.rows.map((r) => toRecord(b.features, r)));
    if (role === 'stable') stableSample = { record, rows };
    if (rows.length < monitor.minSamples) {
      out.skipped.push({ view, version, reason: `${rows.length} sampled values in the window ${window.from}–${window.to}, fewer than minSamples ${monitor.minSamples}` });
      continue;
    }
    const baselineVersion = driftBaselineVersion(record);
    const baseline = await cachedProfiles(deps, options.profileCache, baselineVersion === record.version ? record : await versionRecord(deps, view, baselineVersion));
    const m = compare(record, baselineVersion, baseline, rows, pointer.disabledFeatures, monitor);
    m.role = role;
    m.window = window;
    m.served = batches.reduce((n, b) => n + b.served, 0);
    m.unknown = batches.reduce((n, b) => n + (b.unknown ?? 0), 0);
    m.unknownShare = m.served > 0 ? m.unknown / m.served : 0;
    if (role === 'candidate' && stableSample && stableSample.rows.length >= monitor.minSamples) {
      // The same window's traffic, served by stable: the comparison traffic mix cannot fool.
      const reference = profileRecords(stableSample.record.definition, stableSample.rows, SERVED_SAMPLE_PROFILE);
      m.vsStable = compare(record, stableSample.record.version, reference, rows, pointer.disabledFeatures, monitor).corrected;
    }
    out.measured.push(m);
  }
  return out;
}

/**
 * Compare sampled rows of `record` with baseline profiles, noise taken out (pure; exported for
 * tests). The window, role and coverage are the caller's to fill in.
 *
 * @example compare(record, 1, baselineProfiles, rows, [], policy.monitor).corrected.psi
 */
export function compare(
  record: Pick<VersionRecord, 'view' | 'version' | 'definition'>,
  baselineVersion: number,
  baseline: Profiles,
  rows: readonly (Record<string, FeatureValue> | undefined)[],
  disabled: readonly string[],
  monitor: MonitorPolicy,
): DriftMeasurement {
  // A switched-off feature is served as its default on purpose; that is not drift.
  const features = record.definition.features.filter((f) => !disabled.includes(f.name));
  const sample = profileRecords({ features }, rows, SERVED_SAMPLE_PROFILE);
  const alarmed = MONITOR_CHECKS.filter((c) => monitor.alarmAbove[c] !== null && monitor.alarmAbove[c] !== undefined) as NoiseCheck[];
  const drift = viewDrift(features, baseline, sample, { alarmed: alarmed.length ? alarmed : [...MONITOR_CHECKS], falsePositiveRate: monitor.falsePositiveRate });
  const out: Record<string, FeatureDrift> = {};
  let maxNullRate = 0;
  for (const f of features) {
    const d: NoisyFeatureDrift | undefined = drift.features[f.name];
    const now = sample[f.name]!;
    const nullRate = now.kind === 'numeric' ? now.summary.nullRate : now.nullRate;
    maxNullRate = Math.max(maxNullRate, nullRate);
    if (!d) {
      out[f.name] = { type: f.type, nullRate, nullRateIncrease: 0, corrected: {} };
      continue;
    }
    const entry: FeatureDrift = { type: f.type, nullRate, nullRateIncrease: d.nullRateIncrease, corrected: { ...d.corrected } };
    if (d.psi !== undefined) entry.psi = d.psi;
    if (d.ks !== undefined) entry.ks = d.ks;
    if (d.js !== undefined) entry.js = d.js;
    out[f.name] = entry;
  }
  const window = monitorWindow(monitor.periodSeconds, new Date(0));
  return {
    view: record.view,
    version: record.version,
    role: 'stable',
    baselineVersion,
    window,
    samples: rows.length,
    served: rows.length,
    unknown: 0,
    unknownShare: 0,
    features: out,
    max: { ...drift.max },
    corrected: { ...drift.maxCorrected },
    maxNullRate,
    monitor,
  };
}

/** Runs `task` over `items`, at most `limit` at once; a task's failure is its own (tasks catch). */
async function boundedEach<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
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

/** Sum of served requests of the batches (the bake's evidence). */
export function servedIn(batches: readonly Pick<SampleBatch, 'served' | 'unknown'>[]): number {
  return batches.reduce((n, b) => n + b.served, 0);
}
