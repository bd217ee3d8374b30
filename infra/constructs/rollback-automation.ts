import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, type EventPattern as CdkEventPattern } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventPattern, RuleSpec } from '../../contract/rules';
import { opsAlarm } from './ops-alarm';
import type { RewindFunction } from './rewind-function';

export interface RollbackAutomationProps {
  /** The rule (contract/rules.ts); its pattern is used as is. */
  rule: RuleSpec;
  /** The function the rule invokes (`rule.handler`). */
  handler: RewindFunction;
  /** @default 4: EventBridge's attempts to deliver to the function */
  deliveryRetries?: number;
  /** @default 2: Lambda's retries when the function itself fails (its async maximum) */
  functionRetries?: number;
  opsTopicArn?: string;
}

/**
 * Alarm → rollback, with nothing lost silently: the EventBridge rule invokes the rollback
 * function asynchronously; EventBridge retries deliveries it could not make, Lambda retries
 * invocations that failed, and whatever still fails lands in one dead-letter queue whose
 * first message raises an ops alarm (a rollback that did not happen needs a human).
 * Retrying is safe because the rollback is idempotent (DESIGN invariant 7).
 */
export class RollbackAutomation extends Construct {
  public readonly rule: Rule;
  public readonly deadLetterQueue: Queue;
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RollbackAutomationProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue (of the EventBridge target and of the function\'s async invocations); cdk-nag only recognizes DLQs named in another queue\'s redrive policy.',
    });

    props.handler.configureAsyncInvoke({
      retryAttempts: props.functionRetries ?? 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    this.rule = new Rule(this, 'Rule', {
      description: props.rule.description,
      eventPattern: toCdkPattern(props.rule.pattern),
    });
    this.rule.addTarget(
      new LambdaFunction(props.handler, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.deliveryRetries ?? 4,
        maxEventAge: Duration.hours(1),
      }),
    );

    this.deadLetterAlarm = opsAlarm(this, 'DeadLettersAlarm', {
      name: `${props.rule.id}-dead-letters`,
      description: `An alarm event could not be turned into a rollback (${props.rule.id}): read the message in the dead-letter queue and roll back by hand.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      ...(props.opsTopicArn ? { topicArn: props.opsTopicArn } : {}),
    });
  }
}

/**
 * contract/rules.ts keeps patterns in EventBridge's JSON (`detail-type`); CDK's EventPattern
 * spells that field `detailType` and renders it back. The infra tests check the template
 * holds exactly the contract's pattern.
 */
export function toCdkPattern(pattern: EventPattern): CdkEventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...(rest as CdkEventPattern), ...(detailType ? { detailType: detailType as string[] } : {}) };
}
