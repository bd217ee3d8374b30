/**
 * The drift monitor's vocabulary, shared by the stack (alarms rendered at synth and by
 * sync-alarms), the local runtime and core: which statistics are alarmed, the shape of a
 * version's monitor policy, and the rules that make a policy fireable at all. The defaults
 * and the request schema stay in core/validation/tolerances.ts (which re-exports these).
 * Pure: no imports of ours.
 */

export const MONITOR_CHECKS = ['psi', 'ks', 'js', 'nullRateIncrease'] as const;
export type MonitorCheck = (typeof MONITOR_CHECKS)[number];

export interface MonitorPolicy {
  /**
   * What served values are compared with: `preflight` = the version this one was validated
   * against at deploy (so a shift accepted with a warning is still watched), or its own
   * snapshot when it had none; `self` = always its own snapshot.
   */
  baseline: 'preflight' | 'self';
  /**
   * Alarm when the view's maximum of the metric, measured ABOVE ITS NOISE (core/stats/noise.ts:
   * the statistic minus what a healthy sample of that size reaches at `falsePositiveRate`), is
   * above; null: no alarm on it. 0.25 on psi still means "a shift of PSI 0.25".
   */
  alarmAbove: Record<MonitorCheck, number | null>;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  /** Fewer served values than this in the window: nothing is published (alarm sees missing data). */
  minSamples: number;
  /**
   * Family-wise chance that one datapoint of a healthy view is above its noise allowance,
   * shared (Bonferroni) among every alarmed (feature, statistic) pair of the view.
   */
  falsePositiveRate: number;
  /** Fewest served samples of a candidate over its bake before it may be promoted. */
  minBakeSamples: number;
  /**
   * How long after a version's activation its drift rolls it back; past that, drift pages a
   * person instead (a version that served well for weeks is not rolled back to weeks-old data
   * because who calls it changed). Absent: {@link DEFAULT_ROLLBACK_WITHIN_SECONDS}.
   */
  rollbackWithinSeconds?: number;
}

/** 7 days: a bad version shows itself within hours; after a week, drift is a question for a person. */
export const DEFAULT_ROLLBACK_WITHIN_SECONDS = 7 * 24 * 3600;

/** Periods CloudWatch accepts for an alarm: 10, 20, 30 (high resolution) or a multiple of 60. */
export function isCloudWatchPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && (seconds === 10 || seconds === 20 || seconds === 30 || (seconds >= 60 && seconds % 60 === 0));
}

/** A setting that can never fire, with the field it is about (relative to the monitor policy). */
export interface MonitorSettingProblem {
  field: 'periodSeconds' | 'evaluationPeriods' | 'datapointsToAlarm';
  message: string;
}

/**
 * Why an alarm built from these settings could never fire, or nothing when it can. The monitor
 * publishes one datapoint per window of `periodSeconds`, evaluated every `cadenceSeconds`; a
 * period shorter than the cadence leaves periods with no datapoint (missing, not breaching),
 * so an M-of-N alarm needs M of every N periods to have one: at most ⌈N·period/cadence⌉.
 *
 * @example monitorSettingProblems({ periodSeconds: 45, evaluationPeriods: 3, datapointsToAlarm: 2 }, 60)
 * // [{ field: 'periodSeconds', message: 'must be 10, 20, 30 or a multiple of 60 (CloudWatch), got 45' }]
 */
export function monitorSettingProblems(m: Pick<MonitorPolicy, 'periodSeconds' | 'evaluationPeriods' | 'datapointsToAlarm'>, cadenceSeconds: number): MonitorSettingProblem[] {
  const problems: MonitorSettingProblem[] = [];
  if (!isCloudWatchPeriod(m.periodSeconds)) problems.push({ field: 'periodSeconds', message: `must be 10, 20, 30 or a multiple of 60 (CloudWatch), got ${m.periodSeconds}` });
  // The monitor publishes a window's datapoint after the window ends, stamped with its start: an
  // alarm that looks at one period has judged that period (missing: not breaching) by then.
  if (m.evaluationPeriods < 2)
    problems.push({
      field: 'evaluationPeriods',
      message: `must be at least 2, got ${m.evaluationPeriods}: a window's datapoint is published after the window ends, so an alarm that looks at one period judges it before its datapoint arrives and could never fire`,
    });
  if (m.datapointsToAlarm > m.evaluationPeriods) problems.push({ field: 'datapointsToAlarm', message: `must not exceed evaluationPeriods (${m.evaluationPeriods}), got ${m.datapointsToAlarm}` });
  if (m.periodSeconds < cadenceSeconds) {
    // Of N consecutive periods, at most ⌈N·period/cadence⌉ hold a datapoint.
    const reachable = Math.ceil((m.evaluationPeriods * m.periodSeconds) / cadenceSeconds);
    if (m.datapointsToAlarm > reachable)
      problems.push({
        field: 'periodSeconds',
        message: `${m.periodSeconds} s is shorter than the monitor's ${cadenceSeconds} s cadence: at most ${reachable} of ${m.evaluationPeriods} periods get a datapoint, fewer than datapointsToAlarm ${m.datapointsToAlarm}, so the alarm could never fire`,
      });
  }
  return problems;
}
