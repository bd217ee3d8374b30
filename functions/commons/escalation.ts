/**
 * Who an escalation (core/escalation.ts) goes to from the functions: the function notifier
 * (its log line at ERROR and the `Page` metric, or the local runtime's console line), plus
 *  - REWIND_NOTIFY_URL when set: a webhook, retried with backoff, then logged (store/webhook-notifier.ts);
 *  - REWIND_EVENT_BUS when set (in AWS): a `RewindEscalation` event on Rewind's bus, which the
 *    stack routes to the ops topic (store/eventbridge-notifier.ts).
 * Built once per container.
 */
import { config, ENV, optionalString } from '../../contract/config';
import type { Notifier } from '../../core/notifier';
import { eventBridgeClient } from '../../store/clients';
import { EventBridgeNotifier } from '../../store/eventbridge-notifier';
import { fanOut, WebhookNotifier } from '../../store/webhook-notifier';
import { functionNotifier } from './notifier';
import { logger } from './powertools';

let notifier: Notifier | undefined;
let webhook: WebhookNotifier | undefined;

export function getEscalationNotifier(): Notifier {
  if (notifier) return notifier;
  const url = config.notifyUrl();
  webhook = url ? new WebhookNotifier(url, { attempts: config.notifyAttempts(), log: (line) => logger.error(line) }) : undefined;
  const bus = optionalString(ENV.eventBus);
  const onBus = bus ? new EventBridgeNotifier(eventBridgeClient(), bus, (error, n) => logger.error('could not put the escalation on the bus', { error, notice: { kind: n.kind, view: n.view, key: n.key } })) : undefined;
  notifier = fanOut(functionNotifier, ...(webhook ? [webhook] : []), ...(onBus ? [onBus] : []));
  return notifier;
}

/** A new environment (the local runtime's start, tests): built again on next use. */
export function resetEscalationNotifier(): void {
  notifier = undefined;
  webhook = undefined;
}
