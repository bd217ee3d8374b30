/**
 * Issue 15 items 8 and 9, as template assertions: pages reach someone (an ops topic in the
 * production posture, alarms on the rollback path's errors and throttles, DLQs alarmed as a
 * rate, the stream's IteratorAge, reserved concurrency for alarm-rollback), and least
 * privilege where IAM can enforce it (the bus's resource policy, the policy partition).
 */
import { ENV } from '../../contract/config';
import { GOVERNANCE_PARTITIONS } from '../../infra/access';
import { OPS_ALARM_PREFIX } from '../../infra/constructs/ops-alarm';
import { POINTER_EVENT_SOURCE } from '../../contract/rules';
import { logicalId, render, resourcesOfType, statementsOfRole, synthesize, type CfnResource, type Synthesized } from './synth';

let prod: Synthesized;
let dev: Synthesized;
let given: Synthesized;
const GIVEN_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:oncall';

beforeAll(() => {
  prod = synthesize();
  dev = synthesize({ 'rewind:deletionProtection': 'false' });
  given = synthesize({ 'rewind:opsTopicArn': GIVEN_TOPIC });
});

const alarms = (s: Synthesized) => resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
const alarmNamed = (s: Synthesized, suffix: string) => {
  const found = alarms(s).find((a) => String(a.AlarmName).endsWith(`-${suffix}`));
  if (!found) throw new Error(`no alarm *-${suffix}`);
  return found;
};
const fnLogicalId = (s: Synthesized, handler: string) => logicalId(handler === 'publish-pointer-events' ? s.stack.pointerEvents.publisher : s.stack.functions.get(handler));

describe('pages that reach someone', () => {
  it('creates an ops topic in the production posture, and every ops alarm notifies it', () => {
    const topics = resourcesOfType(prod.json, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const topicId = topics[0]![0];
    for (const alarm of alarms(prod)) {
      expect(String(alarm.AlarmName).startsWith(OPS_ALARM_PREFIX)).toBe(true);
      expect({ alarm: alarm.AlarmName, actions: (alarm.AlarmActions as unknown[]).map(render) }).toEqual({ alarm: alarm.AlarmName, actions: [`<${topicId}>`] });
    }
    expect(prod.json.Outputs!.OpsTopicArn).toBeDefined();
  });

  it('uses rewind:opsTopicArn when given (no topic created), and stays optional outside production', () => {
    expect(resourcesOfType(given.json, 'AWS::SNS::Topic')).toEqual([]);
    expect(alarmNamed(given, 'alarm-rollback-errors').AlarmActions).toEqual([GIVEN_TOPIC]);
    expect(resourcesOfType(dev.json, 'AWS::SNS::Topic')).toEqual([]);
  });

  it('tells sync-alarms the ops topic, so the heartbeat alarms it creates at run time page it too', () => {
    const topicId = resourcesOfType(prod.json, 'AWS::SNS::Topic')[0]![0];
    const envOf = (s: Synthesized) => (s.json.Resources[fnLogicalId(s, 'sync-alarms')] as CfnResource).Properties!.Environment.Variables as Record<string, unknown>;
    expect(render(envOf(prod)[ENV.opsTopicArn])).toBe(`<${topicId}>`);
    expect(envOf(given)[ENV.opsTopicArn]).toBe(GIVEN_TOPIC);
    expect(envOf(dev)[ENV.opsTopicArn]).toBeUndefined();
  });

  it('alarms on the pages the functions send (stable drift with no rollback target, …), per service, notifying the topic', () => {
    const topicId = resourcesOfType(prod.json, 'AWS::SNS::Topic')[0]![0];
    const pages = alarmNamed(prod, 'pages');
    expect(pages).toMatchObject({ Namespace: 'Rewind', MetricName: 'Page', Dimensions: [{ Name: 'service', Value: prod.stack.serviceName }], Statistic: 'Sum', Period: 60, Threshold: 1 });
    expect((pages.AlarmActions as unknown[]).map(render)).toEqual([`<${topicId}>`]);
    expect(alarmNamed(given, 'pages').AlarmActions).toEqual([GIVEN_TOPIC]);
  });

  it.each([
    ['alarm-rollback', 'alarm-rollback'],
    ['pointer-events-publisher', 'publish-pointer-events'],
  ])('alarms on the errors and throttles of %s', (name, handler) => {
    for (const metric of ['Errors', 'Throttles']) {
      const alarm = alarmNamed(prod, `${name}-${metric.toLowerCase()}`);
      expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: metric, Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect((alarm.Dimensions as { Value: unknown }[]).map((d) => render(d.Value))).toEqual([`<${fnLogicalId(prod, handler)}>`]);
    }
  });

  it('alarms on dead letters as a rate (messages sent per minute), so that a second failure pages again', () => {
    for (const suffix of ['alarm-rollback-dead-letters', 'sync-alarms-dead-letters', 'pointer-events-failures']) {
      expect(alarmNamed(prod, suffix)).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent', Statistic: 'Sum', Period: 60, Threshold: 1 });
    }
  });

  it("alarms when the history stream's iterator falls 5 minutes behind", () => {
    expect(alarmNamed(prod, 'pointer-events-iterator-age')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 300_000 });
  });

  it('reserves concurrency for alarm-rollback in production (none in dev, where a fresh account could refuse it)', () => {
    expect((prod.json.Resources[fnLogicalId(prod, 'alarm-rollback')] as CfnResource).Properties!.ReservedConcurrentExecutions).toBe(2);
    expect((dev.json.Resources[fnLogicalId(dev, 'alarm-rollback')] as CfnResource).Properties!.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('skips malformed stream records to the failure queue after few retries, bisecting to keep the good ones', () => {
    const [, mapping] = resourcesOfType(prod.json, 'AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping.Properties).toMatchObject({ BisectBatchOnFunctionError: true, MaximumRetryAttempts: 3, MaximumRecordAgeInSeconds: 3600, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(render(mapping.Properties!.DestinationConfig)).toContain(logicalId(prod.stack.pointerEvents.failureQueue));
  });
});

describe('least privilege where IAM can enforce it', () => {
  it("denies PutEvents of source rewind on Rewind's bus to every principal but the publisher and the republish route", () => {
    const policies = resourcesOfType(prod.json, 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    const statement = policies[0]![1].Properties!.Statement as Record<string, unknown>;
    expect(statement).toMatchObject({ Effect: 'Deny', Action: 'events:PutEvents', Principal: { AWS: '*' }, Condition: { StringEquals: { 'events:source': POINTER_EVENT_SOURCE } } });
    expect(((statement.Condition as Record<string, Record<string, unknown[]>>).ArnNotEquals!['aws:PrincipalArn']!).map(render)).toEqual([
      `<${logicalId(prod.stack.pointerEvents.publisher.functionRole)}.Arn>`,
      `<${logicalId(prod.stack.functions.get('republish-events').functionRole)}.Arn>`,
    ]);
    expect(render(statement.Resource)).toBe(`<${logicalId(prod.stack.pointerEvents.bus)}.Arn>`);
  });

  it('lets only put-policy write the policy partition of the versions table (dynamodb:LeadingKeys)', () => {
    const versions = `<${logicalId(prod.stack.storage.tables.versions)}.Arn>`;
    const denies = (handler: string) =>
      statementsOfRole(prod.json, logicalId(prod.stack.functions.get(handler).functionRole)).filter(
        (st) => st.Effect === 'Deny' && JSON.stringify(st.Condition ?? {}).includes('dynamodb:LeadingKeys'),
      );
    for (const writer of ['activate', 'rollback', 'deploy-version', 'create-approval', 'purge-version', 'alarm-rollback', 'promote-canaries']) {
      const [deny] = denies(writer);
      expect({ writer, condition: deny?.Condition, resource: deny && render(deny.Resource) }).toEqual({
        writer,
        condition: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [...GOVERNANCE_PARTITIONS] } },
        resource: versions,
      });
    }
    expect(denies('put-policy')).toEqual([]);
  });
});
