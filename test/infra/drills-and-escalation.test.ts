/**
 * Issue 13 items 3 and 5, as template assertions: escalations published to the ops topic by
 * exactly the functions that notify (and nobody else may publish there), and the scheduled drill
 * (present only with `rewind:drillSchedule`: its expression, its target, its alarms, its IAM).
 * Every synth here also runs cdk-nag (synthesize throws on an unacknowledged finding).
 */
import { METRIC, METRICS_NAMESPACE } from '../../contract/alarms';
import { ENV } from '../../contract/config';
import { EVENT_BUS_ENV } from '../../contract/rules';
import { NOTIFYING_HANDLERS, SCHEDULED_DRILL_HANDLER } from '../../infra/handlers';
import { actionsOf, logicalId, referencedIds, render, resourcesOf, resourcesOfType, statementsOfRole, synthesize, TEST_AUDIENCE, TEST_ISSUER, type CfnResource, type Synthesized } from './synth';

const GIVEN_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:oncall';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rewind/drill-AbCdEf';
const DRILL_CONTEXT = {
  'rewind:opsTopicArn': GIVEN_TOPIC,
  'rewind:drillSchedule': 'cron(0 3 ? * MON *)',
  'rewind:drillScenario': 'drift',
  'rewind:drillRows': '2000',
  'rewind:drillRps': '15',
  'rewind:drillTargetMttrSeconds': '45',
  'rewind:drillClientId': 'drill-client',
  'rewind:drillClientSecretArn': SECRET_ARN,
  'rewind:drillScope': 'rewind/drill',
  'rewind:jwtAudience': `${TEST_AUDIENCE},drill-client`,
};

let prod: Synthesized;
let dev: Synthesized;
let drilled: Synthesized;

beforeAll(() => {
  prod = synthesize();
  dev = synthesize({ 'rewind:deletionProtection': 'false' });
  drilled = synthesize(DRILL_CONTEXT);
});

const roleIdsWith = (s: Synthesized, action: string) =>
  resourcesOfType(s.json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties!.PolicyDocument.Statement as { Action: string | string[] }[]).some((st) => actionsOf(st as never).includes(action)))
    .flatMap(([, p]) => referencedIds(p.Properties!.Roles))
    .sort();
const envOf = (s: Synthesized, id: string) => (s.json.Resources[id] as CfnResource).Properties!.Environment.Variables as Record<string, unknown>;
const alarmNamed = (s: Synthesized, suffix: string) => {
  const found = resourcesOfType(s.json, 'AWS::CloudWatch::Alarm').find(([, a]) => String(a.Properties!.AlarmName).endsWith(`-${suffix}`));
  if (!found) throw new Error(`no alarm *-${suffix}`);
  return found[1].Properties!;
};

describe('escalation to the ops topic (issue 13 item 5)', () => {
  it('tells after-rollback, put-drill and alarm-rollback the topic, and lets only them publish to it, on that topic only', () => {
    const topicId = resourcesOfType(prod.json, 'AWS::SNS::Topic')[0]![0];
    const notifying = NOTIFYING_HANDLERS.map((h) => logicalId(prod.stack.functions.get(h).functionRole)).sort();
    expect(roleIdsWith(prod, 'sns:Publish')).toEqual(notifying);
    for (const handler of NOTIFYING_HANDLERS) {
      const fn = prod.stack.functions.get(handler);
      expect(render(envOf(prod, logicalId(fn))[ENV.opsTopicArn])).toBe(`<${topicId}>`);
      const publish = statementsOfRole(prod.json, logicalId(fn.functionRole)).filter((st) => actionsOf(st).some((a) => a.startsWith('sns:')));
      expect(publish.map((st) => ({ actions: actionsOf(st), resources: resourcesOf(st).map(render) }))).toEqual([{ actions: ['sns:Publish'], resources: [`<${topicId}>`] }]);
    }
  });

  it('uses the given rewind:opsTopicArn, and without any topic (a dev stack) publishes nowhere', () => {
    const fn = drilled.stack.functions.get('after-rollback');
    expect(envOf(drilled, logicalId(fn))[ENV.opsTopicArn]).toBe(GIVEN_TOPIC);
    expect(statementsOfRole(drilled.json, logicalId(fn.functionRole)).filter((st) => actionsOf(st).includes('sns:Publish')).map((st) => resourcesOf(st))).toEqual([[GIVEN_TOPIC]]);
    expect(roleIdsWith(dev, 'sns:Publish')).toEqual([]);
    expect(envOf(dev, logicalId(dev.stack.functions.get('after-rollback')))[ENV.opsTopicArn]).toBeUndefined();
  });
});

describe('scheduled drills (issue 13 item 3)', () => {
  it('has no schedule, no drill function and no drill alarm without rewind:drillSchedule', () => {
    expect(resourcesOfType(prod.json, 'AWS::Scheduler::Schedule')).toEqual([]);
    expect(prod.stack.drillSchedule).toBeUndefined();
    expect(resourcesOfType(prod.json, 'AWS::CloudWatch::Alarm').filter(([, a]) => /drill/.test(String(a.Properties!.AlarmName)))).toEqual([]);
  });

  it('schedules the drill function with the expression given, without retrying a run', () => {
    const drill = drilled.stack.drillSchedule!;
    const schedules = resourcesOfType(drilled.json, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(1);
    const p = schedules[0]![1].Properties!;
    expect(p.ScheduleExpression).toBe('cron(0 3 ? * MON *)');
    expect(p.State).toBe('ENABLED');
    expect(render(p.Target.Arn)).toBe(`<${logicalId(drill.fn)}.Arn>`);
    expect(render(p.Target.RoleArn)).toBe(`<${logicalId(drill.schedulerRole)}.Arn>`);
    // The function's own asynchronous retries are off: a retried drill would be a second drill.
    const invokeConfig = resourcesOfType(drilled.json, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => referencedIds(c.Properties!.FunctionName).includes(logicalId(drill.fn)));
    expect(invokeConfig?.[1].Properties!.MaximumRetryAttempts).toBe(0);
  });

  it("sizes the function for a drill (15 min), traced, and tells it the stack's API, the issuer, the client and the drill", () => {
    const drill = drilled.stack.drillSchedule!;
    const fn = drilled.json.Resources[logicalId(drill.fn)]!.Properties!;
    expect(fn.Timeout).toBe(900);
    expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
    expect(fn.Handler).toBe('index.handler');
    const env = envOf(drilled, logicalId(drill.fn));
    expect(render(env[ENV.drillApiUrl])).toContain(`<${logicalId(drilled.stack.api.httpApi)}>`);
    expect(env[ENV.drillIssuer]).toBe(TEST_ISSUER);
    expect(env[ENV.drillClientId]).toBe('drill-client');
    expect(env[ENV.drillClientSecretArn]).toBe(SECRET_ARN);
    expect(env[ENV.drillScope]).toBe('rewind/drill');
    expect(JSON.parse(String(env[ENV.drillOptions]))).toEqual({ scenario: 'drift', rows: 2000, rps: 15, targetMttrSeconds: 45, mode: 'auto', periodSeconds: 10, timeoutSeconds: 150 });
    expect(referencedIds(env[EVENT_BUS_ENV])).toEqual([logicalId(drilled.stack.pointerEvents.bus)]);
    // No store: everything it does goes through the API.
    expect(Object.keys(env).filter((k) => /TABLE|BUCKET/.test(k))).toEqual([]);
    expect(drill.fn.handlerName).toBe(SCHEDULED_DRILL_HANDLER);
  });

  it('grants the drill function the one secret and PutEvents on the bus, nothing else; the bus policy names it; the scheduler may invoke only it', () => {
    const drill = drilled.stack.drillSchedule!;
    const bus = logicalId(drilled.stack.pointerEvents.bus);
    const statements = statementsOfRole(drilled.json, logicalId(drill.fn.functionRole)).map((st) => ({ actions: actionsOf(st).sort(), resources: resourcesOf(st).map(render) }));
    const fnLogs = logicalId(drill.fn.functionLogGroup);
    expect(statements).toEqual(
      expect.arrayContaining([
        { actions: ['secretsmanager:GetSecretValue'], resources: [SECRET_ARN] },
        { actions: ['events:PutEvents'], resources: [`<${bus}.Arn>`] },
      ]),
    );
    const other = statements.filter((st) => !st.actions.some((a) => a.startsWith('xray:')) && !(st.resources.length === 1 && st.resources[0] === `<${fnLogs}.Arn>`));
    expect(other).toHaveLength(2);
    const policy = resourcesOfType(drilled.json, 'AWS::Events::EventBusPolicy')[0]![1].Properties!.Statement as { Condition: { ArnNotEquals: Record<string, unknown[]> } };
    expect(policy.Condition.ArnNotEquals['aws:PrincipalArn']!.map(render)).toContain(`<${logicalId(drill.fn.functionRole)}.Arn>`);
    const scheduler = statementsOfRole(drilled.json, logicalId(drill.schedulerRole)).map((st) => ({ actions: actionsOf(st), resources: resourcesOf(st).map(render) }));
    expect(scheduler).toEqual([{ actions: ['lambda:InvokeFunction'], resources: [`<${logicalId(drill.fn)}.Arn>`, `<${logicalId(drill.fn)}.Arn>:*`] }]);
  });

  it('alarms to the ops topic when the measured time to recover is above the target, and when a drill failed', () => {
    const mttr = alarmNamed(drilled, 'drill-mttr');
    expect(mttr).toMatchObject({ Namespace: METRICS_NAMESPACE, MetricName: METRIC.drillMttr, Statistic: 'Maximum', Threshold: 45, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [GIVEN_TOPIC] });
    expect(mttr.Dimensions).toEqual([{ Name: 'service', Value: drilled.stack.serviceName }]);
    // A failed drill (DrillFailed = 1) or a drill that crashed or timed out (the function's Errors) pages.
    const failed = alarmNamed(drilled, 'drill-failed');
    expect(failed).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching', AlarmActions: [GIVEN_TOPIC] });
    const queries = failed.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: { Name: string; Value: unknown }[] } } }[];
    expect(queries.find((q) => q.Expression)!.Expression).toBe('FILL(failed, 0) + FILL(errors, 0)');
    const byId = Object.fromEntries(queries.filter((q) => q.MetricStat).map((q) => [q.Id, q.MetricStat!.Metric]));
    expect(byId.failed).toMatchObject({ Namespace: METRICS_NAMESPACE, MetricName: METRIC.drillFailed, Dimensions: [{ Name: 'service', Value: drilled.stack.serviceName }] });
    expect(byId.errors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    expect(byId.errors!.Dimensions.map((d) => render(d.Value))).toEqual([`<${logicalId(drilled.stack.drillSchedule!.fn)}>`]);
  });
});
