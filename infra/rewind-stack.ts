import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { alarmNamePrefixes, MODEL_ALARMS_ENV } from '../contract/alarms';
import { ROUTES } from '../contract/routes';
import { ALARM_ROLLBACK_RULE, alarmRollbackPattern, SYNC_ALARMS_RULE } from '../contract/rules';
import { serviceNameForStack } from '../contract/service';
import { TABLES } from '../contract/tables';
import { detectionEnvironment, FAST_DETECTION, type RewindConfig } from './config';
import { RewindApi } from './constructs/api';
import { DriftAlarmLifecycle } from './constructs/drift-alarm-lifecycle';
import { monitorOpsAlarms, ScheduledRun } from './constructs/scheduled-run';
import { RewindFunctions } from './constructs/functions';
import { opsAlarm } from './constructs/ops-alarm';
import { PointerEvents } from './constructs/pointer-events';
import { ReliableRule, RollbackAutomation } from './constructs/rollback-automation';
import { pascal, RewindStorage } from './constructs/storage';
import { DRIFT_MONITOR_HANDLER, PROMOTE_CANARIES_HANDLER, SERVING_HANDLER, STORE_HANDLERS } from './handlers';

export { SERVING_HANDLER };

export interface RewindStackProps extends StackProps {
  config: RewindConfig;
}

/**
 * Everything the local runtime emulates, in one stack:
 *
 * ```
 * HTTP API (JWT) ─▶ one function per route (contract/routes.ts) ─▶ tables + snapshot bucket
 * CloudWatch alarm ─▶ EventBridge rule (contract/rules.ts) ─▶ alarm-rollback ─▶ tables
 * history table stream ─▶ publish-pointer-events ─▶ Rewind event bus
 * Rewind event bus (pointer events) ─▶ rule (contract/rules.ts) ─▶ sync-alarms ─▶ drift alarms
 * schedule ─▶ drift-monitor ─▶ EMF metrics (watched by the drift alarms)
 * schedule ─▶ promote-canaries ─▶ tables (reads the drift alarms' state)
 * ```
 *
 * The drift alarms are not in the template: views exist only at runtime, so sync-alarms
 * creates and deletes them (`<service>-drift-*`) as pointers move. A custom resource handled
 * by sync-alarms (DriftAlarmLifecycle) syncs every view when it is created (the stack's first
 * deploy, or the upgrade that adds it) and purges them all when the stack is deleted.
 *
 * The stack's service name (`serviceName`, from its stack name: contract/service.ts) is
 * every function's POWERTOOLS_SERVICE_NAME, the `service` dimension of its drift metrics,
 * the prefix of its drift alarms and of the alarm names its rollback rule listens for, and
 * the scope of its CloudWatch grants: two stacks in one account and region never touch each
 * other's alarms or views.
 */
export class RewindStack extends Stack {
  /** `rewind` for the default stack `Rewind`, `rewind-<stack name in lower case>` for any other. */
  public readonly serviceName: string;
  public readonly storage: RewindStorage;
  public readonly functions: RewindFunctions;
  public readonly api: RewindApi;
  public readonly rollbackAutomation: RollbackAutomation;
  public readonly pointerEvents: PointerEvents;
  public readonly driftMonitoring: ScheduledRun;
  public readonly canaryPromotion: ScheduledRun;
  public readonly alarmSync: ReliableRule;
  public readonly driftAlarms: DriftAlarmLifecycle;

  constructor(scope: Construct, id: string, props: RewindStackProps) {
    super(scope, id, { description: 'Rewind: serverless control plane for ML feature deployments', ...props });
    const { config } = props;
    this.serviceName = serviceNameForStack(this.stackName);
    const logRetention = retentionDays(config.logRetentionDays);
    const logRemovalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    if (config.jwtIsPlaceholder) {
      Annotations.of(this).addWarningV2(
        'rewind:jwtIssuerMissing',
        'No JWT issuer configured (-c rewind:jwtIssuer=https://… -c rewind:jwtAudience=…): the API will reject every token.',
      );
    }

    this.storage = new RewindStorage(this, 'Storage', {
      deletionProtection: config.deletionProtection,
      snapshotRetentionDays: config.snapshotRetentionDays,
      accessLogRetentionDays: config.accessLogRetentionDays,
    });

    // This stack's own alarms, plus the teams' model alarms bound in context (contract/alarms.ts).
    const rule = { ...ALARM_ROLLBACK_RULE, pattern: alarmRollbackPattern(alarmNamePrefixes(config.modelAlarms, this.serviceName)) };
    this.functions = new RewindFunctions(this, 'Functions', {
      serviceName: this.serviceName,
      storage: this.storage,
      handlers: STORE_HANDLERS,
      logRetention,
      logRemovalPolicy,
      pointerCacheMs: config.pointerCacheMs,
      environment: mergeEnvironments({ [rule.handler]: { [MODEL_ALARMS_ENV]: JSON.stringify(config.modelAlarms) } }, detectionEnvironment(config)),
    });

    this.api = new RewindApi(this, 'Api', {
      routes: ROUTES,
      functionFor: (handler) => this.functions.get(handler),
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      serving: { handler: SERVING_HANDLER, rateLimit: config.servingRateLimit, burstLimit: config.servingBurstLimit },
      logRetention,
      logRemovalPolicy,
    });

    this.rollbackAutomation = new RollbackAutomation(this, 'RollbackAutomation', {
      rule,
      handler: this.functions.get(rule.handler),
      ...(config.opsTopicArn ? { opsTopicArn: config.opsTopicArn } : {}),
    });

    this.pointerEvents = new PointerEvents(this, 'PointerEvents', {
      serviceName: this.serviceName,
      historyTable: this.storage.tables.history,
      logRetention,
      logRemovalPolicy,
      ...(config.opsTopicArn ? { opsTopicArn: config.opsTopicArn } : {}),
    });
    // The pointer-change paths announce derived artifacts on the same bus.

    // Pointer events → the view's drift alarms. Safe to retry: the sync reads the current
    // pointer, so any delivery, late or repeated, converges on what the view serves now.
    this.alarmSync = new ReliableRule(this, 'AlarmSync', {
      rule: SYNC_ALARMS_RULE,
      handler: this.functions.get(SYNC_ALARMS_RULE.handler),
      eventBus: this.pointerEvents.bus,
      deadLetterDescription:
        "A view's drift alarms could not be synced after all retries: its alarms may not match the version it serves. Invoke sync-alarms with {\"views\": [\"<view>\"]} once the cause is fixed.",
      ...(config.opsTopicArn ? { opsTopicArn: config.opsTopicArn } : {}),
    });

    // Deploy syncs every view's drift alarms; destroy purges them (the rule goes first).
    this.driftAlarms = new DriftAlarmLifecycle(this, 'DriftAlarms', {
      handler: this.functions.get(SYNC_ALARMS_RULE.handler),
      triggers: [this.alarmSync.rule],
      logRetention,
      logRemovalPolicy,
    });

    this.canaryPromotion = new ScheduledRun(this, 'CanaryPromotion', {
      fn: this.functions.get(PROMOTE_CANARIES_HANDLER),
      purpose: 'Rewind bake check: promote baked canaries and shadows',
    });

    this.driftMonitoring = new ScheduledRun(this, 'DriftMonitoring', {
      fn: this.functions.get(DRIFT_MONITOR_HANDLER),
      purpose: 'Rewind drift monitor',
      intervalMinutes: config.monitorIntervalMinutes,
      ...(config.fastDetection ? { roundSeconds: FAST_DETECTION.roundSeconds } : {}),
    });
    monitorOpsAlarms(this, {
      serviceName: this.serviceName,
      cadenceSeconds: config.fastDetection ? FAST_DETECTION.roundSeconds : config.monitorIntervalMinutes * 60,
      ...(config.opsTopicArn ? { topicArn: config.opsTopicArn } : {}),
    });

    opsAlarm(this, 'Api5xxAlarm', {
      name: 'api-5xx',
      description: 'The Rewind API answered with server errors: check the functions\' logs (errors carry the request id of the access log).',
      metric: this.api.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: config.api5xxAlarmThreshold,
      ...(config.opsTopicArn ? { topicArn: config.opsTopicArn } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Rewind API (REWIND_API_URL)' });
    new CfnOutput(this, 'EventBusName', { value: this.pointerEvents.bus.eventBusName, description: 'Where pointer events (FeatureViewActivated, FeatureViewRolledBack, …) and FeatureArtifactRefreshed are published' });
    new CfnOutput(this, 'SnapshotBucketName', { value: this.storage.snapshotBucket.bucketName, description: 'REWIND_SNAPSHOT_BUCKET' });
    for (const spec of TABLES) {
      new CfnOutput(this, `${pascal(spec.id)}TableName`, { value: this.storage.tables[spec.id].tableName, description: spec.envVar });
    }
    new CfnOutput(this, 'AlarmRollbackDeadLetterQueueUrl', { value: this.rollbackAutomation.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SyncAlarmsFunctionName', {
      value: this.functions.get(SYNC_ALARMS_RULE.handler).functionName,
      description: 'the drift-alarm sync: {"views": ["<view>"]} or {"all": true} resyncs by hand; {"purgeAll": true} deletes every drift alarm of this stack',
    });
    new CfnOutput(this, 'AlarmSyncDeadLetterQueueUrl', { value: this.alarmSync.deadLetterQueue.queueUrl, description: 'pointer events whose drift alarms could not be synced' });
  }
}

/** Per-handler environments, merged handler by handler. */
function mergeEnvironments(...envs: Record<string, Record<string, string>>[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const env of envs) for (const [handler, vars] of Object.entries(env)) out[handler] = { ...out[handler], ...vars };
  return out;
}

/** Log retention in days, rounded up to a value CloudWatch Logs accepts. */
export function retentionDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  return allowed.find((v) => v >= days) ?? RetentionDays.INFINITE;
}
