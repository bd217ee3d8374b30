import { ArnFormat, Duration, RemovalPolicy, Stack, Validations, type CfnElement, type Size } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { driftAlarmPrefix, METRICS_NAMESPACE, monitorAlarmPrefix } from '../../contract/alarms';
import { EVENT_BUS_ENV } from '../../contract/rules';
import { ENV } from '../../contract/config';
import { SERVICE_NAME_ENV } from '../../contract/service';
import { SNAPSHOT_BUCKET_ENV, type TableSpec } from '../../contract/tables';
import { CLOUDWATCH_ACTIONS, DYNAMODB_ACTIONS, KMS_ACTIONS, type BucketAccess, type CheckpointKeyAccess, type DriftAlarmAccess, type TableAccess } from '../access';
import { entryFor, LOCK_FILE, nodejsBundling, PROJECT_ROOT } from '../bundling';

export interface RewindFunctionProps {
  /** The entry point: a file under functions/, without extension (e.g. `'get-online'`). */
  handler: string;
  description?: string;
  /** @default 512 */
  memorySize?: number;
  /** @default Duration.seconds(10) */
  timeout?: Duration;
  /** Lambda's /tmp. @default 512 MiB */
  ephemeralStorageSize?: Size;
  /** How long the function's log group keeps logs. */
  logRetention: RetentionDays;
  /** @default RemovalPolicy.RETAIN: logs of a production stack outlive it */
  logRemovalPolicy?: RemovalPolicy;
  /** Extra environment variables (table and bucket names come from bindTable/bindBucket). */
  environment?: Record<string, string>;
  /**
   * The stack's service (contract/service.ts `serviceNameForStack`): POWERTOOLS_SERVICE_NAME,
   * the `service` of its logs and metrics, and the drift alarms `bindDriftAlarms` grants.
   */
  serviceName: string;
}

/**
 * A Rewind Lambda function with the project's defaults: one entry point under functions/,
 * bundled by local esbuild (minified, tree-shaken, no Docker), nodejs22.x on arm64, X-Ray
 * tracing, its own log group with a retention, and a role that starts with nothing but
 * permission to write that log group (no AWS managed policy). Access to storage is added
 * only through `bindTable` / `bindBucket` / `bindEventBus`, each of which grants AND sets
 * the environment variable the code reads, so a function never knows a resource it cannot
 * use or may use one it was not told about.
 *
 * @example
 * const fn = new RewindFunction(this, 'GetOnline', { handler: 'get-online', serviceName: 'rewind', logRetention: RetentionDays.ONE_MONTH });
 * fn.bindTable(pointers, tableSpec('pointers'), 'read');
 */
export class RewindFunction extends NodejsFunction {
  /** The file under functions/ this function runs. */
  public readonly handlerName: string;
  public readonly functionRole: Role;
  public readonly functionLogGroup: LogGroup;
  /** The service it runs as (POWERTOOLS_SERVICE_NAME). */
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, props: RewindFunctionProps) {
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Rewind ${props.handler}: only what infra/access.ts grants it`,
    });
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      entry: entryFor(props.handler),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      description: props.description ?? `Rewind ${props.handler}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.ephemeralStorageSize ? { ephemeralStorageSize: props.ephemeralStorageSize } : {}),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      bundling: nodejsBundling(),
      environment: {
        [SERVICE_NAME_ENV]: props.serviceName,
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.logLevel]: 'INFO',
        ...props.environment,
      },
    });
    this.handlerName = props.handler;
    this.serviceName = props.serviceName;
    this.functionRole = role;
    this.functionLogGroup = logGroup;
    logGroup.grantWrite(role);

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned on purpose: the code and its dependencies are tested on Node 20 and 22 (DESIGN.md, Runtime facts; middy 6). Move to a newer runtime when the test matrix includes it.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions (they require "*").',
    });
  }

  /**
   * Sets the table's name in its environment variable (contract/tables.ts `envVar`) and
   * grants exactly the actions of `access` on the table and, for reads, its indexes.
   *
   * @example fn.bindTable(audit, tableSpec('audit'), 'append') // PutItem + Query, no delete
   */
  bindTable(table: ITable, spec: TableSpec, access: TableAccess): this {
    this.addEnvironment(spec.envVar, table.tableName);
    if (access === 'none') return this;
    const actions = DYNAMODB_ACTIONS[access];
    const indexArns = actions.includes('dynamodb:Query')
      ? (spec.globalIndexes ?? []).map((g) => `${table.tableArn}/index/${g.indexName}`)
      : [];
    this.functionRole.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources: [table.tableArn, ...indexArns] }),
    );
    return this;
  }

  /**
   * Sets the bucket's name in REWIND_SNAPSHOT_BUCKET and grants object reads and writes
   * under the given key prefixes only.
   *
   * @example fn.bindBucket(bucket, { write: ['uploads/'] }) // may sign upload URLs, nothing else
   */
  bindBucket(bucket: IBucket, access: BucketAccess): this {
    this.addEnvironment(SNAPSHOT_BUCKET_ENV, bucket.bucketName);
    const read = access.read ?? [];
    const write = access.write ?? [];
    if (read.length > 0) {
      this.functionRole.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: read.map((prefix) => bucket.arnForObjects(`${prefix}*`)) }),
      );
      // Without ListBucket, S3 answers a missing key with 403 instead of 404, and a typo in
      // a snapshotUri would become a 500 instead of a 400 naming the field.
      this.functionRole.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': read.map((prefix) => `${prefix}*`) } },
        }),
      );
    }
    if (write.length > 0) {
      this.functionRole.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: write.map((prefix) => bucket.arnForObjects(`${prefix}*`)) }),
      );
    }
    const discard = access.discard ?? [];
    if (discard.length > 0) {
      this.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:DeleteObject'], resources: discard.map((pattern) => bucket.arnForObjects(`${pattern}*`)) }));
    }
    const abortUploads = access.abortUploads ?? [];
    if (abortUploads.length > 0) {
      this.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:AbortMultipartUpload'], resources: abortUploads.map((prefix) => bucket.arnForObjects(`${prefix}*`)) }));
    }
    // cdk-nag names the finding after the bucket's logical id (a bucket of this stack).
    const bucketResource = bucket.node.defaultChild as CfnElement | undefined;
    for (const prefix of bucketResource ? new Set([...read, ...write, ...discard, ...abortUploads]) : []) {
      Validations.of(this.functionRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucketResource!)}.Arn>/${prefix}*]`,
        reason: `Snapshot and upload keys are generated (content hash, random id) under '${prefix}': the prefix is the narrowest resource that names them.`,
      });
    }
    return this;
  }

  /**
   * Sets REWIND_AUDIT_SIGNING_KEY (the key's ARN) and REWIND_AUDIT_TRUSTED_KEYS (the retired
   * keys' ARNs) and grants `access` on exactly those keys: kms:Sign on the current key only,
   * kms:GetPublicKey on it and the retired ones.
   *
   * @example fn.bindCheckpointKey(key, 'verify', [oldKeyArn])
   */
  bindCheckpointKey(key: IKey, access: CheckpointKeyAccess, retired: readonly string[]): this {
    this.addEnvironment(ENV.auditSigningKey, key.keyArn);
    if (retired.length > 0) this.addEnvironment(ENV.auditTrustedKeys, retired.join(','));
    const resources = access === 'sign' ? [key.keyArn] : [key.keyArn, ...retired];
    this.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: [...KMS_ACTIONS[access]], resources }));
    return this;
  }

  /** Sets REWIND_EVENT_BUS and grants events:PutEvents on that bus only. */
  bindEventBus(bus: IEventBus): this {
    this.addEnvironment(EVENT_BUS_ENV, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /**
   * Grants CloudWatch actions on its service's drift alarms only (`alarm:<service>-drift-*`
   * in the stack's account and region): never on a team's own alarms, the ops alarms, or
   * another Rewind stack's drift alarms.
   *
   * @example fn.bindDriftAlarms('read') // DescribeAlarms + DescribeAlarmHistory on alarm:rewind-drift-*
   */
  bindDriftAlarms(access: DriftAlarmAccess): this {
    const alarms = driftAlarmsArn(Stack.of(this), this.serviceName);
    const prefix = driftAlarmPrefix(this.serviceName);
    // The heartbeat alarms synced beside the drift alarms are ops-named (they page, never roll back).
    const heartbeats = Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${monitorAlarmPrefix(this.serviceName)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: [...CLOUDWATCH_ACTIONS[access]], resources: [alarms, heartbeats] }));
    Validations.of(this.functionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${monitorAlarmPrefix(this.serviceName)}*]`,
      reason: `Heartbeat alarms are created at runtime, one per served version, all named '${monitorAlarmPrefix(this.serviceName)}<view>-v<version>-heartbeat'.`,
    });
    Validations.of(this.functionRole).acknowledge({
      // cdk-nag names the finding after the resource as the template renders it.
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${prefix}*]`,
      reason: `Drift alarms are created at runtime, one per view and check, all named '${prefix}<view>-<check>': the name prefix is the narrowest resource that covers them.`,
    });
    return this;
  }

  /**
   * Grants cloudwatch:GetMetricData, which takes no resource (IAM has none for metrics): the
   * function reads the drift monitor's series; the namespace and dimensions are in its queries.
   */
  bindMetricData(): this {
    this.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(this.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permission: IAM accepts only "*" for it. The function only reads metrics.',
    });
    return this;
  }
}

/** The ARN pattern of every drift alarm of `service` in the stack's account and region. */
export function driftAlarmsArn(stack: Stack, service: string): string {
  return stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${driftAlarmPrefix(service)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
