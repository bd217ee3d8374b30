import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { alarmNamePrefixes, METRIC, METRICS_NAMESPACE, MODEL_ALARMS_ENV } from '../contract/alarms';
import { ENV } from '../contract/config';
import { ROUTES } from '../contract/routes';
import { AFTER_ROLLBACK_RULE, ALARM_ROLLBACK_RULE, alarmRollbackPattern, SYNC_ALARMS_RULE } from '../contract/rules';
import { serviceNameForStack } from '../contract/service';
import { TABLES } from '../contract/tables';
import { DEFAULT_MONITOR_ALARM, detectionEnvironment, FAST_DETECTION, SCHEDULED_DRILL, type RewindConfig } from './config';
import { RewindApi } from './constructs/api';
import { RewindConsole } from './constructs/console';
import { AuditCheckpointKey } from './constructs/audit-checkpoints';
import { DeployJobs } from './constructs/deploy-jobs';
import { DrillSchedule } from './constructs/drill-schedule';
import { DriftAlarmLifecycle } from './constructs/drift-alarm-lifecycle';
import { monitorOpsAlarms, ScheduledRun } from './constructs/scheduled-run';
import { RewindFunctions } from './constructs/functions';
import type { RewindFunction } from './constructs/rewind-function';
import { opsAlarm } from './constructs/ops-alarm';
import { PointerEvents } from './constructs/pointer-events';
import { ReliableRule, RollbackAutomation } from './constructs/rollback-automation';
import { pascal, RewindStorage } from './constructs/storage';
import { AUDIT_CHECKPOINT_HANDLER, DRIFT_MONITOR_HANDLER, NOTIFYING_HANDLERS, PROMOTE_CANARIES_HANDLER, REPUBLISH_HANDLER, SERVING_HANDLER, SERVING_HANDLERS, STORE_HANDLERS } from './handlers';

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
 * schedule ─▶ audit-checkpoint ─▶ KMS Sign ─▶ bucket checkpoints/ (Object Lock)
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
  public readonly afterRollback: ReliableRule;
  public readonly driftAlarms: DriftAlarmLifecycle;
  public readonly checkpointKey: AuditCheckpointKey;
  public readonly auditCheckpoints: ScheduledRun;
  public readonly deployJobs: DeployJobs;
  /** Absent with `rewind:console=false`. */
  public readonly console?: RewindConsole;
  /** The ops topic this stack created (production posture without `rewind:opsTopicArn`). */
  public readonly opsTopic?: Topic;
  /** The scheduled drill (`rewind:drillSchedule`); absent without it. */
  public readonly drillSchedule?: DrillSchedule;

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

    // Pages must reach someone: in the production posture an ops topic is given
    // (`rewind:opsTopicArn`) or created here, to be subscribed to; elsewhere it stays optional.
    if (!config.opsTopicArn && config.deletionProtection) {
      this.opsTopic = new Topic(this, 'OpsTopic', { displayName: `Rewind ${this.stackName} operations`, enforceSSL: true });
      new CfnOutput(this, 'OpsTopicArn', { value: this.opsTopic.topicArn, description: 'Subscribe the on-call (email, chat, pager) to this topic: every ops alarm notifies it' });
    }
    const opsTopicArn = config.opsTopicArn ?? this.opsTopic?.topicArn;

    this.storage = new RewindStorage(this, 'Storage', {
      deletionProtection: config.deletionProtection,
      snapshotRetentionDays: config.snapshotRetentionDays,
      accessLogRetentionDays: config.accessLogRetentionDays,
    });

    // Signs the audit checkpoints kept in the bucket: the audit log's anchor outside its table.
    this.checkpointKey = new AuditCheckpointKey(this, 'AuditCheckpointKey', { removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY });

    // This stack's own alarms, plus the teams' model alarms bound in context (contract/alarms.ts).
    // Filtered on this account and region: a forwarded alarm of another account never triggers a rollback here.
    const rule = { ...ALARM_ROLLBACK_RULE, pattern: alarmRollbackPattern(alarmNamePrefixes(config.modelAlarms, this.serviceName), { account: this.account, region: this.region }) };
    this.functions = new RewindFunctions(this, 'Functions', {
      serviceName: this.serviceName,
      storage: this.storage,
      handlers: STORE_HANDLERS,
      logRetention,
      logRemovalPolicy,
      pointerCacheMs: config.pointerCacheMs,
      reserveConcurrency: config.deletionProtection,
      environment: mergeEnvironments(
        { [rule.handler]: { [MODEL_ALARMS_ENV]: JSON.stringify(config.modelAlarms) } },
        detectionEnvironment(config),
        // The heartbeat alarms sync-alarms creates at run time page through the same topic as the ops alarms here.
        opsTopicArn ? { [SYNC_ALARMS_RULE.handler]: { [ENV.opsTopicArn]: opsTopicArn } } : {},
      ),
      checkpointKey: { key: this.checkpointKey.key, retired: config.retiredCheckpointKeyArns },
    });

    // Escalations go to the ops topic itself (store/sns-notifier.ts): the functions that notify
    // are told it and may publish to it, to that topic only; no other function may.
    if (opsTopicArn) {
      for (const handler of NOTIFYING_HANDLERS) {
        const fn = this.functions.get(handler);
        fn.addEnvironment(ENV.opsTopicArn, opsTopicArn);
        fn.functionRole.addToPrincipalPolicy(new PolicyStatement({ sid: 'PublishToTheOpsTopic', actions: ['sns:Publish'], resources: [opsTopicArn] }));
      }
    }

    // Deploys too large for one request run as jobs on Step Functions (core/jobs.ts).
    const step = (name: string) => this.functions.get(`jobs/${name}`);
    this.deployJobs = new DeployJobs(this, 'DeployJobs', {
      steps: { validate: step('validate'), plan: step('plan'), chunk: step('materialize-chunk'), finalize: step('finalize'), fail: step('fail') },
      bucket: this.storage.snapshotBucket,
      materializeConcurrency: config.materializeConcurrency,
      logRetention,
      logRemovalPolicy,
    });
    // The routes that start jobs: large deploys, purges and training sets.
    for (const name of ['deploy-version', 'purge-version', 'create-training-set'] as const) {
      const starter = this.functions.get(name);
      starter.addEnvironment(ENV.jobStateMachine, this.deployJobs.stateMachine.stateMachineArn);
      this.deployJobs.stateMachine.grantStartExecution(starter);
    }

    // The web console: created before the API, whose CORS names the console's origin only.
    this.console = config.console
      ? new RewindConsole(this, 'Console', {
          removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
          accessLogRetentionDays: config.accessLogRetentionDays,
          logRetention,
          issuer: config.jwtIssuer,
        })
      : undefined;

    this.api = new RewindApi(this, 'Api', {
      routes: ROUTES,
      functionFor: (handler) => this.functions.get(handler),
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
      serving: { handlers: SERVING_HANDLERS, rateLimit: config.servingRateLimit, burstLimit: config.servingBurstLimit },
      logRetention,
      logRemovalPolicy,
      corsOrigins: this.console ? [this.console.origin] : [],
    });
    if (this.console) {
      this.console.publish({ apiUrl: this.api.url, clientId: config.consoleClientId ?? config.jwtAudience[0]!, scopes: config.consoleScopes });
      new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: "The web console (docs/console.md); register it as the console's OIDC redirect URI" });
    }

    // Scheduled drills against this stack's own API (functions/scheduled-drill.ts); configFromContext
    // refused a schedule without its client, its secret or a real issuer.
    if (config.drillSchedule) {
      this.drillSchedule = new DrillSchedule(this, 'DrillSchedule', {
        serviceName: this.serviceName,
        expression: config.drillSchedule,
        apiUrl: this.api.url,
        issuer: config.jwtIssuer,
        clientId: config.drillClientId!,
        clientSecretArn: config.drillClientSecretArn!,
        ...(config.drillScope ? { scope: config.drillScope } : {}),
        drill: {
          scenario: config.drillScenario,
          rows: config.drillRows,
          rps: config.drillRps,
          targetMttrSeconds: config.drillTargetMttrSeconds,
          periodSeconds: config.fastDetection ? FAST_DETECTION.alarmPeriodSeconds : DEFAULT_MONITOR_ALARM.periodSeconds,
          timeoutSeconds: SCHEDULED_DRILL.phaseTimeoutSeconds,
        },
        stalenessMs: config.pointerCacheMs,
        logRetention,
        logRemovalPolicy,
        ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
      });
      if (!config.jwtAudience.includes(config.drillClientId!)) {
        Annotations.of(this).addWarningV2(
          'rewind:drillAudience',
          `${config.drillClientId} is not in rewind:jwtAudience: the API accepts the drill's token only if the issuer puts one of ${config.jwtAudience.join(', ')} in its aud (Cognito puts the client id in client_id: add it to rewind:jwtAudience). docs/drills.md`,
        );
      }
    }

    this.rollbackAutomation = new RollbackAutomation(this, 'RollbackAutomation', {
      rule,
      handler: this.functions.get(rule.handler),
      ...(opsTopicArn ? { opsTopicArn } : {}),
    });

    this.pointerEvents = new PointerEvents(this, 'PointerEvents', {
      serviceName: this.serviceName,
      historyTable: this.storage.tables.history,
      versionsTable: this.storage.tables.versions,
      jobsTable: this.storage.tables.jobs,
      ...(config.openLineageUrl ? { openLineageUrl: config.openLineageUrl } : {}),
      logRetention,
      logRemovalPolicy,
      // The scheduled drill publishes DrillCompleted on the bus too (the bus policy names every publisher).
      republishers: [this.functions.get(REPUBLISH_HANDLER), ...(this.drillSchedule ? [this.drillSchedule.fn] : [])],
      ...(opsTopicArn ? { opsTopicArn } : {}),
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
      ...(opsTopicArn ? { opsTopicArn } : {}),
    });

    // A committed rollback → its runbook and one escalation with context (functions/after-rollback.ts).
    // Retried like the alarm sync: the consumer is idempotent per rollback (Powertools, keyed on the event id).
    const afterRollback = this.functions.get(AFTER_ROLLBACK_RULE.handler);
    this.afterRollback = new ReliableRule(this, 'AfterRollback', {
      rule: AFTER_ROLLBACK_RULE,
      handler: afterRollback,
      eventBus: this.pointerEvents.bus,
      deadLetterDescription:
        'A rollback could not be followed up (runbook, escalation) after all retries: nobody was told and its verification did not run. Read after-rollback\'s log, then redrive the event from this queue.',
      ...(opsTopicArn ? { opsTopicArn } : {}),
    });
    // Its escalations go to the ops topic with their context (functions/commons/escalation.ts); without
    // a topic (or if it did not take one) they page like every other notice: a log line at ERROR
    // and the `Page` count the pages ops alarm watches.

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
      ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
    });

    this.auditCheckpoints = new ScheduledRun(this, 'AuditCheckpoints', {
      fn: this.functions.get(AUDIT_CHECKPOINT_HANDLER),
      purpose: 'Rewind audit checkpoint: sign every audit chain head into the bucket',
      intervalMinutes: config.checkpointIntervalMinutes,
    });

    // The two functions an automatic rollback passes through: any error or throttle pages.
    const watched: [string, RewindFunction][] = [
      ['alarm-rollback', this.functions.get(rule.handler)],
      ['pointer-events-publisher', this.pointerEvents.publisher],
    ];
    for (const [name, fn] of watched) {
      opsAlarm(this, `${pascal(name)}ErrorsAlarm`, {
        name: `${name}-errors`,
        description: `Rewind ${fn.handlerName} failed: an automatic rollback or a pointer event may be late or lost. Read its log group; the dead-letter or failure queue holds what gave up.`,
        metric: fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: 1,
        ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
      });
      opsAlarm(this, `${pascal(name)}ThrottlesAlarm`, {
        name: `${name}-throttles`,
        description: `Rewind ${fn.handlerName} was throttled: the account's concurrency is exhausted, and rollbacks or pointer events wait.`,
        metric: fn.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
        threshold: 1,
        ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
      });
    }
    opsAlarm(this, 'PointerEventsIteratorAgeAlarm', {
      name: 'pointer-events-iterator-age',
      description: 'The history stream is more than 5 minutes behind: pointer events (and the drift-alarm syncs they trigger) are late. Check the publisher\'s errors and the failure queue.',
      metric: this.pointerEvents.publisher.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 5 * 60_000,
      evaluationPeriods: 3,
      ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
    });

    // What the functions page (core/notifier.ts): stable drift with no rollback target, drift
    // past the rollback window, an alarm with no measurement behind it. Each page is a new
    // count, so each new one is a new transition (and a new notification).
    opsAlarm(this, 'PagesAlarm', {
      name: 'pages',
      description: 'Rewind paged: a drift it could not or would not roll back (no rollback target, past the rollback window), or an alarm with no measurement behind it. The alarm-rollback log line "PAGE: …" (level ERROR) names the view, the version and why.',
      metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.page, dimensionsMap: { service: this.serviceName }, statistic: 'Sum', period: Duration.minutes(1) }),
      threshold: 1,
      ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
    });

    opsAlarm(this, 'DeployJobsFailedAlarm', {
      name: 'deploy-jobs-failed',
      description: 'A deploy job execution failed: a bad file or a cancel ends the job cleanly (GET /jobs/{id}); anything else (its fail step included) needs a look at the execution history and the step logs.',
      metric: this.deployJobs.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
    });

    opsAlarm(this, 'Api5xxAlarm', {
      name: 'api-5xx',
      description: 'The Rewind API answered with server errors: check the functions\' logs (errors carry the request id of the access log).',
      metric: this.api.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: config.api5xxAlarmThreshold,
      ...(opsTopicArn ? { topicArn: opsTopicArn } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Rewind API (REWIND_API_URL)' });
    new CfnOutput(this, 'EventBusName', { value: this.pointerEvents.bus.eventBusName, description: 'Where pointer events (FeatureViewActivated, FeatureViewRolledBack, …) and FeatureArtifactRefreshed are published' });
    new CfnOutput(this, 'SnapshotBucketName', { value: this.storage.snapshotBucket.bucketName, description: 'REWIND_SNAPSHOT_BUCKET' });
    for (const spec of TABLES) {
      new CfnOutput(this, `${pascal(spec.id)}TableName`, { value: this.storage.tables[spec.id].tableName, description: spec.envVar });
    }
    new CfnOutput(this, 'AuditCheckpointKeyArn', { value: this.checkpointKey.key.keyArn, description: 'signs the audit checkpoints (REWIND_AUDIT_SIGNING_KEY); after a rotation, list it in rewind:retiredCheckpointKeyArns' });
    new CfnOutput(this, 'AlarmRollbackDeadLetterQueueUrl', { value: this.rollbackAutomation.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'SyncAlarmsFunctionName', {
      value: this.functions.get(SYNC_ALARMS_RULE.handler).functionName,
      description: 'the drift-alarm sync: {"views": ["<view>"]} or {"all": true} resyncs by hand (a direct purgeAll is refused: only the stack\'s deletion purges)',
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
