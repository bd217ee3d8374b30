/**
 * Scheduled (the stack: every minute; locally: every REWIND_MONITOR_INTERVAL_MS). Compares
 * the recent serving sample of every active view with its baseline (core/drift.ts) and
 * publishes the result as EMF through Powertools Metrics, in the names and dimension sets
 * contract/alarms.ts declares, where the drift alarms look for them: `service` is this
 * stack's service (POWERTOOLS_SERVICE_NAME), so another stack's alarms never see this drift.
 *
 * Environment: REWIND_SAMPLES_TABLE (read), the shared tables (read), the snapshot bucket
 * (read, for baseline profiles); REWIND_MONITOR_WINDOW_SECONDS (default 300): how far back
 * samples are read; REWIND_ALARM_PERIOD_SECONDS: when set, overrides the policies' alarm
 * periods (the local runtime's 1 s), and below 60 s metrics are published high-resolution.
 * Both are read once per container (contract/config.ts); a malformed one fails the run naming it.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricResolution, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { LRUCache } from 'lru-cache';
import { DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../contract/alarms';
import { config } from '../contract/config';
import { measureDrift, type DriftMeasurement } from '../core/drift';
import type { Profiles } from '../core/validation/profiles';
import { getDeps } from './commons/deps';
import { getSampleStore } from './commons/serving';
import { logger, SERVICE_NAME, TappedMetrics, tracer } from './commons/powertools';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

const metrics = new TappedMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
// Versions are immutable, so their profiles can be kept for the container's life; bounded
// because a container may watch many views over days.
const profileCache = new LRUCache<string, Profiles>({ max: 200 });

export interface DriftMonitorResult {
  measured: { view: string; version: number; baselineVersion: number; samples: number; max: DriftMeasurement['max'] }[];
  skipped: { view: string; version?: number; reason: string }[];
}

const handle = async (_event: unknown, _context: Context): Promise<DriftMonitorResult> => {
  const windowSeconds = config.monitorWindowSeconds();
  const { measured, skipped } = await measureDrift(getDeps(), getSampleStore(), { windowMs: windowSeconds * 1000, profileCache });
  for (const m of measured) publish(m);
  for (const s of skipped) logger.info('drift not measured', { ...s });
  return {
    measured: measured.map((m) => ({ view: m.view, version: m.version, baselineVersion: m.baselineVersion, samples: m.samples, max: m.max })),
    skipped,
  };
};

/** One EMF document per dimension-value combination, as EMF requires. */
function publish(m: DriftMeasurement): void {
  const period = config.alarmPeriodSeconds() ?? m.monitor.periodSeconds;
  const resolution = period < 60 ? MetricResolution.High : MetricResolution.Standard;
  const view = m.view;
  const version = String(m.version);
  // One document per dimension set: EMF allows several sets per document, but Powertools
  // warns on every key the sets share, and ours always share `view`.
  const emit = (name: string, unit: Unit, value: number, ...dimensionSets: Record<string, string>[]) => {
    for (const set of dimensionSets) {
      metrics.addDimensions(set);
      metrics.addMetric(name, unit, value, resolution);
      metrics.addMetadata('baselineVersion', String(m.baselineVersion));
      metrics.publishStoredMetrics();
    }
  };
  for (const [feature, d] of Object.entries(m.features)) {
    for (const statistic of ['psi', 'ks', 'js', 'nullRateIncrease'] as const) {
      const value = d[statistic];
      if (value !== undefined) emit(METRIC.featureDrift, MetricUnit.NoUnit, value, pick(DIMENSIONS.feature, { view, version, feature, statistic }));
    }
    emit(METRIC.nullRate, MetricUnit.NoUnit, d.nullRate, { view, version, feature });
  }
  for (const [statistic, value] of Object.entries(m.max)) {
    emit(METRIC.featureDrift, MetricUnit.NoUnit, value, pick(DIMENSIONS.viewVersion, { view, version, statistic }), pick(DIMENSIONS.view, { view, statistic }));
  }
  emit(METRIC.nullRate, MetricUnit.NoUnit, m.maxNullRate, { view, version }, { view });
  emit(METRIC.servedSamples, MetricUnit.Count, m.samples, { view, version });
}

/** The dimensions a set names, without `service` (Powertools adds it to every set). */
function pick(names: readonly string[], values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(names.filter((n) => n !== 'service').map((n) => [n, values[n]!]));
}

// No recorded response (one entry per view can outgrow an X-Ray segment). No logMetrics: every document is published as it is built (one per dimension set), and the
// drift metrics' namespace and dimensions are contract/alarms.ts's, not the shared `metrics`'.
export const handler = middy<unknown, DriftMonitorResult>().use(captureLambdaHandler(tracer, { captureResponse: false })).use(injectLambdaContext(logger)).handler(handle);
