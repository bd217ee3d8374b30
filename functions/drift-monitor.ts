/**
 * Scheduled (the stack: every minute; locally: every REWIND_MONITOR_INTERVAL_MS). Compares
 * the serving sample of each served version (stable and candidate) over the last complete,
 * non-overlapping window with its baseline, noise taken out (core/drift.ts), and publishes
 * the figures as EMF through Powertools Metrics, in the names and dimension sets
 * contract/alarms.ts declares: `service` is this stack's service (POWERTOOLS_SERVICE_NAME), so
 * another stack's alarms never see this drift.
 *
 * A monitor that cannot go quiet:
 *  - views are measured concurrently (bounded) and each is PUBLISHED THE MOMENT IT IS DONE, so a
 *    slow view delays nobody and a timeout loses only what was not yet measured;
 *  - every version looked at gets a `MonitorHeartbeat` (its alarm treats missing data as
 *    breaching and pages), measured or not;
 *  - the monitor's own `MonitorErrors`, `MonitorSkippedViews` and `MonitorDuration` are
 *    published each round (ops alarms in infra/); a view it failed on is logged at ERROR;
 *  - every datapoint is also written as a measurement record (samples table, `M#<view>#<version>`),
 *    which the automatic rollback re-checks before acting on an alarm.
 *
 * Fast detection (REWIND_MONITOR_ROUND_SECONDS, the stack: 10): one invocation works in rounds
 * aligned on that many seconds until just before its deadline, each round publishing, so a
 * monitor started each minute evaluates every 10 s.
 *
 * Environment: REWIND_SAMPLES_TABLE (read, and measurement records), the shared tables (read),
 * the snapshot bucket (read, for baseline profiles); REWIND_ALARM_PERIOD_SECONDS: when set,
 * overrides the policies' alarm periods (the local runtime's 1 s); below 60 s metrics are
 * published high-resolution. Read once per container (contract/config.ts).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricResolution, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { LRUCache } from 'lru-cache';
import { DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../contract/alarms';
import { config } from '../contract/config';
import { measureDrift, type DriftMeasurement, type ViewResult } from '../core/drift';
import type { Measurement } from '../core/measurements';
import type { Profiles } from '../core/validation/profiles';
import { MONITOR_CHECKS, type MonitorCheck } from '../core/validation/tolerances';
import { getDeps } from './commons/deps';
import { getMeasurementLog } from './commons/measurements';
import { getSampleStore } from './commons/serving';
import { logger, SERVICE_NAME, TappedMetrics, tracer } from './commons/powertools';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

const metrics = new TappedMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
// Versions are immutable, so their profiles can be kept for the container's life; bounded
// because a container may watch many views over days (a profile is a few KB per feature).
const profileCache = new LRUCache<string, Profiles>({ max: 2000 });

/** A round is not started with less time left than this (the slowest view's deadline and a margin). */
const ROUND_MARGIN_MS = 8_000;

export interface DriftMonitorResult {
  rounds: number;
  measured: { view: string; version: number; role: string; baselineVersion: number; samples: number; corrected: DriftMeasurement['corrected']; unknownShare: number }[];
  skipped: { view: string; version?: number; reason: string; failed?: boolean }[];
}

const handle = async (_event: unknown, context: Context): Promise<DriftMonitorResult> => {
  const result: DriftMonitorResult = { rounds: 0, measured: [], skipped: [] };
  const roundSeconds = config.monitorRoundSeconds();
  for (;;) {
    const round = await runRound();
    result.rounds++;
    // Only the last round's figures are returned: the earlier ones were published already.
    result.measured = round.measured;
    result.skipped = round.skipped;
    if (roundSeconds === undefined) break;
    const roundMs = roundSeconds * 1000;
    const nextAt = Math.floor(Date.now() / roundMs) * roundMs + roundMs;
    if (context.getRemainingTimeInMillis() - (nextAt - Date.now()) < ROUND_MARGIN_MS) break;
    // Waiting for the next round's boundary is the schedule itself, not synchronization.
    await new Promise((resolve) => setTimeout(resolve, nextAt - Date.now()));
  }
  return result;
};

async function runRound(): Promise<Pick<DriftMonitorResult, 'measured' | 'skipped'>> {
  const started = Date.now();
  const periodOverride = config.alarmPeriodSeconds();
  const measurements = getMeasurementLog();
  let errors = 0;
  let skippedViews = 0;
  const onMeasured = async (view: ViewResult) => {
    for (const m of view.measured) publish(m);
    for (const s of view.skipped) {
      if (s.failed) {
        errors++;
        logger.error('drift not measured: the view is unwatched until this is fixed', { ...s });
      } else logger.info('drift not measured', { ...s });
      // The monitor looked at it: a version with too few samples is watched, just quiet.
      if (!s.failed && s.version !== undefined) heartbeat(s.view, s.version, periodOverride);
    }
    if (view.skipped.some((s) => s.failed)) skippedViews++;
    if (measurements && view.measured.length > 0) {
      try {
        await measurements.record(view.measured.flatMap(recordsOf));
      } catch (error) {
        // Without its record, an alarm on this datapoint is paged rather than acted on: loud.
        errors++;
        logger.error('measurement records not written', { view: view.view, error: error as Error });
      }
    }
  };
  let outcome: Awaited<ReturnType<typeof measureDrift>>;
  try {
    outcome = await measureDrift(getDeps(), getSampleStore(), {
      profileCache,
      onMeasured,
      ...(periodOverride !== undefined ? { periodSeconds: periodOverride } : {}),
      // Let the last flushes of a window land before it is read: a fifth of the period, at most 2 s.
      settleSeconds: Math.min(2, (periodOverride ?? config.monitorRoundSeconds() ?? 10) / 5),
    });
  } catch (error) {
    // The views could not even be listed: every view is blind. Counted, and thrown for Lambda's Errors.
    opsMetrics(1, 0, Date.now() - started, periodOverride);
    logger.error('drift monitor round failed before measuring any view', { error: error as Error });
    throw error;
  }
  opsMetrics(errors, skippedViews, Date.now() - started, periodOverride);
  return {
    measured: outcome.measured.map((m) => ({ view: m.view, version: m.version, role: m.role, baselineVersion: m.baselineVersion, samples: m.samples, corrected: m.corrected, unknownShare: m.unknownShare })),
    skipped: outcome.skipped,
  };
}

/** The measurement records of one datapoint: each alarmed figure, as published. */
export function recordsOf(m: DriftMeasurement): Measurement[] {
  const record = (statistic: MonitorCheck, value: number, metric?: Measurement['metric']): Measurement => ({
    view: m.view,
    version: m.version,
    statistic,
    value,
    from: m.window.from,
    to: m.window.to,
    samples: m.samples,
    ...(metric ? { metric } : {}),
  });
  return MONITOR_CHECKS.flatMap((statistic) => {
    const value = m.corrected[statistic];
    const vsStable = m.vsStable?.[statistic];
    // During a trial, the candidate against the stable version too: what its CandidateVsStable alarms watch.
    return [...(value === undefined ? [] : [record(statistic, value)]), ...(vsStable === undefined ? [] : [record(statistic, vsStable, METRIC.candidateVsStable)])];
  });
}

function resolutionFor(periodSeconds: number) {
  return periodSeconds < 60 ? MetricResolution.High : MetricResolution.Standard;
}

/** One EMF document per dimension set (Powertools warns on keys shared between sets), stamped at `at`. */
function emitter(at: number, resolution: (typeof MetricResolution)[keyof typeof MetricResolution], metadata?: Record<string, string>) {
  return (name: string, unit: Unit, value: number, ...dimensionSets: Record<string, string>[]) => {
    for (const set of dimensionSets) {
      metrics.setTimestamp(at);
      metrics.addDimensions(set);
      metrics.addMetric(name, unit, value, resolution);
      for (const [k, v] of Object.entries(metadata ?? {})) metrics.addMetadata(k, v);
      metrics.publishStoredMetrics();
    }
  };
}

function publish(m: DriftMeasurement): void {
  const period = config.alarmPeriodSeconds() ?? m.monitor.periodSeconds;
  const view = m.view;
  const version = String(m.version);
  // Stamped with the window's start: the datapoint lands in the alarm period it measures.
  const emit = emitter(m.window.fromMs, resolutionFor(period), { baselineVersion: String(m.baselineVersion), role: m.role });
  for (const [feature, d] of Object.entries(m.features)) {
    for (const statistic of MONITOR_CHECKS) {
      const value = d.corrected[statistic];
      if (value !== undefined) emit(METRIC.featureDrift, MetricUnit.NoUnit, value, pick(DIMENSIONS.feature, { view, version, feature, statistic }));
    }
    emit(METRIC.nullRate, MetricUnit.NoUnit, d.nullRate, { view, version, feature });
  }
  for (const [statistic, value] of Object.entries(m.corrected)) {
    // Per version: what the alarms watch. The version-less set only for what everyone is
    // served (stable), for dashboards and alarms synced before per-version alarms.
    const sets = [pick(DIMENSIONS.viewVersion, { view, version, statistic }), ...(m.role === 'stable' ? [pick(DIMENSIONS.view, { view, statistic })] : [])];
    emit(METRIC.featureDrift, MetricUnit.NoUnit, value, ...sets);
  }
  for (const [statistic, value] of Object.entries(m.vsStable ?? {})) emit(METRIC.candidateVsStable, MetricUnit.NoUnit, value, pick(DIMENSIONS.viewVersion, { view, version, statistic }));
  emit(METRIC.nullRate, MetricUnit.NoUnit, m.maxNullRate, { view, version }, ...(m.role === 'stable' ? [{ view }] : []));
  emit(METRIC.servedSamples, MetricUnit.Count, m.samples, { view, version });
  emit(METRIC.unknownEntityShare, MetricUnit.NoUnit, m.unknownShare, pick(DIMENSIONS.version, { view, version }));
  emit(METRIC.monitorHeartbeat, MetricUnit.Count, 1, pick(DIMENSIONS.version, { view, version }));
}

function heartbeat(view: string, version: number, periodOverride: number | undefined): void {
  const now = Date.now();
  emitter(now, resolutionFor(periodOverride ?? 60))(METRIC.monitorHeartbeat, MetricUnit.Count, 1, pick(DIMENSIONS.version, { view, version: String(version) }));
}

function opsMetrics(errors: number, skipped: number, durationMs: number, periodOverride: number | undefined): void {
  const emit = emitter(Date.now(), resolutionFor(periodOverride ?? 60));
  emit(METRIC.monitorErrors, MetricUnit.Count, errors, {});
  emit(METRIC.monitorSkipped, MetricUnit.Count, skipped, {});
  emit(METRIC.monitorDuration, MetricUnit.Milliseconds, durationMs, {});
}

/** The dimensions a set names, without `service` (Powertools adds it to every set). */
function pick(names: readonly string[], values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(names.filter((n) => n !== 'service').map((n) => [n, values[n]!]));
}

// No recorded response (one entry per view can outgrow an X-Ray segment). No logMetrics: every document is published as it is built (one per dimension set), and the
// drift metrics' namespace and dimensions are contract/alarms.ts's, not the shared `metrics`'.
export const handler = middy<unknown, DriftMonitorResult>().use(captureLambdaHandler(tracer, { captureResponse: false })).use(injectLambdaContext(logger)).handler(handle);
