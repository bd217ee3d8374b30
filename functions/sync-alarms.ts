/**
 * The entry point of core/alarm-sync.ts, which keeps each view's drift alarms in CloudWatch in
 * line with the monitor policy of the version it serves (contract/alarms.ts driftAlarmsForView).
 * Views exist only at runtime, so the stack cannot create their alarms at synth time: this
 * function does, after every pointer change
 * that may change the served version (the rule SYNC_ALARMS_RULE on Rewind's bus:
 * FeatureViewActivated, …CanaryStarted, …ShadowStarted, …Promoted, …RolledBack).
 *
 * Invoked by hand with `{ "views": ["user_profile"] }` or `{ "all": true }`, it syncs those
 * views; `{ "purgeAll": true }` by hand is refused (see PURGE_REFUSAL): only the custom
 * resource's Delete purges.
 *
 * It is also the handler of the stack's custom resource (infra/constructs/drift-alarm-lifecycle.ts,
 * through the CDK Provider framework, which invokes it synchronously and answers
 * CloudFormation): on Create and Update it syncs every view (the first deploy, or the upgrade
 * that added the resource, gives views activated earlier their alarms); on Delete, when the
 * stack itself is being deleted, it purges the service's drift alarms, which are not in the
 * template. It answers every custom-resource event with success, saying what it could not do:
 * alarms are derived state, and neither a deploy nor a `cdk destroy` should fail over them.
 *
 * Environment: the shared tables (versions and pointers read); POWERTOOLS_SERVICE_NAME, the
 * stack's service (contract/service.ts), whose alarms alone it reads, puts and deletes;
 * REWIND_ALARM_PERIOD_SECONDS (optional, as for the drift monitor) overrides the policies'
 * alarm periods; REWIND_OPS_TOPIC_ARN (optional) is the ops topic its heartbeat alarms notify. IAM: cloudwatch:DescribeAlarms, PutMetricAlarm, DeleteAlarms on
 * `alarm:<service>-drift-*` only; cloudformation:DescribeStacks on its own stack.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { config } from '../contract/config';
import { createSyncAlarmsHandler, purgeRequested, type DriftAlarmsResourceResponse, type PurgeDriftAlarmsResult, type SyncAlarmsResult } from '../core/alarm-sync';
import { cloudFormationClient, cloudWatchClient, documentClient } from '../store/clients';
import { CloudFormationStackStatus } from '../store/cloudformation-stack';
import { CloudWatchDriftAlarms } from '../store/cloudwatch-alarms';
import { createTablePorts } from '../store/dynamo-ports';
import { logger, SERVICE_NAME, tracer } from './commons/powertools';

type Result = SyncAlarmsResult | PurgeDriftAlarmsResult | DriftAlarmsResourceResponse | { refused: string };

/**
 * Purging every drift alarm blinds automatic rollback for the whole stack, so it happens only
 * when CloudFormation deletes the stack (the custom resource's Delete, which core checks against
 * the stack's own status). A direct `{ "purgeAll": true }`, from anyone who may invoke this
 * function, is refused and logged.
 */
export const PURGE_REFUSAL = 'purgeAll is done only by the stack\'s custom resource when the stack is deleted; delete the stack, or let the next sync remove alarms a view no longer needs';

// The tracer does not record responses here: a sync of every view lists every alarm, which
// can outgrow an X-Ray segment (64 KB); the log has them.

let handle: ReturnType<typeof createSyncAlarmsHandler> | undefined;

/** Built on the first invocation, once per container (only the tables it reads: no bucket, no S3 code). */
function configured(): ReturnType<typeof createSyncAlarmsHandler> {
  if (handle) return handle;
  const { catalog, pointers } = createTablePorts(documentClient(), {
    versions: config.tableName('versions'),
    pointers: config.tableName('pointers'),
    history: config.tableName('history'),
    audit: config.tableName('audit'),
  });
  const periodSeconds = config.alarmPeriodSeconds();
  const opsTopicArn = config.opsTopicArn();
  handle = createSyncAlarmsHandler({
    catalog,
    pointers,
    alarms: new CloudWatchDriftAlarms(cloudWatchClient(), SERVICE_NAME),
    stacks: new CloudFormationStackStatus(cloudFormationClient()),
    service: SERVICE_NAME,
    log: logger,
    ...(periodSeconds !== undefined ? { periodSeconds } : {}),
    ...(opsTopicArn !== undefined ? { opsTopicArn } : {}),
  });
  return handle;
}

export const handler = middy<unknown, Result>()
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .handler(async (event: unknown, context: Context): Promise<Result> => {
    if (purgeRequested(event)) {
      logger.warn('refused a direct purgeAll', { refused: PURGE_REFUSAL });
      return { refused: PURGE_REFUSAL };
    }
    return configured()(event, { remainingMs: () => context.getRemainingTimeInMillis() });
  });
