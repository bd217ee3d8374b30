/**
 * The after-activation half of Rewind, locally, wired like the stack wires it:
 *
 *   get-online (serving sampler) ─▶ samples table
 *   schedule (every monitorIntervalMs) ─▶ functions/drift-monitor ─▶ EMF
 *   EMF ─▶ LocalAlarmEvaluator (the alarm specs of contract/alarms.ts, per served version, period ≥ 1 s)
 *     heartbeat alarm in ALARM ─▶ Notifier (a loud console line by default)
 *   alarm state change ─▶ LocalEventBus ─▶ ALARM_ROLLBACK_RULE pattern ─▶ functions/alarm-rollback
 *   history table (the outbox) ─▶ HistoryOutboxRelay (local/runtime.ts) ─▶ LocalEventBus
 *     (FeatureViewRolledBack, …, FeatureArtifactRefreshed)
 *
 * Every box is the real handler or the real definition; only the transport is in process.
 * The alarms and the rule are those of the service the handlers run as (POWERTOOLS_SERVICE_NAME,
 * `rewind` in the local runtime), as in a stack.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { alarmNamePrefixes, driftAlarmsForView, MODEL_ALARMS_ENV, monitorAlarmPrefix, type AlarmSpec, type ModelAlarmBinding } from '../contract/alarms';
import { config, ENV, oneOf, optionalNumber, optionalString, type Env } from '../contract/config';
import { ALARM_ROLLBACK_RULE, alarmRollbackPattern } from '../contract/rules';
import type { PointerLog, VersionCatalog } from '../core/ports';
import { monitorPolicyOf } from '../core/validation/tolerances';
import { NO_DRIFT_SERIES } from '../core/drift-report';
import { createDeps } from '../store';
import { consoleNotifier, type Notifier } from '../core/notifier';
import { LocalAlarmEvaluator, type Transition } from './alarm-evaluator';
import { LocalEventBus } from './event-bus';
import { lambdaContext } from './gateway';

export interface LocalMonitoringOptions {
  /** Overrides every alarm's period (default: each policy's own, 60 s). Env: REWIND_ALARM_PERIOD_SECONDS. */
  alarmPeriodSeconds?: number;
  /** How often the drift monitor runs (default 60 s). Env: REWIND_MONITOR_INTERVAL_MS. */
  monitorIntervalMs?: number;
  /** How far back the monitor reads served samples (default 300 s). Env: REWIND_MONITOR_WINDOW_SECONDS. */
  monitorWindowSeconds?: number;
  /** How often serving samples are flushed (default 20 s). Env: REWIND_SAMPLE_FLUSH_MS. */
  sampleFlushMs?: number;
  /** Model-alarm bindings (what REWIND_MODEL_ALARMS carries in AWS). */
  modelAlarms?: ModelAlarmBinding[];
  /** The model alarms' own definitions, to evaluate locally (in AWS the teams own them). */
  modelAlarmSpecs?: AlarmSpec[];
  /** Who is paged locally (default: a loud console line; the drills' webhook plugs in here). */
  notifier?: Notifier;
}

export interface LocalMonitoring {
  bus: LocalEventBus;
  evaluator: LocalAlarmEvaluator;
  /** The alarm specs in force now (they follow the active versions' policies). */
  alarmDefinitions(): Promise<AlarmSpec[]>;
  /** Run the drift monitor once now, as its schedule would. */
  runMonitor(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Options from the environment, for `npm start`: REWIND_MONITORING=on, or setting
 * REWIND_ALARM_PERIOD_SECONDS or REWIND_MONITOR_INTERVAL_MS, enables. Parsed by the same rules
 * as the functions' (contract/config.ts): a malformed value throws naming its variable.
 */
export function monitoringOptionsFromEnv(env: Env = process.env): LocalMonitoringOptions | undefined {
  const on = oneOf(ENV.monitoring, ['on', 'off'], 'off', env) === 'on' || optionalString(ENV.alarmPeriodSeconds, env) !== undefined || optionalString(ENV.monitorIntervalMs, env) !== undefined;
  if (!on) return undefined;
  const num = (name: string) => optionalNumber(name, { range: 'positive' }, env);
  const alarmPeriodSeconds = num(ENV.alarmPeriodSeconds);
  const monitorIntervalMs = num(ENV.monitorIntervalMs);
  const monitorWindowSeconds = num(ENV.monitorWindowSeconds);
  const sampleFlushMs = num(ENV.sampleFlushMs);
  return {
    ...(alarmPeriodSeconds !== undefined ? { alarmPeriodSeconds } : {}),
    ...(monitorIntervalMs !== undefined ? { monitorIntervalMs } : {}),
    ...(monitorWindowSeconds !== undefined ? { monitorWindowSeconds } : {}),
    ...(sampleFlushMs !== undefined ? { sampleFlushMs } : {}),
  };
}

/** The environment the handlers need for monitoring; merged into the runtime's before they load. */
export function monitoringEnvironment(o: LocalMonitoringOptions): Record<string, string> {
  for (const [name, value] of Object.entries({ alarmPeriodSeconds: o.alarmPeriodSeconds, monitorIntervalMs: o.monitorIntervalMs, monitorWindowSeconds: o.monitorWindowSeconds, sampleFlushMs: o.sampleFlushMs }))
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new Error(`monitoring option ${name} must be a positive number, got ${value}`);
  return {
    [ENV.serveSampling]: 'on',
    [ENV.sampleFlushMs]: String(o.sampleFlushMs ?? 20_000),
    [ENV.monitorWindowSeconds]: String(o.monitorWindowSeconds ?? 300),
    ...(o.alarmPeriodSeconds !== undefined ? { [ENV.alarmPeriodSeconds]: String(o.alarmPeriodSeconds) } : {}),
    [MODEL_ALARMS_ENV]: JSON.stringify(o.modelAlarms ?? []),
  };
}

/**
 * Start the schedule, the evaluator and the bus (the runtime's outbox relay publishes onto
 * it). The environment of {@link monitoringEnvironment} must already be applied.
 */
export async function startLocalMonitoring(o: LocalMonitoringOptions): Promise<LocalMonitoring> {
  const { catalog, pointers } = createDeps();
  const deps = { catalog, pointers };
  const service = config.serviceName();
  const bus = new LocalEventBus();
  bus.addRule({ ...ALARM_ROLLBACK_RULE, pattern: alarmRollbackPattern(alarmNamePrefixes(o.modelAlarms ?? [], service)) });

  const alarmDefinitions = () => definitions(deps, o, service);
  const notifier = o.notifier ?? consoleNotifier();
  const evaluator = new LocalAlarmEvaluator({
    definitions: alarmDefinitions,
    publish: (event) => {
      pageOnHeartbeat(notifier, service, event);
      bus.publish(event);
    },
  }).start();
  // Loaded here, after the environment is applied, as Lambda would load them.
  const { addEmfSink } = await import('../functions/commons/powertools');
  // What the functions page (no rollback target, unmeasured alarm, …) goes to the same notifier.
  (await import('../functions/commons/notifier')).setNotifier(notifier);
  const removeSink = addEmfSink((document) => evaluator.ingest(document));
  // GET /views/{view}/drift reads the figures the evaluator took from the same EMF documents.
  const driftSeries = await import('../functions/commons/drift-series');
  driftSeries.setDriftSeriesSource(evaluator);
  const monitor = (await import('../functions/drift-monitor')).handler as unknown as (event: unknown, context: Context) => Promise<unknown>;

  let running: Promise<unknown> | undefined;
  const runMonitor = () => {
    running ??= monitor(scheduledEvent(), lambdaContext({ handler: 'drift-monitor' }))
      .catch((error: unknown) => console.error('local drift monitor failed', error))
      .finally(() => (running = undefined));
    return running;
  };
  const schedule = setInterval(() => void runMonitor(), o.monitorIntervalMs ?? 60_000);
  schedule.unref?.();

  return {
    bus,
    evaluator,
    alarmDefinitions,
    runMonitor,
    stop: async () => {
      clearInterval(schedule);
      // Write out what was sampled while the tables are still there.
      await (await import('../functions/commons/serving')).getServingSampler()?.stop();
      removeSink();
      driftSeries.setDriftSeriesSource(NO_DRIFT_SERIES);
      (await import('../functions/commons/notifier')).setNotifier(undefined);
      await Promise.allSettled([running, evaluator.stop()]);
      await bus.drain();
    },
  };
}

/** What the alarm definitions are read from: the views and their records (catalog), what each serves (pointers). */
interface DefinitionPorts {
  catalog: Pick<VersionCatalog, 'listViews' | 'getVersion'>;
  pointers: Pick<PointerLog, 'getPointer'>;
}

/**
 * Drift alarms of every served version (stable and candidate), each from its own policy, with
 * its heartbeat, as sync-alarms puts them in a stack; plus the model alarms.
 */
async function definitions(deps: DefinitionPorts, o: LocalMonitoringOptions, service: string): Promise<AlarmSpec[]> {
  const specs: AlarmSpec[] = [];
  for (const view of await deps.catalog.listViews()) {
    const pointer = await deps.pointers.getPointer(view);
    if (pointer?.stable == null) continue;
    for (const version of [pointer.stable, ...(pointer.candidate ? [pointer.candidate.version] : [])]) {
      const record = await deps.catalog.getVersion(view, version);
      const candidate = version === pointer.candidate?.version;
      specs.push(...driftAlarmsForView(view, monitorPolicyOf(record?.validation), { service, version, ...(candidate ? { candidate } : {}), ...(o.alarmPeriodSeconds ? { periodSeconds: o.alarmPeriodSeconds } : {}) }));
    }
  }
  return [...specs, ...(o.modelAlarmSpecs ?? [])];
}

/** A heartbeat alarm that went to ALARM: the monitor stopped watching a version. Paged, never routed to a rollback. */
function pageOnHeartbeat(notifier: Notifier, service: string, event: Transition['event']): void {
  const detail = event.detail as { alarmName: string; state: { value: string; reason: string }; configuration?: { metrics?: { metricStat?: { metric?: { dimensions?: Record<string, string> } } }[] } };
  if (!detail.alarmName.startsWith(monitorAlarmPrefix(service)) || detail.state.value !== 'ALARM') return;
  const dims = detail.configuration?.metrics?.[0]?.metricStat?.metric?.dimensions ?? {};
  void notifier.notify({
    kind: 'monitor-failed',
    view: dims.view ?? '?',
    ...(dims.version ? { version: Number(dims.version) } : {}),
    alarmName: detail.alarmName,
    summary: `the drift monitor has stopped measuring this version: it is unwatched (${detail.state.reason})`,
  });
}

function scheduledEvent() {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: process.env.AWS_REGION ?? 'us-east-1', // the SDK's own variable, not Rewind configuration
    resources: ['arn:aws:events:local:000000000000:rule/rewind-drift-monitor'],
    detail: {},
  };
}
