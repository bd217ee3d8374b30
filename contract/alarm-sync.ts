/**
 * Drift alarms in CloudWatch follow the views, which exist only at runtime: after a pointer
 * change, core/alarm-sync.ts (behind functions/sync-alarms.ts) reads what CloudWatch holds for the view and asks
 * {@link planDriftAlarmSync} what to put and what to delete. The alarms themselves come from
 * `driftAlarmsForView` (contract/alarms.ts), the same specs the local alarm evaluator runs,
 * so this file decides only the difference, and which alarms a purge of the whole service
 * deletes (when its stack is destroyed). Pure: no AWS, no clock.
 */
import type { MonitorPolicy } from './monitor';
import { driftAlarmPrefix, driftAlarmsForView, monitorAlarmPrefix, viewDriftAlarmPrefix, type AlarmSpec, type DriftAlarmOptions } from './alarms';
import { DEFAULT_SERVICE_NAME } from './service';

/** A drift alarm as CloudWatch describes it (store/cloudwatch-alarms.ts reads it back into this shape). */
export interface ExistingDriftAlarm {
  alarmName: string;
  /** The alarm's metric dimensions, by name: `service` and `view` say whose it is. */
  dimensions: Record<string, string>;
  /** What was put; compared with the spec to skip puts that would change nothing. */
  config?: Omit<AlarmSpec, 'alarmName' | 'target' | 'dimensions' | 'alarmActions'>;
  /** Its alarm actions (SNS topic ARNs); none is the same as an empty list. */
  alarmActions?: string[];
}

/** A version the view serves (stable, or the candidate on trial) and the monitor policy it carries. */
export interface ServedVersionPolicy {
  version: number;
  monitor: MonitorPolicy;
  /** The candidate on trial: it also gets its CandidateVsStable alarms. */
  candidate?: boolean;
}

export interface DriftAlarmSyncPlan {
  view: string;
  /** Alarms to create or update (PutMetricAlarm overwrites the configuration and keeps the state). */
  put: AlarmSpec[];
  /** Alarms already as specified: nothing to do. */
  unchanged: string[];
  /** The view's drift alarms that its policy no longer has (a check turned off, or the view serves nothing). */
  delete: string[];
}

/**
 * What to do to the view's drift alarms so that CloudWatch holds exactly the alarms of
 * `monitor` (the monitor policy of the version the view serves to everyone), or none when
 * the view serves nothing (`monitor` null), for one service (`options.service`, default
 * `rewind`: contract/service.ts).
 *
 * `existing` may hold other views' alarms: the prefix of view `user` also matches
 * `user-profile`'s. An alarm is the view's only when its name has the service's prefix and
 * its `service` and `view` dimensions say so; the others (another view's, another stack's)
 * are never touched.
 *
 * @example
 * planDriftAlarmSync('user_profile', resolvePolicy().monitor, [])
 * // → { put: [psi, js, nullRateIncrease alarms], unchanged: [], delete: [] }
 * planDriftAlarmSync('user_profile', null, [{ alarmName: 'rewind-drift-user_profile-psi', dimensions: { service: 'rewind', view: 'user_profile' } }])
 * // → { put: [], unchanged: [], delete: ['rewind-drift-user_profile-psi'] }
 */
export function planDriftAlarmSync(
  view: string,
  monitor: MonitorPolicy | readonly ServedVersionPolicy[] | null,
  existing: readonly ExistingDriftAlarm[],
  options: DriftAlarmOptions = {},
): DriftAlarmSyncPlan {
  const service = options.service ?? DEFAULT_SERVICE_NAME;
  // Per served version (stable and candidate): each version's own alarms and heartbeat.
  const desired = monitor === null ? [] : Array.isArray(monitor) ? monitor.flatMap((v: ServedVersionPolicy) => driftAlarmsForView(view, v.monitor, { ...options, version: v.version, ...(v.candidate ? { candidate: true } : {}) })) : driftAlarmsForView(view, monitor as MonitorPolicy, options);
  const prefixes = [viewDriftAlarmPrefix(view, service), `${monitorAlarmPrefix(service)}${view}-v`];
  const mine = existing.filter((a) => prefixes.some((p) => a.alarmName.startsWith(p)) && a.dimensions.view === view && a.dimensions.service === service);
  const byName = new Map(mine.map((a) => [a.alarmName, a]));
  const put: AlarmSpec[] = [];
  const unchanged: string[] = [];
  for (const spec of desired) {
    const current = byName.get(spec.alarmName);
    if (current && sameAlarm(current, spec)) unchanged.push(spec.alarmName);
    else put.push(spec);
  }
  const wanted = new Set(desired.map((s) => s.alarmName));
  const remove = mine.map((a) => a.alarmName).filter((name) => !wanted.has(name)).sort();
  return { view, put, unchanged, delete: remove };
}

/**
 * The drift alarms of `service` among `existing` (everything under its name prefix, every
 * view's), sorted: what deleting the stack of `service` deletes. As in
 * {@link planDriftAlarmSync}, an alarm is the service's only when its name has the service's
 * prefix AND its `service` dimension says so: the default stack's prefix `rewind-drift-` also
 * covers the alarms of a stack named `Drift` (`rewind-drift-drift-<view>-<check>`), which
 * this leaves alone.
 *
 * @example
 * driftAlarmsToPurge([
 *   { alarmName: 'rewind-drift-user_profile-psi', dimensions: { service: 'rewind', view: 'user_profile' } },
 *   { alarmName: 'rewind-drift-drift-v-psi', dimensions: { service: 'rewind-drift', view: 'v' } },
 * ])
 * // → ['rewind-drift-user_profile-psi']
 */
export function driftAlarmsToPurge(existing: readonly ExistingDriftAlarm[], service: string = DEFAULT_SERVICE_NAME): string[] {
  const prefixes = [driftAlarmPrefix(service), monitorAlarmPrefix(service)];
  return existing
    .filter((a) => prefixes.some((p) => a.alarmName.startsWith(p)) && a.dimensions.service === service)
    .map((a) => a.alarmName)
    .sort();
}

function sameAlarm(current: ExistingDriftAlarm, spec: AlarmSpec): boolean {
  if (!current.config) return false;
  const { alarmName: _n, target: _t, dimensions, alarmActions, ...config } = spec;
  // An ops topic added (or changed) since the alarm was put: put it again, with the action.
  const sameActions = [...(current.alarmActions ?? [])].sort().join('\n') === [...(alarmActions ?? [])].sort().join('\n');
  return sameActions && sameRecord(current.dimensions, dimensions) && (Object.keys(config) as (keyof typeof config)[]).every((k) => current.config![k] === config[k]);
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
