/**
 * Who a notice (core/notifier.ts: an escalation of core/escalation.ts, a failed drill, a page of
 * the alarm rollback) goes to from the functions:
 *  - REWIND_OPS_TOPIC_ARN set (AWS: the stack sets it on every function that notifies): one
 *    message on the ops topic (store/sns-notifier.ts), and the log line at ERROR. Only when the
 *    topic did not take it (after the SDK's retries) is it counted as a `Page` too, so the
 *    stack's pages ops alarm still tells the same topic: one message when SNS works, an alarm
 *    when it does not, never silence and never both;
 *  - otherwise the function notifier: the log line and the `Page` count (a stack without a
 *    topic), or the local runtime's console line;
 *  - and REWIND_NOTIFY_URL when set (locally; any runtime): a webhook, retried with backoff,
 *    then logged (store/webhook-notifier.ts).
 * Nothing here throws: a notice never fails the rollback, runbook or drill that raised it.
 * Built once per container.
 */
import { config } from '../../contract/config';
import type { Notifier } from '../../core/notifier';
import { snsClient } from '../../store/clients';
import { SnsNotifier } from '../../store/sns-notifier';
import { fanOut, WebhookNotifier } from '../../store/webhook-notifier';
import { functionNotifier, pageNotice } from './notifier';
import { logger } from './powertools';

let notifier: Notifier | undefined;

/** The ops topic's notifier (the log line, and a `Page` only when the topic did not take it). */
export function topicNotifier(sns: Pick<SnsNotifier, 'publish'>): Notifier {
  return {
    notify: async (notice) => {
      const delivered = await sns.publish(notice);
      await pageNotice(notice, { count: !delivered }).catch(() => undefined);
    },
  };
}

export function getEscalationNotifier(): Notifier {
  if (notifier) return notifier;
  const topicArn = config.opsTopicArn();
  const url = config.notifyUrl();
  const first = topicArn ? topicNotifier(new SnsNotifier(snsClient(), topicArn, { log: (line, error) => logger.error(line, { error: error as Error }) })) : functionNotifier;
  const webhook = url ? new WebhookNotifier(url, { attempts: config.notifyAttempts(), log: (line) => logger.error(line) }) : undefined;
  notifier = fanOut(first, ...(webhook ? [webhook] : []));
  return notifier;
}

/** A new environment (the local runtime's start, tests): built again on next use. */
export function resetEscalationNotifier(): void {
  notifier = undefined;
}
