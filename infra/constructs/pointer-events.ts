import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ENV } from '../../contract/config';
import { POINTER_EVENT_SOURCE } from '../../contract/rules';
import { PUBLISHER_HANDLER } from '../handlers';
import { opsAlarm } from './ops-alarm';
import { RewindFunction } from './rewind-function';

export interface PointerEventsProps {
  /** The history table; its stream is the outbox. */
  historyTable: ITable;
  /** The versions and jobs tables: their streams carry the deploys' OpenLineage runs (contract/openlineage.ts). */
  versionsTable?: ITable;
  jobsTable?: ITable;
  /** REWIND_OPENLINEAGE_URL of the publisher, when lineage is also POSTed to an endpoint. */
  openLineageUrl?: string;
  /** The stack's service (contract/service.ts), given to the publisher. */
  serviceName: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** Days the bus archive keeps events for replay. @default 30 */
  archiveRetentionDays?: number;
  /**
   * Attempts per stream batch before its position goes to the failure queue. Kept small: a
   * record that fails this often is malformed or the bus is down, and either way the shard
   * must move on (the history entry stays in the table: `rewind events republish` replays it).
   * @default 3
   */
  retryAttempts?: number;
  opsTopicArn?: string;
  /**
   * Functions that replay committed changes' events (POST /events/republish): bound to the bus,
   * and, with the publisher, the only principals its resource policy lets put `source: rewind` events.
   */
  republishers?: readonly RewindFunction[];
}

/**
 * The outbox (DESIGN invariant 5): the history table's stream → the publisher function →
 * Rewind's event bus. Streams start from the oldest record (TRIM_HORIZON), so changes
 * committed before the mapping existed are still published; a batch that keeps failing is
 * split to isolate the bad record, and after its retries its position goes to a failure
 * queue that raises an ops alarm (the history entry itself stays in the table, so the event
 * can be republished from it). The bus archive lets a consumer that missed events replay them.
 */
export class PointerEvents extends Construct {
  public readonly bus: EventBus;
  public readonly archive: Archive;
  public readonly publisher: RewindFunction;
  public readonly failureQueue: Queue;
  public readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: PointerEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { description: 'Rewind pointer changes (FeatureViewActivated, FeatureViewRolledBack, …) and artifact events' });
    this.archive = this.bus.archive('Archive', {
      description: 'Every Rewind pointer event, for replay',
      eventPattern: { source: [POINTER_EVENT_SOURCE] },
      retention: Duration.days(props.archiveRetentionDays ?? 30),
    });

    this.publisher = new RewindFunction(this, 'Publisher', {
      handler: PUBLISHER_HANDLER,
      description: 'Rewind outbox: history stream → pointer events',
      // A batch of 100 records, each with its artifacts' events, ten per PutEvents call; the
      // publisher also stops 2 s before its deadline and leaves the rest for the next call.
      timeout: Duration.seconds(60),
      serviceName: props.serviceName,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      ...(props.openLineageUrl ? { environment: { [ENV.openLineageUrl]: props.openLineageUrl } } : {}),
    });
    this.publisher.bindEventBus(this.bus);
    const republishers = props.republishers ?? [];
    for (const fn of republishers) fn.bindEventBus(this.bus);
    // Only the publisher (and the republish route, which publishes the same events from the same history) may put `source: rewind` events on this bus: an identity policy of
    // `events:PutEvents` on `*` anywhere in the account must not be enough to forge a
    // FeatureViewRolledBack that consumers (and sync-alarms) act on. A Deny in the resource
    // policy wins over any Allow in an identity policy.
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyThePublisherPutsRewindEvents',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          StringEquals: { 'events:source': POINTER_EVENT_SOURCE },
          // A negated operator over several values matches a principal equal to none of them.
          ArnNotEquals: { 'aws:PrincipalArn': republishers.length ? [this.publisher.functionRole.roleArn, ...republishers.map((fn) => fn.functionRole.roleArn)] : this.publisher.functionRole.roleArn },
        },
      }),
    );

    this.failureQueue = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the stream mapping (a DLQ); cdk-nag only recognizes DLQs named in another queue\'s redrive policy.',
    });

    // One mapping per outbox stream, all alike: from the oldest record, a bad batch bisected,
    // a failed record's position to the failure queue.
    const stream = (table: ITable, filter: ReturnType<typeof FilterCriteria.filter>) =>
      this.publisher.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: props.retryAttempts ?? 3,
          // A record older than this is given up to the failure queue rather than holding the shard.
          maxRecordAge: Duration.hours(1),
          parallelizationFactor: 1, // one batch per shard at a time: a view's events stay in order
          onFailure: new SqsDlq(this.failureQueue),
          filters: [filter],
        }),
      );
    stream(props.historyTable, FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') }));
    // Deploys: only a version record's INSERT, and a deploy job's update to failed or
    // cancelled, are events (store/eventbridge-outbox.ts streamRecordEvents); the filters keep
    // the counter, materialization and chunk items from invoking the publisher at all.
    if (props.versionsTable) stream(props.versionsTable, FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { Keys: { sk: { S: FilterRule.beginsWith('V#') } } } }));
    if (props.jobsTable)
      stream(props.jobsTable, FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { NewImage: { sk: { S: FilterRule.isEqual('JOB') }, status: { S: FilterRule.or('failed', 'cancelled') } } } }));
    Validations.of(this.publisher.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (xray:PutTraceSegments, xray:PutTelemetryRecords) and dynamodb:ListStreams, which the stream event source mapping needs, do not support resource-level permissions.',
    });

    this.failureAlarm = opsAlarm(this, 'FailuresAlarm', {
      name: 'pointer-events-failures',
      description: 'A pointer change could not be published to the event bus after all retries: its stream position is in the failure queue; republish it from the history table.',
      // A rate (see ReliableRule): each new failure pages again, however full the queue already is.
      metric: this.failureQueue.metricNumberOfMessagesSent({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      ...(props.opsTopicArn ? { topicArn: props.opsTopicArn } : {}),
    });
  }
}
