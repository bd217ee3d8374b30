import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Duration, Size, type RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../contract/config';
import { TABLES } from '../../contract/tables';
import { accessFor, canWrite, GOVERNANCE_PARTITIONS, GOVERNANCE_WRITERS } from '../access';
import { RewindFunction } from './rewind-function';
import { pascal, type RewindStorage } from './storage';

export interface FunctionProfile {
  /** @default 512 */
  memorySize?: number;
  /** @default Duration.seconds(10) */
  timeout?: Duration;
  /** Lambda's /tmp. @default 512 MiB */
  ephemeralStorageSize?: Size;
}

/**
 * Concurrency reserved in the production posture (`rewind:deletionProtection`), by handler:
 * capacity no flood of API requests can take away. Not reserved otherwise: an account whose
 * concurrency limit is low (a fresh one: 10) refuses any reservation.
 */
export const RESERVED_CONCURRENCY: Readonly<Record<string, number>> = {
  // An automatic rollback must run when the rest of the account is busy (the API flooded, a
  // backfill): 2 is enough, as idempotency and the rule's retries carry redeliveries.
  'alarm-rollback': 2,
};

/**
 * Sizes that differ from RewindFunction's defaults, and why. HTTP functions stay under API
 * Gateway's 30 s integration limit: a Lambda still running after the caller got a 503 would
 * only be confusing.
 */
export const PROFILES: Readonly<Record<string, FunctionProfile>> = {
  // The hot path: more memory is more CPU, which is lower latency and faster cold starts.
  'get-online': { memorySize: 1024, timeout: Duration.seconds(5) },
  // Serving too: up to 100 entities, one BatchGetItem (retrying unprocessed keys for about 1 s).
  'get-online-batch': { memorySize: 1024, timeout: Duration.seconds(5) },
  // Validates, encodes Parquet and writes every row: one full vCPU.
  'deploy-version': { memorySize: 1769, timeout: Duration.seconds(29) },
  // The same checks as a deploy, without the writes.
  'plan-version': { memorySize: 1769, timeout: Duration.seconds(29) },
  // May rematerialize a purged version from its snapshot before moving the pointer.
  activate: { memorySize: 1024, timeout: Duration.seconds(29) },
  rollback: { memorySize: 1024, timeout: Duration.seconds(29) },
  'purge-version': { memorySize: 1024, timeout: Duration.seconds(29) },
  // Scan the whole audit log.
  'list-audit': { timeout: Duration.seconds(29) },
  'verify-audit': { memorySize: 1024, timeout: Duration.seconds(29) },
  // Not behind API Gateway; EventBridge retries it.
  'alarm-rollback': { memorySize: 1024, timeout: Duration.seconds(60) },
  // Scheduled every minute: must finish well inside its interval.
  // 58 s: with fast detection one run works in 10-second rounds through its minute.
  'drift-monitor': { memorySize: 1024, timeout: Duration.seconds(58) },
  // Scheduled every minute; may rematerialize a purged candidate before promoting it.
  'promote-canaries': { memorySize: 1024, timeout: Duration.seconds(50) },
  // Scans the audit table and signs once; runs every checkpoint interval.
  'audit-checkpoint': { memorySize: 1024, timeout: Duration.seconds(60) },
  'create-audit-checkpoint': { memorySize: 1024, timeout: Duration.seconds(29) },
  // Up to 200 history entries, their events ten per PutEvents call.
  'republish-events': { timeout: Duration.seconds(29) },
  // Deploy-job steps, behind Step Functions, not API Gateway. Validate streams the file (3 GB:
  // two vCPUs) and writes the snapshot to /tmp before storing it: 10 GiB of /tmp, Lambda's
  // most, holds a snapshot of hundreds of millions of rows (the default 512 MiB would end a
  // job of a few tens of millions). A chunk is 5,000 rows. Finalize assembles a training set
  // job's parts into one Parquet file, also through /tmp, in up to 15 minutes.
  'jobs/validate': { memorySize: 3008, timeout: Duration.minutes(15), ephemeralStorageSize: Size.gibibytes(10) },
  'jobs/plan': { memorySize: 3008, timeout: Duration.minutes(15) },
  'jobs/materialize-chunk': { memorySize: 1024, timeout: Duration.minutes(2) },
  'jobs/finalize': { memorySize: 1024, timeout: Duration.minutes(15), ephemeralStorageSize: Size.gibibytes(10) },
  // Deletes every started chunk's rows.
  'jobs/fail': { memorySize: 1024, timeout: Duration.minutes(15) },
  // A few CloudWatch calls per view; `{ all: true }`, and the deploy's custom resource, walk
  // every view in one invocation (it stops 10 s before the end and names the views left).
  'sync-alarms': { timeout: Duration.minutes(5) },
};

export interface RewindFunctionsProps {
  storage: RewindStorage;
  /** Handler names (contract/routes.ts and contract/rules.ts) to create a function for. */
  handlers: readonly string[];
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
  /** REWIND_POINTER_CACHE_MS: serving's staleness bound. */
  pointerCacheMs: number;
  /** Reserve RESERVED_CONCURRENCY (the production posture). @default false */
  reserveConcurrency?: boolean;
  /** Extra environment variables of some functions, by handler. */
  environment?: Readonly<Record<string, Record<string, string>>>;
  /** The stack's service (contract/service.ts), given to every function. */
  serviceName: string;
  /** The audit checkpoint key, and the retired keys whose checkpoints still verify. */
  checkpointKey: { key: IKey; retired: readonly string[] };
}

/**
 * One RewindFunction per handler, each bound to every table and the bucket with exactly the
 * access infra/access.ts gives it.
 */
export class RewindFunctions extends Construct {
  public readonly byHandler: Readonly<Record<string, RewindFunction>>;

  constructor(scope: Construct, id: string, props: RewindFunctionsProps) {
    super(scope, id);
    const byHandler: Record<string, RewindFunction> = {};
    for (const handler of new Set(props.handlers)) {
      const access = accessFor(handler);
      const fn = new RewindFunction(this, pascal(handler), {
        handler,
        ...PROFILES[handler],
        logRetention: props.logRetention,
        logRemovalPolicy: props.logRemovalPolicy,
        serviceName: props.serviceName,
        environment: { [ENV.pointerCacheMs]: String(props.pointerCacheMs), ...props.environment?.[handler] },
      });
      for (const spec of TABLES) {
        const level = access.tables[spec.id];
        if (spec.usedBy && !spec.usedBy.includes(handler)) {
          if (level !== 'none') throw new Error(`infra/access.ts grants ${handler} '${level}' on ${spec.id}, but contract/tables.ts says only ${spec.usedBy.join(', ')} use it`);
          continue; // not a shared table, and not this function's: not even its name
        }
        if (spec.usedBy && level === 'none') throw new Error(`contract/tables.ts says ${handler} uses ${spec.id}, but infra/access.ts grants it nothing`);
        fn.bindTable(props.storage.tables[spec.id], spec, level);
      }
      if (canWrite(access.tables.versions) && !GOVERNANCE_WRITERS.includes(handler)) {
        // The policy document shares the versions table: only put-policy may write its partition.
        fn.functionRole.addToPrincipalPolicy(
          new PolicyStatement({
            sid: 'NoGovernanceWrites',
            effect: Effect.DENY,
            actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
            resources: [props.storage.tables.versions.tableArn],
            conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': [...GOVERNANCE_PARTITIONS] } },
          }),
        );
      }
      const reserved = RESERVED_CONCURRENCY[handler];
      if (props.reserveConcurrency && reserved !== undefined) (fn.node.defaultChild as CfnFunction).reservedConcurrentExecutions = reserved;
      fn.bindBucket(props.storage.snapshotBucket, access.bucket);
      if (access.driftAlarms) fn.bindDriftAlarms(access.driftAlarms);
      if (access.metricData) fn.bindMetricData();
      if (access.checkpointKey) fn.bindCheckpointKey(props.checkpointKey.key, access.checkpointKey, props.checkpointKey.retired);
      byHandler[handler] = fn;
    }
    this.byHandler = byHandler;
  }

  get(handler: string): RewindFunction {
    const fn = this.byHandler[handler];
    if (!fn) throw new Error(`no function for handler '${handler}'`);
    return fn;
  }
}
