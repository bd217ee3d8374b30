import { Duration, Stack, Validations, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import { ComparisonOperator, MathExpression, Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../contract/alarms';
import { ENV } from '../../contract/config';
import { SCHEDULED_DRILL_HANDLER } from '../handlers';
import { opsAlarm } from './ops-alarm';
import { RewindFunction } from './rewind-function';

export interface DrillScheduleProps {
  serviceName: string;
  /** An EventBridge Scheduler expression (`rewind:drillSchedule`, checked by infra/config.ts). */
  expression: string;
  /** The stack's own API, which the drill drives. */
  apiUrl: string;
  /** The OIDC issuer the API trusts (`rewind:jwtIssuer`): where the drill gets its token. */
  issuer: string;
  clientId: string;
  /** Full ARN of the Secrets Manager secret holding the client's secret. */
  clientSecretArn: string;
  scope?: string;
  /** The drill (core/drills/scenarios.ts DrillOptions; mode is always `auto`). */
  drill: { scenario: string; rows: number; rps: number; targetMttrSeconds: number; periodSeconds: number; timeoutSeconds: number };
  /** Serving's pointer-cache bound: the drill watches recovery past it. */
  stalenessMs: number;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  topicArn?: string;
}

/**
 * Scheduled drills on AWS (issue 13 item 3): an EventBridge Scheduler schedule starts
 * functions/scheduled-drill.ts, which runs one drill against the stack's own API with a
 * client-credentials token of the issuer the API trusts, stores its report (POST /drills),
 * publishes `DrillCompleted` on Rewind's bus and its metrics; two ops alarms page when the
 * measured time to recover is above the target, and when a drill failed.
 *
 * The function holds no table, bucket or alarm grant: everything it does goes through the API,
 * judged and audited like any caller's. Its own grants: secretsmanager:GetSecretValue on that one
 * secret, and PutEvents on Rewind's bus (given by PointerEvents, whose bus policy names it among
 * the publishers of `source: rewind`: it must be passed there as a republisher).
 *
 * Runs are not retried (a retried drill is a second drill): the schedule's retries cover only
 * a failed invoke, and the function's asynchronous invocation has no retry.
 */
export class DrillSchedule extends Construct {
  public readonly fn: RewindFunction;
  public readonly schedule: Schedule;
  public readonly schedulerRole: Role;
  public readonly mttrAlarm: Alarm;
  public readonly failedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: DrillScheduleProps) {
    super(scope, id);
    const options = { ...props.drill, mode: 'auto' as const };
    this.fn = new RewindFunction(this, 'Function', {
      handler: SCHEDULED_DRILL_HANDLER,
      description: `Rewind scheduled drill (${props.drill.scenario}) against this stack's API`,
      // Five phases of at most timeoutSeconds each (deploy, warm-up, detection, recovery, follow-up), then clean-up: inside Lambda's 15 minutes.
      timeout: Duration.minutes(15),
      // The serving load and the known-good rows (up to rewind:drillRows) are held in memory: one full vCPU.
      memorySize: 1769,
      serviceName: props.serviceName,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        [ENV.drillApiUrl]: props.apiUrl,
        [ENV.drillOptions]: JSON.stringify(options),
        [ENV.drillIssuer]: props.issuer,
        [ENV.drillClientId]: props.clientId,
        [ENV.drillClientSecretArn]: props.clientSecretArn,
        [ENV.drillStalenessMs]: String(props.stalenessMs),
        ...(props.scope ? { [ENV.drillScope]: props.scope } : {}),
      },
    });
    this.fn.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.clientSecretArn] }));
    this.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });

    // The schedule's own role (not the stack-wide one the target would share): it may invoke this function, nothing else.
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Rewind scheduled drill: EventBridge Scheduler invokes the drill function, and nothing else',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.fn.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: "lambda:InvokeFunction on the drill function's versions and aliases (what grantInvoke adds): one function, no other.",
    });
    this.schedulerRole = schedulerRole;
    this.schedule = new Schedule(this, 'Schedule', {
      description: `Rewind drill: ${props.drill.scenario}, ${props.drill.rows} rows, ${props.drill.rps} req/s, target MTTR ${props.drill.targetMttrSeconds} s, ${props.expression}`,
      schedule: ScheduleExpression.expression(props.expression),
      target: new LambdaInvoke(this.fn, { role: schedulerRole, retryAttempts: 2, maxEventAge: Duration.hours(1) }),
    });

    const metric = (metricName: string, statistic: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic, period: Duration.hours(1) });
    const topic = props.topicArn ? { topicArn: props.topicArn } : {};
    this.mttrAlarm = opsAlarm(this, 'MttrAlarm', {
      name: 'drill-mttr',
      description: `The scheduled drill took longer than its target of ${props.drill.targetMttrSeconds} s to recover (fault injected -> the good version served everywhere). GET /drills lists its report (timeline, what was slow); docs/drills.md.`,
      metric: metric(METRIC.drillMttr, 'Maximum'),
      threshold: props.drill.targetMttrSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      ...topic,
    });
    // A failed drill reports DrillFailed=1; a drill that crashed or ran out of time reports nothing, but is a function error: both page.
    this.failedAlarm = opsAlarm(this, 'FailedAlarm', {
      name: 'drill-failed',
      description: "The scheduled drill failed: not detected, not recovered, the verification or the runbook failed, or it could not run at all or did not finish (no token, a timeout: read the scheduled-drill function's log). GET /drills lists its report.",
      metric: new MathExpression({
        expression: 'FILL(failed, 0) + FILL(errors, 0)',
        usingMetrics: { failed: metric(METRIC.drillFailed, 'Maximum'), errors: this.fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }) },
        period: Duration.hours(1),
        label: 'failed drills and drill function errors',
      }),
      threshold: 1,
      ...topic,
    });
  }
}
