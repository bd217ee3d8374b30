/**
 * The one description of Rewind's metrics and alarms, as data. The drift monitor publishes
 * the metrics named here; the CDK stack renders `AlarmSpec`s as CloudWatch alarms; the local
 * alarm evaluator (local/alarm-evaluator.ts) evaluates the very same specs on the EMF the
 * monitor prints. An alarm says what it rolls back: a view (drift alarms carry the view as a
 * metric dimension) or a model (whose consumed views are rolled back when recently activated).
 *
 * Every name and dimension here is per service (contract/service.ts), so that two stacks in
 * one account and region never share a metric stream or an alarm.
 */
import * as z from 'zod';
import { MONITOR_CHECKS, type MonitorCheck, type MonitorPolicy } from './monitor';
import { serviceAlarmPrefix } from './rules';
import { DEFAULT_SERVICE_NAME } from './service';

export const METRICS_NAMESPACE = 'Rewind';

export const METRIC = {
  /** Drift statistic of the served sample vs the baseline; dimension `statistic` ∈ psi | ks | js | nullRateIncrease. */
  featureDrift: 'FeatureDrift',
  /** Served null rate per feature, and the view's maximum. */
  nullRate: 'NullRate',
  /** Sampled rows the measurement was made on. */
  servedSamples: 'ServedSamples',
  /**
   * 1 per (view, version) each time the monitor looked at it, measured or not: its alarm treats
   * missing data as breaching, so a monitor that stops (crash, timeout, a catalog too big for
   * one run) pages instead of leaving the view unwatched.
   */
  monitorHeartbeat: 'MonitorHeartbeat',
  /**
   * Share of requests for entities the version's snapshot does not hold (new users): traffic
   * mix, not drift. Published on its own, never folded into the null rates.
   */
  unknownEntityShare: 'UnknownEntityShare',
  /** During a trial: the candidate's served sample against the stable version's in the same window (dimension `statistic`). */
  candidateVsStable: 'CandidateVsStable',
  /**
   * A page the functions sent (core/notifier.ts: stable drift with no rollback target, drift past
   * the rollback window, an alarm with no measurement behind it), per view and per service: the
   * stack's ops alarm on the per-service count notifies the ops topic.
   */
  page: 'Page',
  /** The monitor's own health, per service: views it failed on, skipped, and how long a round took. */
  monitorErrors: 'MonitorErrors',
  monitorSkipped: 'MonitorSkippedViews',
  monitorDuration: 'MonitorDuration',
  /** The scheduled drill (functions/scheduled-drill.ts), per service: its measured time to recover (s), and 1 per failed drill. */
  drillMttr: 'DrillMttrSeconds',
  drillFailed: 'DrillFailed',
} as const;

/**
 * Dimension sets, in the order the monitor emits them. `service` is the publishing function's
 * service name (Powertools adds it to every set; alarms must name it to match). Per feature: {view, version, feature,
 * statistic}. Per view: {view, version, statistic} for dashboards, and {view, statistic}
 * (no version) for alarms, which must be static while versions come and go.
 */
export const DIMENSIONS = {
  feature: ['service', 'view', 'version', 'feature', 'statistic'],
  viewVersion: ['service', 'view', 'version', 'statistic'],
  view: ['service', 'view', 'statistic'],
  /** Heartbeat and coverage: per served version. */
  version: ['service', 'view', 'version'],
  /** The monitor's ops metrics. */
  service: ['service'],
} as const;

export type TreatMissingData = 'notBreaching' | 'breaching' | 'ignore' | 'missing';
export type AlarmStatistic = 'Maximum' | 'Average' | 'Minimum' | 'Sum' | 'SampleCount';
export type ComparisonOperator = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** `page`: the alarm tells a person (ops topic) and never rolls anything back. */
export type AlarmTarget = { kind: 'view'; view: string; version?: number } | { kind: 'model'; model: string; bakeWindowMinutes: number } | { kind: 'page'; view: string; version?: number };

export interface AlarmSpec {
  alarmName: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: AlarmStatistic;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** Drift alarms: no sample is no evidence of drift (a quiet view must not roll back). */
  treatMissingData: TreatMissingData;
  target: AlarmTarget;
  /**
   * SNS topics notified on ALARM and on OK: the ops topic for an alarm that pages (`target.kind`
   * `page`), when the stack has one. Drift alarms have none: their state change reaches the
   * rollback rule through the default event bus, and a rollback that cannot happen pages from
   * alarm-rollback (METRIC.page).
   */
  alarmActions?: string[];
}

/**
 * The name prefix of every drift alarm of a service (the IAM resource of sync-alarms and the
 * bake check).
 *
 * @example driftAlarmPrefix() // 'rewind-drift-'
 * @example driftAlarmPrefix('rewind-rewinddev') // 'rewind-rewinddev-drift-'
 */
export function driftAlarmPrefix(service: string = DEFAULT_SERVICE_NAME): string {
  return `${serviceAlarmPrefix(service)}drift-`;
}

/**
 * The name prefix under which a view's drift alarms are found. Other views' may share it (the
 * prefix of view `user` also matches `user-profile`'s): their `view` dimension tells them apart.
 */
export function viewDriftAlarmPrefix(view: string, service: string = DEFAULT_SERVICE_NAME): string {
  return `${driftAlarmPrefix(service)}${view}-`;
}

/**
 * @example driftAlarmName('user_profile', 'psi') // 'rewind-drift-user_profile-psi'
 * @example driftAlarmName('user_profile', 'psi', 'rewind', 3) // 'rewind-drift-user_profile-v3-psi'
 */
export function driftAlarmName(view: string, check: MonitorCheck, service: string = DEFAULT_SERVICE_NAME, version?: number): string {
  return `${viewDriftAlarmPrefix(view, service)}${version === undefined ? '' : `v${version}-`}${check}`;
}

/**
 * The name prefix of the monitor's heartbeat alarms of a service. They page and must never
 * roll back, so they are named like ops alarms (`ops-…`), outside the `<service>-` prefix the
 * rollback rule listens for (contract/rules.ts).
 *
 * @example monitorAlarmPrefix() // 'ops-rewind-monitor-'
 */
export function monitorAlarmPrefix(service: string = DEFAULT_SERVICE_NAME): string {
  return `ops-${service}-monitor-`;
}

/** Whether an alarm is a monitor heartbeat (of any service): it pages about the monitor, not about a model. */
export function isHeartbeatAlarm(name: string): boolean {
  return /^ops-.+-monitor-.+-v\d+-heartbeat$/.test(name);
}

/** @example heartbeatAlarmName('user_profile', 3) // 'ops-rewind-monitor-user_profile-v3-heartbeat' */
export function heartbeatAlarmName(view: string, version: number, service: string = DEFAULT_SERVICE_NAME): string {
  return `${monitorAlarmPrefix(service)}${view}-v${version}-heartbeat`;
}

export interface DriftAlarmOptions {
  /** The service whose metrics the alarms watch and whose names they take. @default 'rewind' */
  service?: string;
  /** Overrides the policy's period (the local runtime runs 1 s periods). */
  periodSeconds?: number;
  /**
   * The served version the alarms watch (stable or candidate): names and dimensions then carry
   * it, so the alarm says which version drifted and that version alone pays; a new activation
   * gets new alarms, starting in INSUFFICIENT_DATA, so the same fault alarms again. Also adds
   * the version's heartbeat alarm. Absent: the version-less view alarms of old.
   */
  version?: number;
  /** The ops topic (REWIND_OPS_TOPIC_ARN) that alarms which page notify. */
  opsTopicArn?: string;
  /**
   * `version` is a candidate on trial (canary or shadow): it also gets one alarm per check on
   * CandidateVsStable, its served sample against the stable version's in the same window, so a
   * candidate that drifts from what stable serves to the same traffic is dropped like any
   * drifting version, whatever its baseline says.
   */
  candidate?: boolean;
}

/**
 * @example vsStableAlarmName('user_profile', 'psi', 'rewind', 4) // 'rewind-drift-user_profile-v4-vsStable-psi'
 */
export function vsStableAlarmName(view: string, check: MonitorCheck, service: string = DEFAULT_SERVICE_NAME, version: number): string {
  return `${viewDriftAlarmPrefix(view, service)}v${version}-vsStable-${check}`;
}

/**
 * The drift alarms of one view, from the monitor policy of its active version. A check whose
 * `alarmAbove` is null has no alarm. `periodSeconds` overrides the policy's period; below
 * 60 s CloudWatch needs high-resolution metrics, which the monitor then publishes.
 *
 * @example driftAlarmsForView('user_profile', resolvePolicy().monitor).map((a) => a.alarmName)
 * // ['rewind-drift-user_profile-psi', 'rewind-drift-user_profile-js', 'rewind-drift-user_profile-nullRateIncrease']
 * @example driftAlarmsForView('user_profile', resolvePolicy().monitor, { service: 'rewind-rewinddev' })[0].alarmName
 * // 'rewind-rewinddev-drift-user_profile-psi', watching FeatureDrift{service: 'rewind-rewinddev', …}
 */
export function driftAlarmsForView(view: string, monitor: MonitorPolicy, options: DriftAlarmOptions = {}): AlarmSpec[] {
  const service = options.service ?? DEFAULT_SERVICE_NAME;
  const version = options.version;
  const periodSeconds = options.periodSeconds ?? monitor.periodSeconds;
  const drift = MONITOR_CHECKS.flatMap((check) => {
    const threshold = monitor.alarmAbove[check];
    if (threshold === null || threshold === undefined) return [];
    return [
      {
        alarmName: driftAlarmName(view, check, service, version),
        description: `Served ${check} of '${view}'${version === undefined ? '' : ` v${version}`} vs its baseline above ${threshold}: Rewind rolls ${version === undefined ? 'the view' : 'that version'} back`,
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.featureDrift,
        dimensions: (version === undefined ? { service, view, statistic: check } : { service, view, version: String(version), statistic: check }) as Record<string, string>,
        statistic: 'Maximum',
        periodSeconds,
        evaluationPeriods: monitor.evaluationPeriods,
        datapointsToAlarm: Math.min(monitor.datapointsToAlarm, monitor.evaluationPeriods),
        threshold,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        target: (version === undefined ? { kind: 'view', view } : { kind: 'view', view, version }) as AlarmTarget,
      } satisfies AlarmSpec,
    ];
  });
  if (version === undefined) return drift;
  const vsStable = options.candidate ? drift.map((spec) => candidateVsStableAlarm(spec, view, version, service)) : [];
  const heartbeat = heartbeatAlarm(view, version, periodSeconds, monitor, service);
  return [...drift, ...vsStable, options.opsTopicArn ? { ...heartbeat, alarmActions: [options.opsTopicArn] } : heartbeat];
}

/**
 * A drift alarm of a candidate, on the comparison with stable instead of the baseline: same
 * threshold (the monitor corrects both figures for their noise), period and datapoints, same
 * target (the candidate alone is dropped). Missing data (no trial window measured) is not breaching.
 */
function candidateVsStableAlarm(drift: AlarmSpec, view: string, version: number, service: string): AlarmSpec {
  const check = drift.dimensions.statistic as MonitorCheck;
  return {
    ...drift,
    alarmName: vsStableAlarmName(view, check, service, version),
    description: `Served ${check} of '${view}' candidate v${version} vs what the stable version served in the same window above ${drift.threshold}: Rewind drops the candidate`,
    metricName: METRIC.candidateVsStable,
  };
}

/**
 * "The monitor has not looked at this version for a whole evaluation": the heartbeat is
 * published every round whatever the sample size, so missing data means the monitor is down,
 * late or failing on the view, and is breaching. It pages; it never rolls back.
 */
function heartbeatAlarm(view: string, version: number, periodSeconds: number, monitor: MonitorPolicy, service: string): AlarmSpec {
  return {
    alarmName: heartbeatAlarmName(view, version, service),
    description: `The drift monitor has not measured '${view}' v${version} for ${monitor.evaluationPeriods} period(s) of ${periodSeconds} s: the view is unwatched and cannot be rolled back on drift`,
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.monitorHeartbeat,
    dimensions: { service, view, version: String(version) },
    statistic: 'SampleCount',
    periodSeconds,
    evaluationPeriods: monitor.evaluationPeriods,
    datapointsToAlarm: monitor.evaluationPeriods,
    threshold: 1,
    comparisonOperator: 'LessThanThreshold',
    treatMissingData: 'breaching',
    target: { kind: 'page', view, version },
  };
}

/**
 * A model-performance alarm a team already has, attached to Rewind through the dependency
 * map: when it fires, every view whose active version lists `model` among its consumers and
 * was activated within `bakeWindowMinutes` is rolled back (older activations are presumed
 * innocent: the model was fine with them for longer than the bake window).
 */
export interface ModelAlarmBinding {
  alarmName: string;
  model: string;
  bakeWindowMinutes: number;
}

export const DEFAULT_BAKE_WINDOW_MINUTES = 60;
/** JSON list of ModelAlarmBinding, given to the alarm-rollback function (and read by infra). */
export const MODEL_ALARMS_ENV = 'REWIND_MODEL_ALARMS';

const BindingSchema = z
  .object({
    alarmName: z.string().min(1).max(255),
    model: z.string().min(1),
    bakeWindowMinutes: z.number().int().min(1).max(7 * 24 * 60).default(DEFAULT_BAKE_WINDOW_MINUTES),
  })
  .strict();

/**
 * Parse the model-alarm bindings (from REWIND_MODEL_ALARMS); throws naming the variable.
 *
 * @example parseModelAlarmBindings('[{"alarmName":"churn-auc-low","model":"churn-model"}]')
 */
export function parseModelAlarmBindings(json: string | undefined): ModelAlarmBinding[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new Error(`${MODEL_ALARMS_ENV} is not valid JSON`, { cause });
  }
  const parsed = z.array(BindingSchema).safeParse(raw);
  if (!parsed.success) throw new Error(`${MODEL_ALARMS_ENV}: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/**
 * Alarm-name prefixes a stack's EventBridge rule must match: its service's own, plus each
 * bound model alarm by its full name.
 *
 * @example alarmNamePrefixes([{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }], 'rewind-rewinddev')
 * // ['rewind-rewinddev-', 'churn-auc-low']
 */
export function alarmNamePrefixes(bindings: readonly ModelAlarmBinding[], service: string = DEFAULT_SERVICE_NAME): string[] {
  const own = serviceAlarmPrefix(service);
  return [own, ...bindings.map((b) => b.alarmName).filter((name) => !name.startsWith(own))];
}
