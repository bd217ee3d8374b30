/**
 * What the console's drift charts show: for each feature of the versions a view serves now
 * (stable and candidate), the monitor's noise-corrected figures over a window, and whether the
 * latest of each is above the threshold its version's monitor policy alarms on. Read-only; the
 * figures come from a DriftSeriesSource (CloudWatch in AWS, the local evaluator locally).
 */
import { MONITOR_CHECKS, type MonitorCheck } from '../contract/monitor';
import type { Deps } from './deps';
import { ValidationError } from './errors';
import type { DriftSeries, DriftSeriesSource } from './ports/drift-series';
import { getView } from './queries';
import { monitorPolicyOf } from './validation/tolerances';

/** How far back the charts look when no `since` is given. */
export const DEFAULT_DRIFT_WINDOW_MS = 3 * 3600_000;
/** The longest window one request may ask for: 24 h of 60 s points is 1,440 a series. */
export const MAX_DRIFT_WINDOW_MS = 24 * 3600_000;

/** Where nothing keeps the monitor's figures (the local runtime without monitoring): every feature is unmeasured. */
export const NO_DRIFT_SERIES: DriftSeriesSource = { name: 'none', series: async () => [] };

export type FeatureDriftStatus = 'ok' | 'drifting' | 'unmeasured' | 'disabled';

export interface FeatureDriftReport {
  feature: string;
  /** `drifting`: a served version's latest figure of an alarmed statistic is above its threshold. */
  status: FeatureDriftStatus;
  /** Per served version and alarmed statistic, the latest figure and its threshold. */
  latest: { version: number; statistic: MonitorCheck; value: number; threshold: number; at: string }[];
  series: DriftSeries[];
}

export interface DriftReport {
  view: string;
  from: string;
  to: string;
  periodSeconds: number;
  source: DriftSeriesSource['name'];
  versions: { version: number; role: 'stable' | 'candidate' }[];
  features: FeatureDriftReport[];
}

export async function driftReport(
  deps: Pick<Deps, 'pointers' | 'catalog'>,
  source: DriftSeriesSource,
  view: string,
  window: { since?: string; until?: string },
  now: Date,
  /** The alarm period the stack or runtime forces on every policy (REWIND_ALARM_PERIOD_SECONDS), if any. */
  periodOverride?: number,
): Promise<DriftReport> {
  const to = window.until ? new Date(window.until) : now;
  const from = window.since ? new Date(window.since) : new Date(to.getTime() - DEFAULT_DRIFT_WINDOW_MS);
  if (from.getTime() >= to.getTime()) throw new ValidationError('query.since', 'must be before until (or now)');
  if (to.getTime() - from.getTime() > MAX_DRIFT_WINDOW_MS) throw new ValidationError('query.since', 'the window may span at most 24 hours');

  const { pointer } = await getView(deps, view);
  const served = [
    ...(pointer.stable != null ? [{ version: pointer.stable, role: 'stable' as const }] : []),
    ...(pointer.candidate ? [{ version: pointer.candidate.version, role: 'candidate' as const }] : []),
  ];
  const records = (await Promise.all(served.map((s) => deps.catalog.getVersion(view, s.version)))).filter((r) => r !== undefined);
  const policies = new Map(records.map((r) => [r.version, monitorPolicyOf(r.validation)]));
  const features = [...new Set(records.flatMap((r) => r.definition.features.map((f) => f.name)))];
  const periodSeconds = periodOverride ?? Math.min(...[...policies.values()].map((p) => p.periodSeconds), 3600);
  const series =
    records.length === 0 ? [] : await source.series({ view, versions: records.map((r) => r.version), features, statistics: MONITOR_CHECKS, from, to, periodSeconds });

  return {
    view,
    from: from.toISOString(),
    to: to.toISOString(),
    periodSeconds,
    source: source.name,
    versions: served,
    features: features.map((feature) => {
      const own = series.filter((s) => s.feature === feature);
      const latest = own.flatMap((s) => {
        const threshold = policies.get(s.version)?.alarmAbove[s.statistic];
        const last = s.points.at(-1);
        return threshold == null || !last ? [] : [{ version: s.version, statistic: s.statistic, value: last.value, threshold, at: last.at }];
      });
      const status: FeatureDriftStatus = pointer.disabledFeatures.includes(feature)
        ? 'disabled'
        : latest.some((l) => l.value > l.threshold)
          ? 'drifting'
          : own.some((s) => s.points.length > 0)
            ? 'ok'
            : 'unmeasured';
      return { feature, status, latest, series: own };
    }),
  };
}
