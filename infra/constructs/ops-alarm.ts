import { Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * Alarms about Rewind's own machinery are named `ops-<stack>-…`: never the `rewind-` prefix
 * that the automatic rollback rule listens for (contract/rules.ts), so an operational alarm
 * can never be mistaken for a view's alarm.
 */
export const OPS_ALARM_PREFIX = 'ops-';

export interface OpsAlarmProps {
  /** Short kebab-case name, unique in the stack (e.g. `alarm-rollback-dlq`). */
  name: string;
  description: string;
  metric: IMetric;
  threshold: number;
  /** @default 1 */
  evaluationPeriods?: number;
  /** An existing SNS topic to notify (context `rewind:opsTopicArn`). */
  topicArn?: string;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  comparisonOperator?: ComparisonOperator;
}

/** An alarm on "at or above threshold" (or the operator given), missing data being fine (nothing happened). */
export function opsAlarm(scope: Construct, id: string, props: OpsAlarmProps): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmName: `${OPS_ALARM_PREFIX}${Stack.of(scope).stackName}-${props.name}`,
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    comparisonOperator: props.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  if (props.topicArn) {
    const topic = Topic.fromTopicArn(scope, `${id}Topic`, props.topicArn);
    alarm.addAlarmAction(new SnsAction(topic));
    alarm.addOkAction(new SnsAction(topic));
  }
  return alarm;
}
