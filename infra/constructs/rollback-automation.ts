import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, type EventPattern as CdkEventPattern, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventPattern, RuleSpec } from '../../contract/rules';
import { opsAlarm } from './ops-alarm';
import type { RewindFunction } from './rewind-function';

export interface ReliableRuleProps {
  /** The rule (contract/rules.ts); its pattern is used as is. */
  rule: RuleSpec;
  /** The function the rule invokes (`rule.handler`). */
  handler: RewindFunction;
  /** The bus the rule listens on. @default the account's default bus */
  eventBus?: IEventBus;
  /** @default 4: EventBridge's attempts to deliver to the function */
  deliveryRetries?: number;
  /** @default 2: Lambda's retries when the function itself fails (its async maximum) */
  functionRetries?: number;
  /** What the ops alarm on the dead-letter queue tells the person who reads it. */
  deadLetterDescription?: string;
  opsTopicArn?: string;
}

/**
 * An EventBridge rule → function, with nothing lost silently: the rule invokes the function
 * asynchronously; EventBridge retries deliveries it could not make, Lambda retries
 * invocations that failed, and whatever still fails lands in one dead-letter queue whose
 * first message raises an ops alarm. Only for functions that are safe to retry (idempotent).
 */
export class ReliableRule extends Construct {
  public readonly rule: Rule;
  public readonly deadLetterQueue: Queue;
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ReliableRuleProps) {
    super(scope, id);
    const parts = reliableRuleParts(this, props);
    this.rule = parts.rule;
    this.deadLetterQueue = parts.deadLetterQueue;
    this.deadLetterAlarm = parts.deadLetterAlarm;
  }
}

/** The pieces of a {@link ReliableRule}, created directly in `scope` (RollbackAutomation keeps its construct paths). */
function reliableRuleParts(scope: Construct, props: ReliableRuleProps): { rule: Rule; deadLetterQueue: Queue; deadLetterAlarm: Alarm } {
  const deadLetterQueue = new Queue(scope, 'DeadLetters', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter queue (of the EventBridge target and of the function\'s async invocations); cdk-nag only recognizes DLQs named in another queue\'s redrive policy.',
  });

  props.handler.configureAsyncInvoke({
    retryAttempts: props.functionRetries ?? 2,
    maxEventAge: Duration.hours(1),
    onFailure: new SqsDestination(deadLetterQueue),
  });

  const rule = new Rule(scope, 'Rule', {
    description: props.rule.description,
    eventPattern: toCdkPattern(props.rule.pattern),
    ...(props.eventBus ? { eventBus: props.eventBus } : {}),
  });
  rule.addTarget(
    new LambdaFunction(props.handler, {
      deadLetterQueue,
      retryAttempts: props.deliveryRetries ?? 4,
      maxEventAge: Duration.hours(1),
    }),
  );

  const deadLetterAlarm = opsAlarm(scope, 'DeadLettersAlarm', {
    name: `${props.rule.id}-dead-letters`,
    description: props.deadLetterDescription ?? `An event of rule ${props.rule.id} could not be handled after all retries: read the message in the dead-letter queue.`,
    // A rate, not the depth: the depth stays at 1 until someone drains the queue, so the alarm
    // would stay in ALARM and a second failure would page nobody. Messages sent in a minute go
    // back to 0 the next, so every new failure is a new transition (and a new page).
    metric: deadLetterQueue.metricNumberOfMessagesSent({ period: Duration.minutes(1), statistic: 'Sum' }),
    threshold: 1,
    ...(props.opsTopicArn ? { topicArn: props.opsTopicArn } : {}),
  });
  return { rule, deadLetterQueue, deadLetterAlarm };
}

export type RollbackAutomationProps = Omit<ReliableRuleProps, 'eventBus' | 'deadLetterDescription'>;

/**
 * Alarm → rollback: a {@link ReliableRule} on the default bus (where CloudWatch publishes
 * alarm state changes). Retrying is safe because the rollback is idempotent (DESIGN
 * invariant 7); a rollback that did not happen needs a human, whom the ops alarm calls.
 */
export class RollbackAutomation extends Construct {
  public readonly rule: Rule;
  public readonly deadLetterQueue: Queue;
  public readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RollbackAutomationProps) {
    super(scope, id);
    const parts = reliableRuleParts(this, {
      ...props,
      deadLetterDescription: `An alarm event could not be turned into a rollback (${props.rule.id}): read the message in the dead-letter queue and roll back by hand.`,
    });
    this.rule = parts.rule;
    this.deadLetterQueue = parts.deadLetterQueue;
    this.deadLetterAlarm = parts.deadLetterAlarm;
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
