/**
 * Port: the drift monitor's per-feature figures over time, as it published them (the
 * `FeatureDrift` metric with the feature dimension, contract/alarms.ts). In AWS CloudWatch holds
 * them (store/cloudwatch-drift-series.ts, GetMetricData); locally the alarm evaluator that reads
 * the same EMF documents does (local/monitoring.ts).
 */
import type { MonitorCheck } from '../../contract/monitor';

export interface DriftSeriesQuery {
  view: string;
  versions: readonly number[];
  features: readonly string[];
  statistics: readonly MonitorCheck[];
  from: Date;
  to: Date;
  /** Width of one point: the monitor's period, so a point is one published datapoint (its Maximum). */
  periodSeconds: number;
}

export interface DriftPoint {
  /** Start of the period the value measures, ISO. */
  at: string;
  value: number;
}

export interface DriftSeries {
  version: number;
  feature: string;
  statistic: MonitorCheck;
  /** Oldest first. */
  points: DriftPoint[];
}

export interface DriftSeriesSource {
  /** Where the figures come from, shown to the reader: `cloudwatch`, `local`, or `none` (nothing keeps them). */
  readonly name: 'cloudwatch' | 'local' | 'none';
  series(query: DriftSeriesQuery): Promise<DriftSeries[]>;
}
