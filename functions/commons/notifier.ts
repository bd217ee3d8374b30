/**
 * The functions' Notifier (core/notifier.ts): each notice is logged at ERROR with its facts and
 * counted as `Page` (per view, and per service: the metric the stack's `pages` ops alarm
 * watches, so it reaches the ops topic); locally (REWIND_MONITORING) the console notifier is wired instead.
 */
import { METRIC } from '../../contract/alarms';
import type { Notifier } from '../../core/notifier';
import { countForService, countForView, logger } from './powertools';

let override: Notifier | undefined;

export const functionNotifier: Notifier = {
  notify: async (notice) => {
    if (override) return override.notify(notice);
    logger.error(`PAGE: ${notice.summary}`, { notice: { ...notice } });
    countForView(notice.view, METRIC.page);
    // The stack's ops alarm watches the per-service count (an alarm cannot watch every view's).
    countForService(METRIC.page);
  },
};

/** The local runtime's hook: its notifier (console, later the drills' webhook) instead of the log. */
export function setNotifier(notifier: Notifier | undefined): void {
  override = notifier;
}
