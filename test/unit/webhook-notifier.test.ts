/** The escalation webhook against a real HTTP server on the loopback: delivered, retried, and given up on without throwing. */
import { WebhookNotifier } from '../../store/webhook-notifier';
import { downWebhookUrl, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const notice = { kind: 'auto-rollback' as const, view: 'orders', summary: 'orders rolled back v2 → v1', key: 'auto-rollback#orders#3', context: { fromVersion: 2, toVersion: 1 } };
let receiver: WebhookReceiver;
beforeEach(async () => (receiver = await startWebhookReceiver()));
afterEach(() => receiver.close());

it('POSTs the notice with its context and its key as Idempotency-Key', async () => {
  await new WebhookNotifier(receiver.url, { backoffMs: 1 }).notify(notice);
  expect(receiver.received).toEqual([expect.objectContaining({ kind: 'auto-rollback', view: 'orders', context: { fromVersion: 2, toVersion: 1 }, idempotencyKey: 'auto-rollback#orders#3' })]);
});

it('retries a 503 with backoff and delivers once', async () => {
  receiver.failNext(2, 503);
  const outcomes: (number | string)[] = [];
  await new WebhookNotifier(receiver.url, { backoffMs: 5, onAttempt: (_, o) => outcomes.push(o) }).notify(notice);
  expect(outcomes).toEqual([503, 503, 204]);
  expect(receiver.received).toHaveLength(1);
});

it('gives up on a 400 at once: the receiver refused it', async () => {
  receiver.failNext(5, 400);
  const lines: string[] = [];
  await new WebhookNotifier(receiver.url, { backoffMs: 1, log: (l) => lines.push(l) }).notify(notice);
  expect(receiver.attempts).toBe(1);
  expect(lines[0]).toMatch(/did not take the auto-rollback notice of orders after 4 attempt\(s\) \(HTTP 400\)/);
});

it('a webhook that is down: every attempt fails, it is logged and kept, and notify resolves', async () => {
  const url = await downWebhookUrl();
  const lines: string[] = [];
  const outcomes: (number | string)[] = [];
  const webhook = new WebhookNotifier(url, { attempts: 3, backoffMs: 5, log: (l) => lines.push(l), onAttempt: (_, o) => outcomes.push(o) });
  await expect(webhook.notify(notice)).resolves.toBeUndefined();
  expect(outcomes).toHaveLength(3);
  expect(outcomes.every((o) => typeof o === 'string')).toBe(true);
  expect(webhook.undelivered).toEqual([notice]);
  expect(lines).toEqual([expect.stringContaining(`${url} did not take the auto-rollback notice of orders after 3 attempt(s)`)]);
});
