/**
 * The ops-topic adapter (store/sns-notifier.ts) and the functions' escalation notifier over it
 * (functions/commons/escalation.ts topicNotifier). No SNS emulator exists here (DynamoDB Local
 * and s3rver only), so the SNS client is mocked (a `send` that records or fails) and every test
 * name says so: what is checked is the PublishCommand sent, and that nothing ever throws.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { escalationNotice, type EscalationContext } from '../../core/escalation';
import { topicNotifier } from '../../functions/commons/escalation';
import { logger, metrics } from '../../functions/commons/powertools';
import { SnsNotifier } from '../../store/sns-notifier';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:oncall';
const context: EscalationContext = {
  view: 'orders',
  revision: 3,
  action: 'rollback',
  actor: 'system:alarm/rewind-drift-orders-v2-psi',
  at: '2026-12-02T03:00:00.000Z',
  fromVersion: 2,
  toVersion: 1,
  automatic: true,
  alarm: { name: 'rewind-drift-orders-v2-psi', reason: 'Threshold Crossed' },
  models: ['ranker'],
  sources: [{ uri: 's3://lake/orders/' }],
  links: { history: '/views/orders/history', audit: '/audit?view=orders', auditId: 'a1', runbook: '/views/orders/runbook' },
};
const notice = escalationNotice('auto-rollback', context);

function recordingClient(fail: number = 0) {
  const sent: PublishCommand[] = [];
  let failing = fail;
  return {
    sent,
    send: async (command: PublishCommand) => {
      sent.push(command);
      if (failing-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
      return { MessageId: `m${sent.length}` };
    },
  };
}

it('publishes one message per notice to the topic: subject, text + JSON body, attributes (SNS client mocked: no SNS emulator)', async () => {
  const client = recordingClient();
  await new SnsNotifier(client as never, TOPIC).notify(notice);
  expect(client.sent).toHaveLength(1);
  const input = client.sent[0]!.input;
  expect(input).toMatchObject({ TopicArn: TOPIC, Subject: 'Rewind automatic rollback: orders v2 -> v1', MessageAttributes: { kind: { StringValue: 'auto-rollback' }, view: { StringValue: 'orders' } } });
  expect(input.Message).toContain('Alarm:        rewind-drift-orders-v2-psi: Threshold Crossed');
  expect(input.MessageGroupId).toBeUndefined();
});

it('a FIFO topic gets the view as group and the notice key as deduplication id (SNS client mocked: no SNS emulator)', async () => {
  const client = recordingClient();
  const sns = new SnsNotifier(client as never, `${TOPIC}.fifo`);
  await sns.notify(notice);
  await sns.notify(notice);
  const [a, b] = client.sent.map((c) => c.input);
  expect(a!.MessageGroupId).toBe('orders');
  expect(a!.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
  expect(b!.MessageDeduplicationId).toBe(a!.MessageDeduplicationId);
});

it('never fails its caller: an error after the SDK retries is logged and reported as not delivered (SNS client mocked: no SNS emulator)', async () => {
  const client = recordingClient(1);
  const lines: string[] = [];
  const sns = new SnsNotifier(client as never, TOPIC, { log: (l) => lines.push(l) });
  await expect(sns.publish(notice)).resolves.toBe(false);
  await expect(sns.notify(notice)).resolves.toBeUndefined();
  expect(lines).toEqual([expect.stringContaining(`ops topic ${TOPIC} did not take the auto-rollback notice of orders (ThrottledException: Rate exceeded)`)]);
});

describe('the escalation notifier over the topic (SNS client mocked: no SNS emulator)', () => {
  let counted: number;
  let logged: string[];
  beforeEach(() => {
    counted = 0;
    logged = [];
    const real = metrics.singleMetric.bind(metrics);
    jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      counted++;
      return real();
    });
    jest.spyOn(logger, 'error').mockImplementation(((m: unknown) => void logged.push(String(m))) as never);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs a delivered notice but counts no Page: the on-call gets the message once, not once more as the pages alarm', async () => {
    const client = recordingClient();
    await topicNotifier(new SnsNotifier(client as never, TOPIC)).notify(notice);
    expect(client.sent).toHaveLength(1);
    expect(logged).toEqual([`PAGE: ${notice.summary}`]);
    expect(counted).toBe(0);
  });

  it('counts a Page (per view and per service) when the topic did not take it, so the pages alarm still tells the topic', async () => {
    const client = recordingClient(5);
    await expect(topicNotifier(new SnsNotifier(client as never, TOPIC, { log: () => undefined })).notify(notice)).resolves.toBeUndefined();
    expect(logged).toEqual([`PAGE: ${notice.summary}`]);
    expect(counted).toBe(2);
  });
});
