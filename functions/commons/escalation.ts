/**
 * Who an escalation (core/escalation.ts) goes to from the functions: the function notifier
 * (its log line at ERROR and the `Page` metric, or the local runtime's console line), plus
 *  - REWIND_NOTIFY_URL when set: a webhook, retried with backoff, then logged (store/webhook-notifier.ts).
 * In AWS the log line carries the whole context and the `Page` count reaches the ops topic
 * through the stack's `pages` ops alarm (only the outbox publisher may put events on Rewind's
 * bus, and the functions hold no SNS client).
 * Built once per container.
 */
import { config } from '../../contract/config';
import type { Notifier } from '../../core/notifier';
import { fanOut, WebhookNotifier } from '../../store/webhook-notifier';
import { functionNotifier } from './notifier';
import { logger } from './powertools';

let notifier: Notifier | undefined;
let webhook: WebhookNotifier | undefined;

export function getEscalationNotifier(): Notifier {
  if (notifier) return notifier;
  const url = config.notifyUrl();
  webhook = url ? new WebhookNotifier(url, { attempts: config.notifyAttempts(), log: (line) => logger.error(line) }) : undefined;
  notifier = fanOut(functionNotifier, ...(webhook ? [webhook] : []));
  return notifier;
}

/** A new environment (the local runtime's start, tests): built again on next use. */
export function resetEscalationNotifier(): void {
  notifier = undefined;
  webhook = undefined;
}
