/**
 * A local CloudWatch: reads the EMF documents the functions publish (the same JSON
 * CloudWatch extracts metrics from), keeps the datapoints, and evaluates alarms given as the
 * SAME AlarmSpecs the stack deploys (contract/alarms.ts): metric, dimensions, statistic,
 * period, M out of N, threshold, missing-data treatment. A state change becomes the event
 * CloudWatch sends to EventBridge ("CloudWatch Alarm State Change", with configuration,
 * reason and reasonData), handed to `publish`.
 *
 * Periods are aligned to the epoch as CloudWatch aligns them, and each alarm is evaluated
 * once per period, on its last N complete periods, shortly after a period closes. Periods go
 * down to 1 s (CloudWatch's high-resolution alarms stop at 10 s; locally 1 s keeps tests fast).
 */
import { randomUUID } from 'node:crypto';
import { METRIC, type AlarmSpec, type AlarmStatistic, type ComparisonOperator } from '../contract/alarms';
import type { DriftSeries, DriftSeriesQuery, DriftSeriesSource } from '../core/ports/drift-series';
import type { BusEvent } from './event-bus';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

interface Datapoint {
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  value: number;
  at: number;
}

interface AlarmRuntime {
  state: AlarmState;
  since: string;
  reason: string;
  /** End of the last period evaluated. */
  evaluatedUpTo: number;
}

export interface Transition {
  alarmName: string;
  from: AlarmState;
  to: AlarmState;
  at: string;
  event: Omit<BusEvent, 'version' | 'id' | 'account' | 'region' | 'resources'> & Pick<BusEvent, 'id' | 'resources'>;
}

export interface EvaluatorOptions {
  /** The alarms to evaluate, asked for on every tick (they follow the active versions' policies). */
  definitions: () => Promise<AlarmSpec[]>;
  publish: (event: Transition['event']) => void;
  now?: () => number;
  /** How often to look for closed periods (default 100 ms). */
  tickMs?: number;
}

/** EMF as Powertools prints it: `_aws.CloudWatchMetrics[]` directives, values at the root. */
interface EmfLike {
  _aws?: { Timestamp?: number; CloudWatchMetrics?: { Namespace?: string; Dimensions?: string[][]; Metrics?: { Name?: string }[] }[] };
  [key: string]: unknown;
}

/**
 * How many per-feature drift datapoints are kept for GET /views/{view}/drift after the alarms
 * no longer need them (CloudWatch keeps them for 15 days; a laptop keeps the latest).
 */
const FEATURE_DRIFT_KEPT = 50_000;

export class LocalAlarmEvaluator implements DriftSeriesSource {
  readonly name = 'local' as const;
  private readonly datapoints: Datapoint[] = [];
  /** `FeatureDrift` datapoints with a feature dimension, oldest first: the console's drift charts. */
  private readonly featureDrift: Datapoint[] = [];
  private readonly alarms = new Map<string, AlarmRuntime>();
  readonly transitions: Transition[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private evaluating: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: EvaluatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Take the datapoints out of one EMF document, as CloudWatch Logs does. */
  ingest(document: unknown): void {
    const doc = document as EmfLike;
    const at = typeof doc._aws?.Timestamp === 'number' ? doc._aws.Timestamp : this.now();
    for (const directive of doc._aws?.CloudWatchMetrics ?? []) {
      const namespace = directive.Namespace ?? 'aws-embedded-metrics';
      for (const set of directive.Dimensions ?? [[]]) {
        const dimensions = Object.fromEntries(set.map((name) => [name, String(doc[name])]));
        for (const { Name } of directive.Metrics ?? []) {
          const raw = Name === undefined ? undefined : doc[Name];
          for (const value of Array.isArray(raw) ? raw : [raw])
            if (typeof value === 'number' && Number.isFinite(value)) {
              this.datapoints.push({ namespace, metric: Name!, dimensions, value, at });
              if (Name === METRIC.featureDrift && dimensions.feature !== undefined) this.featureDrift.push({ namespace, metric: Name, dimensions, value, at });
            }
        }
      }
    }
  }

  /** The per-feature figures kept, as CloudWatch's GetMetricData would answer: Maximum per period. */
  async series(query: DriftSeriesQuery): Promise<DriftSeries[]> {
    if (this.featureDrift.length > FEATURE_DRIFT_KEPT) this.featureDrift.splice(0, this.featureDrift.length - FEATURE_DRIFT_KEPT);
    const periodMs = query.periodSeconds * 1000;
    const from = query.from.getTime();
    const to = query.to.getTime();
    const out = new Map<string, { series: DriftSeries; byPeriod: Map<number, number> }>();
    for (const d of this.featureDrift) {
      const { view, version, feature, statistic } = d.dimensions;
      if (d.at < from || d.at >= to || view !== query.view || !query.versions.includes(Number(version)) || !query.features.includes(feature!)) continue;
      if (!(query.statistics as readonly string[]).includes(statistic!)) continue;
      const key = `${version}|${feature}|${statistic}`;
      let entry = out.get(key);
      if (!entry) out.set(key, (entry = { series: { version: Number(version), feature: feature!, statistic: statistic as DriftSeries['statistic'], points: [] }, byPeriod: new Map() }));
      const start = Math.floor(d.at / periodMs) * periodMs;
      entry.byPeriod.set(start, Math.max(entry.byPeriod.get(start) ?? -Infinity, d.value));
    }
    return [...out.values()].map(({ series, byPeriod }) => ({
      ...series,
      points: [...byPeriod].sort(([a], [b]) => a - b).map(([at, value]) => ({ at: new Date(at).toISOString(), value })),
    }));
  }

  stateOf(alarmName: string): AlarmState {
    return this.alarms.get(alarmName)?.state ?? 'INSUFFICIENT_DATA';
  }

  start(): this {
    this.timer ??= setInterval(() => void this.tick(), this.options.tickMs ?? 100);
    this.timer.unref?.();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.evaluating;
  }

  /** Evaluate every alarm whose period has closed since it was last evaluated. */
  tick(): Promise<void> {
    this.evaluating ??= this.evaluateDue()
      .catch((error: unknown) => console.error('local alarm evaluator: tick failed', error))
      .finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  private async evaluateDue(): Promise<void> {
    const specs = await this.options.definitions();
    const now = this.now();
    let longest = 0;
    for (const spec of specs) {
      const periodMs = spec.periodSeconds * 1000;
      longest = Math.max(longest, periodMs * spec.evaluationPeriods);
      const closedAt = Math.floor(now / periodMs) * periodMs;
      const runtime = this.alarms.get(spec.alarmName);
      if (runtime && runtime.evaluatedUpTo >= closedAt) continue;
      this.evaluate(spec, closedAt);
    }
    // Keep what any alarm could still look at, and a margin.
    const horizon = now - Math.max(60_000, 2 * longest);
    while (this.datapoints.length > 0 && this.datapoints[0]!.at < horizon) this.datapoints.shift();
  }

  private evaluate(spec: AlarmSpec, closedAt: number): void {
    const periodMs = spec.periodSeconds * 1000;
    const periods: { start: number; value: number | undefined; samples: number }[] = [];
    for (let i = spec.evaluationPeriods; i >= 1; i--) {
      const start = closedAt - i * periodMs;
      const values = this.datapoints
        .filter((d) => d.at >= start && d.at < start + periodMs && d.namespace === spec.namespace && d.metric === spec.metricName && sameDimensions(d.dimensions, spec.dimensions))
        .map((d) => d.value);
      periods.push({ start, value: values.length ? statistic(spec.statistic, values) : undefined, samples: values.length });
    }
    let breaching = 0;
    let counted = 0;
    for (const p of periods) {
      if (p.value === undefined) {
        if (spec.treatMissingData === 'breaching') (breaching++, counted++);
        else if (spec.treatMissingData === 'notBreaching') counted++;
      } else {
        counted++;
        if (crosses(spec.comparisonOperator, p.value, spec.threshold)) breaching++;
      }
    }
    const current = this.alarms.get(spec.alarmName) ?? { state: 'INSUFFICIENT_DATA' as AlarmState, since: new Date(0).toISOString(), reason: 'Unchecked: Initial alarm creation', evaluatedUpTo: 0 };
    let next: AlarmState;
    if (breaching >= spec.datapointsToAlarm) next = 'ALARM';
    else if (counted > 0) next = 'OK';
    else next = spec.treatMissingData === 'ignore' ? current.state : 'INSUFFICIENT_DATA';
    current.evaluatedUpTo = closedAt;
    this.alarms.set(spec.alarmName, current);
    if (next === current.state) return;

    const at = new Date(this.now()).toISOString();
    const present = periods.filter((p) => p.value !== undefined);
    const reason = describe(spec, next, breaching, present);
    const event: Transition['event'] = {
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      time: at,
      resources: [`arn:aws:cloudwatch:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:alarm:${spec.alarmName}`],
      detail: {
        alarmName: spec.alarmName,
        state: {
          value: next,
          reason,
          reasonData: JSON.stringify({
            version: '1.0',
            queryDate: at,
            startDate: new Date(periods[0]!.start).toISOString(),
            statistic: spec.statistic,
            period: spec.periodSeconds,
            recentDatapoints: present.map((p) => p.value),
            threshold: spec.threshold,
            evaluatedDatapoints: present.map((p) => ({ timestamp: new Date(p.start).toISOString(), sampleCount: p.samples, value: p.value })),
          }),
          timestamp: at,
        },
        previousState: { value: current.state, reason: current.reason, timestamp: current.since },
        configuration: {
          description: spec.description,
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: { namespace: spec.namespace, name: spec.metricName, dimensions: spec.dimensions },
                period: spec.periodSeconds,
                stat: spec.statistic,
              },
              returnData: true,
            },
          ],
        },
      },
    };
    this.transitions.push({ alarmName: spec.alarmName, from: current.state, to: next, at, event });
    if (this.transitions.length > 1000) this.transitions.shift();
    Object.assign(current, { state: next, since: at, reason });
    this.options.publish(event);
  }
}

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}

function statistic(stat: AlarmStatistic, values: number[]): number {
  switch (stat) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((s, v) => s + v, 0);
    case 'Average':
      return values.reduce((s, v) => s + v, 0) / values.length;
    case 'SampleCount':
      return values.length;
  }
}

function crosses(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

const WORDS: Record<ComparisonOperator, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** The reason sentence CloudWatch writes, in its words. */
function describe(spec: AlarmSpec, state: AlarmState, breaching: number, present: { start: number; value: number | undefined }[]): string {
  const points = present.map((p) => `${round(p.value!)} (${new Date(p.start).toISOString()})`).join(', ');
  if (state === 'INSUFFICIENT_DATA') return `Insufficient Data: ${spec.evaluationPeriods} datapoints were unknown.`;
  const verb = state === 'ALARM' ? 'were' : 'were not';
  return `Threshold Crossed: ${breaching} out of the last ${spec.evaluationPeriods} datapoints [${points}] ${verb} ${WORDS[spec.comparisonOperator]} the threshold (${spec.threshold}) (minimum ${spec.datapointsToAlarm} datapoint${spec.datapointsToAlarm === 1 ? '' : 's'} for OK -> ALARM transition).`;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
