/**
 * The drift monitor's measurement windows: consecutive, NON-overlapping periods aligned on
 * the epoch, each datapoint built only from the sample batches of its own period. With a
 * sliding 300 s window read every 60 s, four fifths of each datapoint were the previous one's
 * rows, so "2 of 3 datapoints" was nearly one noisy measurement counted twice; with disjoint
 * windows the datapoints are independent and an M-of-N alarm's false rate is the binomial
 * tail of the per-datapoint rate (≈ 3α² for 2 of 3).
 *
 * A sample batch belongs to the window that contains its END (`to`): batches are written when
 * they end, so every batch lands in exactly one window, and a window is complete once its end
 * has passed (plus `settleSeconds` for writes in flight, e.g. a flush delayed by a frozen
 * Lambda). Periods are aligned on multiples of the period since the epoch, which is how
 * CloudWatch buckets a metric's datapoints, so the datapoint published with timestamp `from`
 * falls in the alarm period it measures.
 */

export interface MonitorWindow {
  /** Inclusive start, ms since the epoch (a multiple of the period). */
  fromMs: number;
  /** Exclusive end, ms since the epoch. */
  toMs: number;
  /** The same bounds as ISO strings, for the samples query and the metric timestamp. */
  from: string;
  to: string;
}

/**
 * The most recent COMPLETE window at `now`: [from, to) with to = the last period boundary at
 * or before now − settle.
 *
 * @example
 * monitorWindow(60, new Date('2026-01-01T00:01:30Z'))
 * // { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T00:01:00.000Z', … }
 */
export function monitorWindow(periodSeconds: number, now: Date, settleSeconds = 0): MonitorWindow {
  if (!(Number.isInteger(periodSeconds) && periodSeconds >= 1)) throw new RangeError(`periodSeconds must be a positive integer, got ${periodSeconds}`);
  if (!(settleSeconds >= 0 && Number.isFinite(settleSeconds))) throw new RangeError(`settleSeconds must be a finite non-negative number, got ${settleSeconds}`);
  const periodMs = periodSeconds * 1000;
  const toMs = Math.floor((now.getTime() - settleSeconds * 1000) / periodMs) * periodMs;
  const fromMs = toMs - periodMs;
  return { fromMs, toMs, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

/**
 * Whether a sample batch (its `to`, ISO) belongs to `window`: its end lies in [from, to).
 *
 * @example inWindow({ to: '2026-01-01T00:00:20.000Z' }, monitorWindow(60, new Date('2026-01-01T00:01:00Z'))) // true
 */
export function inWindow(batch: { to: string }, window: Pick<MonitorWindow, 'fromMs' | 'toMs'>): boolean {
  const end = Date.parse(batch.to);
  return end >= window.fromMs && end < window.toMs;
}
