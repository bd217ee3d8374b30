/**
 * Automatic rollback from an alarm. This decides WHICH views an alarm is about and WHETHER
 * rolling them back is still right; the rollback itself is `rollbackView`, the same use case
 * a person calls (invariant 7), with actor `system:alarm/<alarm name>` and the alarm's reason.
 *
 * An alarm is about a view when its metric carries a `view` dimension (Rewind's drift
 * alarms), or when it is a bound model alarm (contract/alarms.ts) and the view's active
 * version lists that model as a consumer. An alarm whose metric names another `service` than
 * this stack's is another Rewind stack's (a dev stack beside prod in the same account: the
 * default stack's rule prefix `rewind-` also matches `rewind-rewinddev-…`) and is ignored:
 * its view of the same name is not this stack's view. A per-version drift alarm (a `version`
 * dimension) is about that version alone: see {@link driftRollback}. A view is left alone, and the log says why, when:
 *  - it does not exist or serves nothing;
 *  - the change that made its served version what it is was a rollback (feature switches
 *    since do not count): it is already on a restored version (a second alarm must not walk
 *    it further back: that is for a person to decide);
 *  - it changed after the alarm fired: someone already acted on what the alarm saw;
 *  - (model alarms) its version was activated longer ago than the bake window.
 * Redelivery of the same event is handled before this, by idempotency on the alarm's
 * state transition (see functions/alarm-rollback.ts).
 */
import * as z from 'zod';
import { driftAlarmPrefix, METRIC, METRICS_NAMESPACE, viewDriftAlarmPrefix } from '../contract/alarms';
import type { Deps } from './deps';
import { NoRollbackTargetError, RevisionConflictError, RewindError } from './errors';
import { backingMeasurement, measuredMetric, type MeasurementLog } from './measurements';
import type { HistoryEntry } from './model';
import { SILENT_NOTIFIER, type Notice, type Notifier } from './notifier';
import { rollbackView, type PointerChangeResult } from './pointer-changes';
import { DEFAULT_ROLLBACK_WITHIN_SECONDS, monitorPolicyOf } from './validation/tolerances';

/** What the rollback is attributed to (invariant 7). */
export function alarmActor(alarmName: string): string {
  return `system:alarm/${alarmName}`;
}

const AlarmEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  time: z.string().optional(),
  // Where the alarm lives. EventBridge sets both; the rule filters on them and so does screenAlarm.
  account: z.string().optional(),
  region: z.string().optional(),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: z.string(),
      reason: z.string().optional(),
      /** CloudWatch's JSON: threshold, period and the datapoints it judged (read for the measurement re-check). */
      reasonData: z.string().optional(),
      timestamp: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'must be a timestamp'),
    }),
    configuration: z
      .object({
        metrics: z
          .array(
            z.object({
              metricStat: z
                .object({
                  metric: z.object({ namespace: z.string().optional(), name: z.string().optional(), dimensions: z.record(z.string(), z.string()).optional() }).optional(),
                })
                .optional(),
            }),
          )
          .optional(),
      })
      .optional(),
  }),
});

export interface AlarmFired {
  eventId: string;
  alarmName: string;
  state: string;
  reason: string;
  firedAt: Date;
  /** Dimensions of the alarm's metric(s), merged. */
  dimensions: Record<string, string>;
  /** Namespace of each metric the alarm watches (`''` for a metric-math one; none: a composite alarm). */
  namespaces?: string[];
  /** Name of the (first) metric the alarm watches: FeatureDrift, or CandidateVsStable for a trial's comparison. */
  metricName?: string;
  account?: string;
  region?: string;
  /** From the state's reasonData, when CloudWatch gave it: what the alarm compared, over which range. */
  threshold?: number;
  periodSeconds?: number;
  /** Start of the first period the alarm evaluated. */
  evaluatedFrom?: Date;
}

const ReasonDataSchema = z.object({
  threshold: z.number().optional(),
  period: z.number().positive().optional(),
  startDate: z.string().refine((t) => !Number.isNaN(Date.parse(t))).optional(),
});

/** What reasonData says, or nothing when it is absent or unreadable (the re-check then uses its own range). */
function reasonFacts(reasonData: string | undefined): Pick<AlarmFired, 'threshold' | 'periodSeconds' | 'evaluatedFrom'> {
  if (!reasonData) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(reasonData);
  } catch {
    return {};
  }
  const parsed = ReasonDataSchema.safeParse(raw);
  if (!parsed.success) return {};
  return {
    ...(parsed.data.threshold !== undefined ? { threshold: parsed.data.threshold } : {}),
    ...(parsed.data.period !== undefined ? { periodSeconds: parsed.data.period } : {}),
    ...(parsed.data.startDate !== undefined ? { evaluatedFrom: new Date(parsed.data.startDate) } : {}),
  };
}

export type ParsedAlarm = { ok: true; alarm: AlarmFired } | { ok: false; problem: string };

/**
 * Read a "CloudWatch Alarm State Change" event; anything else is reported, never thrown.
 *
 * @example parseAlarmEvent({ 'detail-type': 'Scheduled Event' }) // { ok: false, problem: "detail-type: ..." }
 */
export function parseAlarmEvent(event: unknown): ParsedAlarm {
  const parsed = AlarmEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, problem: `${issue.path.join('.') || 'event'}: ${issue.message}` };
  }
  const { detail } = parsed.data;
  const firedAt = new Date(detail.state.timestamp);
  const dimensions: Record<string, string> = {};
  const namespaces: string[] = [];
  const metricName = detail.configuration?.metrics?.find((m) => m.metricStat?.metric?.name)?.metricStat?.metric?.name;
  for (const m of detail.configuration?.metrics ?? []) {
    Object.assign(dimensions, m.metricStat?.metric?.dimensions ?? {});
    // A metric-math expression has no metricStat: it names no namespace, and proves nothing.
    namespaces.push(m.metricStat?.metric?.namespace ?? '');
  }
  return {
    ok: true,
    alarm: {
      eventId: parsed.data.id,
      alarmName: detail.alarmName,
      state: detail.state.value,
      reason: detail.state.reason ?? `alarm ${detail.alarmName} is in ${detail.state.value}`,
      firedAt,
      dimensions,
      namespaces,
      ...(metricName !== undefined ? { metricName } : {}),
      ...(parsed.data.account !== undefined ? { account: parsed.data.account } : {}),
      ...(parsed.data.region !== undefined ? { region: parsed.data.region } : {}),
      ...reasonFacts(detail.state.reasonData),
    },
  };
}

/** What a stack trusts an alarm by: its own service, account and region, and the model alarms it was configured with. */
export interface AlarmTrust {
  /** The stack's service (POWERTOOLS_SERVICE_NAME): its drift alarms carry it as the `service` dimension and in their names. */
  service: string;
  /** The account the handler runs in; an alarm of another account is forged or forwarded. Unset: not checked (the rule filters it). */
  account?: string;
  /** Likewise, the region. */
  region?: string;
  /** The exact names of the model alarms bound in REWIND_MODEL_ALARMS. */
  modelAlarmNames: readonly string[];
}

export type Screened = { trusted: true; as: 'drift-alarm' | 'model-alarm' } | { trusted: false; why: string };

/**
 * Whether an alarm state change is one this stack may roll back on, before anything is read
 * or written. An automatic rollback needs no approval, so the trigger itself is the
 * authorization: anyone who can `PutMetricData` into some namespace, create an alarm, or
 * `SetAlarmState` can produce a state-change event, and only what the stack itself set up is
 * trusted:
 *  - the alarm is in this account and region (when they are known);
 *  - a model alarm is trusted by its exact bound name (a team's own alarm: any metric);
 *  - any other alarm must be a drift alarm of this stack: named under its view's drift-alarm
 *    prefix (contract/alarms.ts), every metric in namespace `Rewind`, with this stack's
 *    `service` dimension (present, not merely "not another one") and a `view` dimension.
 *
 * Residual trust, which IAM must carry: a principal allowed to `PutMetricData` into `Rewind`
 * with this service's dimensions, or to `SetAlarmState` on the drift alarms, can still trigger
 * a rollback (infra grants neither beyond the monitor and sync-alarms).
 *
 * @example screenAlarm(alarm, { service: 'rewind', modelAlarmNames: [] }) // { trusted: false, why: "metric namespace is 'Custom', not 'Rewind'" }
 */
export function screenAlarm(alarm: AlarmFired, trust: AlarmTrust): Screened {
  if (trust.account !== undefined && alarm.account !== trust.account)
    return { trusted: false, why: `alarm of account ${alarm.account ?? '(none)'}, not this stack's ${trust.account}` };
  if (trust.region !== undefined && alarm.region !== trust.region)
    return { trusted: false, why: `alarm of region ${alarm.region ?? '(none)'}, not this stack's ${trust.region}` };
  if (trust.modelAlarmNames.includes(alarm.alarmName)) return { trusted: true, as: 'model-alarm' };

  const prefix = driftAlarmPrefix(trust.service);
  if (!alarm.alarmName.startsWith(prefix))
    return { trusted: false, why: `'${alarm.alarmName}' is neither a drift alarm of this stack (${prefix}…) nor a bound model alarm` };
  const namespaces = alarm.namespaces ?? [];
  if (namespaces.length === 0) return { trusted: false, why: 'the alarm watches no metric (metric math or composite): not a drift alarm' };
  const foreign = namespaces.find((n) => n !== METRICS_NAMESPACE);
  if (foreign !== undefined) return { trusted: false, why: `metric namespace is '${foreign}', not '${METRICS_NAMESPACE}'` };
  const service = alarm.dimensions.service;
  if (service !== trust.service)
    return { trusted: false, why: service === undefined ? `the metric has no service dimension (this stack's is ${trust.service})` : `the metric's service is ${service}, not this stack's ${trust.service}` };
  const view = alarm.dimensions.view;
  if (view === undefined) return { trusted: false, why: 'the metric has no view dimension' };
  // The name must be this view's own: a lookalike `rewind-drift-orders-…` alarm on view `payments` is not orders' alarm.
  if (!alarm.alarmName.startsWith(viewDriftAlarmPrefix(view, trust.service)))
    return { trusted: false, why: `'${alarm.alarmName}' is not one of view ${view}'s drift alarms (${viewDriftAlarmPrefix(view, trust.service)}…)` };
  return { trusted: true, as: 'drift-alarm' };
}

export interface ModelBinding {
  alarmName: string;
  model: string;
  bakeWindowMinutes: number;
}

export type ViewOutcome =
  | { view: string; action: 'rolled-back'; fromVersion: number | null; toVersion: number; auditId?: string }
  | { view: string; action: 'none'; why: string };

export interface AutoRollbackResult {
  alarmName: string;
  /** How the views were found, or why none were. */
  resolvedBy: 'view-dimension' | 'model-binding' | 'nothing';
  model?: string;
  outcomes: ViewOutcome[];
  note?: string;
}

/**
 * Act on an alarm that fired: find its views and roll back those it is still about.
 * `service` is the one this function runs as (its POWERTOOLS_SERVICE_NAME): an alarm whose
 * metric has another `service` dimension is ignored, writing nothing, unless it is a bound
 * model alarm (a team's own alarm, bound by its exact name, may carry any dimensions).
 * Without `service`, or for an alarm with no `service` dimension, nothing is checked.
 *
 * @example await autoRollback(deps, alarm, bindings, 'rewind') // { outcomes: [{ view: 'user_profile', action: 'rolled-back', fromVersion: 2, toVersion: 1 }] }
 */
export interface AutoRollbackOptions {
  /**
   * The monitor's measurement records: a drift alarm about a version is acted on only when a
   * record above its threshold backs it (core/measurements.ts). Absent: not checked (a
   * deployment whose alarm function cannot read them yet).
   */
  measurements?: MeasurementLog;
  /** Who is told when an alarm is not acted on and a person must look. */
  notifier?: Notifier;
}

export async function autoRollback(deps: Deps, alarm: AlarmFired, bindings: readonly ModelBinding[] = [], service?: string, options: AutoRollbackOptions = {}): Promise<AutoRollbackResult> {
  const base = { alarmName: alarm.alarmName };
  if (alarm.state !== 'ALARM') return { ...base, resolvedBy: 'nothing', outcomes: [], note: `state is ${alarm.state}, not ALARM` };
  const alarmService = alarm.dimensions.service;
  if (service !== undefined && alarmService !== undefined && alarmService !== service && !bindings.some((b) => b.alarmName === alarm.alarmName))
    return { ...base, resolvedBy: 'nothing', outcomes: [], note: `alarm of another Rewind stack (service ${alarmService}, this stack's is ${service}): ignored` };

  const view = alarm.dimensions.view;
  if (view !== undefined) {
    const version = alarm.dimensions.version === undefined ? undefined : Number(alarm.dimensions.version);
    if (version !== undefined && !(Number.isInteger(version) && version >= 1))
      return { ...base, resolvedBy: 'nothing', outcomes: [], note: `version dimension '${alarm.dimensions.version}' is not a version number: ignored` };
    return { ...base, resolvedBy: 'view-dimension', outcomes: [await driftRollback(deps, alarm, view, version, options)] };
  }
  const binding = bindings.find((b) => b.alarmName === alarm.alarmName);
  if (!binding) return { ...base, resolvedBy: 'nothing', outcomes: [], note: 'the alarm names no view (no view dimension, no model binding)' };

  const outcomes: ViewOutcome[] = [];
  for (const candidate of await deps.catalog.listViews()) {
    const pointer = await deps.pointers.getPointer(candidate);
    if (pointer?.stable == null) continue;
    const record = await deps.catalog.getVersion(candidate, pointer.stable);
    if (!record?.consumers.includes(binding.model)) continue;
    outcomes.push(await rollBackIfStillBad(deps, alarm, candidate, options.notifier ?? SILENT_NOTIFIER, binding.bakeWindowMinutes));
  }
  return {
    ...base,
    resolvedBy: 'model-binding',
    model: binding.model,
    outcomes,
    ...(outcomes.length ? {} : { note: `no active view lists ${binding.model} as a consumer` }),
  };
}

/** How many history entries are read to find when the served version started being served. */
const ACTIVATION_LOOKBACK = 100;

/**
 * The pointer change that put `version` where it is served now (its activation, promotion,
 * canary start or restoring rollback), skipping feature switches: a disable/enable changes no
 * version, so it must reset neither the "already rolled back" guard nor a bake window.
 */
export async function servingEntry(deps: Pick<Deps, 'pointers'>, view: string, version: number): Promise<HistoryEntry | undefined> {
  const entries = await deps.pointers.history(view, ACTIVATION_LOOKBACK);
  return entries.find((e) => e.action !== 'disable' && e.action !== 'enable' && (e.after.stable === version || e.after.candidate?.version === version));
}

/**
 * A drift alarm. With a `version` dimension (per-version alarms), exactly that version pays:
 * a drifting candidate is dropped, a drifting stable version is rolled back only when no
 * candidate is on trial (the candidate is innocent, and rolling back would drop it); a version
 * no longer served is left alone. Before acting, the monitor's measurement record must back
 * the alarm; past the version's rollback window, drift pages instead of rolling back.
 */
async function driftRollback(deps: Deps, alarm: AlarmFired, view: string, version: number | undefined, options: AutoRollbackOptions): Promise<ViewOutcome> {
  const notifier = options.notifier ?? SILENT_NOTIFIER;
  if (version === undefined) return rollBackIfStillBad(deps, alarm, view, notifier);
  const page = async (kind: Notice['kind'], why: string): Promise<ViewOutcome> => {
    await notifier.notify({ kind, view, version, alarmName: alarm.alarmName, summary: why }).catch(() => undefined);
    return { view, action: 'none', why };
  };
  if (!(await deps.catalog.viewExists(view))) return { view, action: 'none', why: 'no such view' };
  const pointer = await deps.pointers.getPointer(view);
  if (pointer?.stable == null) return { view, action: 'none', why: 'the view serves nothing' };
  const role = pointer.candidate?.version === version ? 'candidate' : pointer.stable === version ? 'stable' : undefined;
  if (!role) return { view, action: 'none', why: `v${version} is no longer served (stable v${pointer.stable}${pointer.candidate ? `, candidate v${pointer.candidate.version}` : ''})` };

  const statistic = alarm.dimensions.statistic;
  if (options.measurements && statistic !== undefined) {
    const backed = await backedByMeasurement(options.measurements, alarm, view, version, statistic);
    if (!backed) return page('unmeasured-alarm', `${alarm.alarmName} is in ALARM but the monitor recorded no ${statistic} of ${view} v${version} above ${alarm.threshold ?? 'its threshold'} in the alarm's range: not acted on (a forged or stray alarm?)`);
  }

  const entry = await servingEntry(deps, view, version);
  const servedSince = entry ? Date.parse(entry.at) : 0;
  if (role === 'stable' && entry?.action === 'rollback')
    return { view, action: 'none', why: `already on a restored version: v${version} since a rollback by ${entry.actor} at ${entry.at}` };
  if (servedSince > alarm.firedAt.getTime())
    return { view, action: 'none', why: `v${version} was (re)activated at ${entry!.at}, after the alarm fired at ${alarm.firedAt.toISOString()}: someone already acted` };
  const record = await deps.catalog.getVersion(view, version);
  const within = monitorPolicyOf(record?.validation).rollbackWithinSeconds ?? DEFAULT_ROLLBACK_WITHIN_SECONDS;
  if (alarm.firedAt.getTime() - servedSince > within * 1000)
    return page('drift-past-rollback-window', `${view} v${version} has been served since ${entry?.at ?? 'before the history kept'}, longer than its rollback window of ${within} s: drift pages a person instead of rolling back`);
  if (role === 'stable' && pointer.candidate)
    return page('stable-drift-during-trial', `stable v${version} of ${view} drifted while v${pointer.candidate.version} is on trial: the candidate is not to blame and is left alone; decide by hand`);

  try {
    return await rollBackAsAlarm(deps, alarm, view, pointer.revision, notifier);
  } catch (error) {
    if (error instanceof NoRollbackTargetError) return page('no-rollback-target', `${view} v${version} drifted and there is nothing to roll back to (${error.message}): a person must act`);
    throw error;
  }
}

/**
 * The rollback itself, the same use case a person calls (invariant 7), at the revision the
 * checks were made on. Someone who moved the pointer meanwhile acted: we do not overrule them.
 * Throws NoRollbackTargetError, which each caller answers in its own way.
 */
async function rollBackAsAlarm(deps: Deps, alarm: AlarmFired, view: string, expectedRevision: number, notifier: Notifier): Promise<ViewOutcome> {
  try {
    const result: PointerChangeResult = await rollbackView(deps, alarmActor(alarm.alarmName), view, {
      reason: `${alarm.alarmName}: ${alarm.reason}`.slice(0, 1000),
      expectedRevision,
    });
    if (!result.changed) return { view, action: 'none', why: `already on v${result.toVersion}` };
    return { view, action: 'rolled-back', fromVersion: result.fromVersion, toVersion: result.toVersion, ...(result.auditId ? { auditId: result.auditId } : {}) };
  } catch (error) {
    if (error instanceof RevisionConflictError) return { view, action: 'none', why: `the pointer moved while rolling back (${error.message})` };
    if (error instanceof NoRollbackTargetError || !(error instanceof RewindError)) throw error;
    // Refused for a reason a retry will not change (the target's snapshot is corrupt, a purge
    // kept winning, …): the bad version is still served, so a person is told now, instead of
    // the event failing its retries in silence. A store that was unavailable throws (retried).
    const why = `${view} was not rolled back automatically by ${alarm.alarmName}: ${error.message}; the alarmed version is still served: a person must act`;
    await notifier.notify({ kind: 'rollback-failed', view, alarmName: alarm.alarmName, summary: why, detail: { code: error.code } }).catch(() => undefined);
    return { view, action: 'none', why };
  }
}

/** Evaluation periods assumed when the alarm's own are not known (the default policy's). */
const DEFAULT_RECHECK_PERIODS = 3;

async function backedByMeasurement(log: MeasurementLog, alarm: AlarmFired, view: string, version: number, statistic: string): Promise<boolean> {
  const periodMs = (alarm.periodSeconds ?? 60) * 1000;
  // The range the alarm judged, and one period before it for a datapoint stamped at its window's start.
  const since = new Date((alarm.evaluatedFrom?.getTime() ?? alarm.firedAt.getTime() - DEFAULT_RECHECK_PERIODS * periodMs) - periodMs);
  const records = await log.between(view, version, since.toISOString(), alarm.firedAt.toISOString());
  // The figure the alarm watches: drift against the baseline, or (during a trial) the candidate against the stable version.
  const metric = alarm.metricName ?? METRIC.featureDrift;
  if (alarm.threshold === undefined) return records.some((m) => m.statistic === statistic && measuredMetric(m) === metric);
  return backingMeasurement(records, { statistic, threshold: alarm.threshold, metric }) !== undefined;
}

async function rollBackIfStillBad(deps: Deps, alarm: AlarmFired, view: string, notifier: Notifier, bakeWindowMinutes?: number): Promise<ViewOutcome> {
  if (!(await deps.catalog.viewExists(view))) return { view, action: 'none', why: 'no such view' };
  const pointer = await deps.pointers.getPointer(view);
  if (pointer?.stable == null) return { view, action: 'none', why: 'the view serves nothing' };
  // The change that made the served version what it is, not the last entry: a feature
  // disable/enable since must reset neither this guard nor the bake window.
  const last = await servingEntry(deps, view, pointer.stable);
  if (last?.action === 'rollback')
    return { view, action: 'none', why: `already on a restored version: v${pointer.stable} since a rollback by ${last.actor} at ${last.at}` };
  const changedAt = last ? Date.parse(last.at) : 0;
  if (changedAt > alarm.firedAt.getTime())
    return { view, action: 'none', why: `the view changed at ${last!.at}, after the alarm fired at ${alarm.firedAt.toISOString()}: someone already acted` };
  if (bakeWindowMinutes !== undefined && alarm.firedAt.getTime() - changedAt > bakeWindowMinutes * 60_000)
    return { view, action: 'none', why: `v${pointer.stable} was activated at ${last?.at ?? 'an unknown time'}, before the ${bakeWindowMinutes}-minute bake window` };

  try {
    return await rollBackAsAlarm(deps, alarm, view, pointer.revision, notifier);
  } catch (error) {
    if (error instanceof NoRollbackTargetError) return { view, action: 'none', why: error.message };
    throw error;
  }
}
