/**
 * Port: the monitor's measurement records. Every datapoint the drift monitor publishes is also
 * written here (view, served version, statistic, window, value). Before an automatic rollback
 * acts on an alarm, it looks for a record above the alarm's threshold for the same view and
 * version in the alarm's evaluation window: an alarm nobody's measurement backs (a forged
 * metric, a stray SetAlarmState, a copied alarm) is logged, paged and ignored.
 */
import { METRIC } from '../contract/alarms';
import type { MonitorCheck } from '../contract/monitor';

export interface Measurement {
  view: string;
  version: number;
  statistic: MonitorCheck;
  /** The noise-corrected figure the alarm compares with its threshold. */
  value: number;
  /** Window the datapoint measures: [from, to), ISO. The metric's timestamp is `from`. */
  from: string;
  to: string;
  samples: number;
  /**
   * The metric the figure was published as: absent for FeatureDrift (against the baseline);
   * `CandidateVsStable` for a candidate's sample against the stable version's in the same window.
   */
  metric?: typeof METRIC.candidateVsStable;
}

/** The metric a record was published as. */
export function measuredMetric(m: Pick<Measurement, 'metric'>): string {
  return m.metric ?? METRIC.featureDrift;
}

export interface MeasurementLog {
  record(measurements: readonly Measurement[]): Promise<void>;
  /** Records of (view, version) whose window starts in [since, until], oldest first. */
  between(view: string, version: number, since: string, until: string): Promise<Measurement[]>;
}

/**
 * The record that backs an alarm: the same metric and statistic, above the threshold, in a window that
 * began within the alarm's evaluation range. Undefined: none.
 *
 * @example backingMeasurement(records, { statistic: 'psi', threshold: 0.25 }) // { value: 0.61, … }
 */
export function backingMeasurement(records: readonly Measurement[], alarm: { statistic: string; threshold: number; metric?: string }): Measurement | undefined {
  const metric = alarm.metric ?? METRIC.featureDrift;
  return records.find((m) => m.statistic === alarm.statistic && measuredMetric(m) === metric && m.value > alarm.threshold);
}
