/**
 * The functions' Notifier (core/notifier.ts): each notice is logged at ERROR with its facts and
 * counted as `Page` (per view, and per service: the metric the stack's `pages` ops alarm
 * watches, so it reaches the ops topic); locally (REWIND_MONITORING) the console notifier is wired instead.
 * Where the notice was published to the ops topic itself (functions/commons/escalation.ts), it is
 * logged but not counted: the on-call gets the message once, not once more as an alarm.
 */
import { METRIC } from '../../contract/alarms';
import type { Notice, Notifier } from '../../core/notifier';
import { countForService, countForView, logger } from './powertools';

let override: Notifier | undefined;

/** Logs the notice at ERROR; counts it as a `Page` unless `count` is false (already on the ops topic). */
export async function pageNotice(notice: Notice, options: { count?: boolean } = {}): Promise<void> {
  if (override) return override.notify(notice);
  logger.error(`PAGE: ${notice.summary}`, { notice: { ...notice } });
  if (options.count === false) return;
  countForView(notice.view, METRIC.page);
  // The stack's ops alarm watches the per-service count (an alarm cannot watch every view's).
  countForService(METRIC.page);
}

export const functionNotifier: Notifier = { notify: (notice) => pageNotice(notice) };

/** The local runtime's hook: its notifier (console, later the drills' webhook) instead of the log. */
export function setNotifier(notifier: Notifier | undefined): void {
  override = notifier;
}
