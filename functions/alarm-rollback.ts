/**
 * Invoked by the EventBridge rule in contract/rules.ts (ALARM_ROLLBACK_RULE) when an alarm
 * enters ALARM: finds the affected view(s) and rolls them back through core's rollbackView,
 * the same use case a person calls, with actor `system:alarm/<alarm name>` and the alarm's
 * reason (core/auto-rollback.ts decides which views and whether it is still right).
 *
 * Idempotent with Powertools idempotency, keyed on the alarm's state transition
 * (alarm name + state timestamp): EventBridge delivers at least once, and a redelivered
 * event must not roll back a second time (which, with no target named, would walk the view
 * one more version back). Malformed events, and alarms this stack did not set up (another
 * account's, another namespace's, no `service` dimension, a lookalike name: core/auto-rollback.ts
 * screenAlarm), are logged at WARN with why and ignored before any of that, writing nothing.
 *
 * The `FeatureViewRolledBack` event is not published here: the rollback's history entry is
 * the outbox (the history table's stream → EventBridge), so a committed rollback always gets
 * its event, even if this function dies right after the commit.
 *
 * Environment: the shared tables and bucket (rollback may rematerialize a purged version),
 * REWIND_IDEMPOTENCY_TABLE, REWIND_MODEL_ALARMS (JSON list of model-alarm bindings),
 * POWERTOOLS_SERVICE_NAME (the stack's service: another stack's drift alarms are ignored).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { parseModelAlarmBindings, type ModelAlarmBinding } from '../contract/alarms';
import { config } from '../contract/config';
import { autoRollback, parseAlarmEvent, screenAlarm, type AutoRollbackResult } from '../core/auto-rollback';
import { dynamoDbClient } from '../store/clients';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { getMeasurementLog } from './commons/measurements';
import { getEscalationNotifier } from './commons/escalation';
import { countForView, logger, metrics, SERVICE_NAME, tracer } from './commons/powertools';

/** How long a transition is remembered: far longer than EventBridge's 24 h retry window. */
const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/** `replayed`: this transition was handled before; the outcome is the recorded one and nothing was done now. */
export type AlarmRollbackResult = (AutoRollbackResult & { replayed?: true }) | { ignored: string };

const idempotencyConfig = new IdempotencyConfig({
  // One rollback per alarm TRANSITION: the same event redelivered, or replayed from an
  // archive with a new id, carries the same alarm name and state timestamp.
  eventKeyJmesPath: '[detail.alarmName, detail.state.timestamp]',
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  responseHook: (response, record) => {
    logger.info('alarm transition already handled: returning the recorded outcome, rolling back nothing', {
      idempotencyKey: record.idempotencyKey,
    });
    return { ...(response as object), replayed: true };
  },
});

type Outcome = AutoRollbackResult & { replayed?: true };
let rollBackOnce: ((event: unknown) => Promise<Outcome>) | undefined;
let bindings: ModelAlarmBinding[] | undefined;

/** Built on first use, once per container (the table name and client come from the environment). */
function idempotentRollback(): (event: unknown) => Promise<Outcome> {
  bindings ??= parseModelAlarmBindings(config.modelAlarms());
  const modelBindings = bindings;
  rollBackOnce ??= makeIdempotent(
    async (event: unknown): Promise<Outcome> => {
      const parsed = parseAlarmEvent(event);
      if (!parsed.ok) throw new Error(parsed.problem); // checked before; unreachable
      // An automatic rollback is a pointer change like any other: its derived artifacts are refreshed too.
      // The monitor's measurement records back a drift alarm before it is acted on; what is not acted on is paged.
      const measurements = getMeasurementLog();
      return autoRollback(withArtifacts(getDeps()), parsed.alarm, modelBindings, SERVICE_NAME, { notifier: getEscalationNotifier(), ...(measurements ? { measurements } : {}) });
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: config.tableName('idempotency'), awsSdkV3Client: dynamoDbClient() }),
      config: idempotencyConfig,
    },
  );
  return rollBackOnce;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>`: where this function, and so this stack, runs. */
function accountOf(context: Context): string | undefined {
  const account = context.invokedFunctionArn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

const handle = async (event: unknown, context: Context): Promise<AlarmRollbackResult> => {
  const parsed = parseAlarmEvent(event);
  if (!parsed.ok) {
    logger.warn('ignored an event that is not a CloudWatch alarm state change', { problem: parsed.problem });
    return { ignored: parsed.problem };
  }
  const { alarm } = parsed;
  // Before idempotency and before any read: a forged or foreign alarm leaves no trace but this WARN.
  // The rule already filters account and region; the account is checked again here because a
  // rule can be edited, or the function invoked directly by whoever may invoke it.
  bindings ??= parseModelAlarmBindings(config.modelAlarms());
  const account = accountOf(context);
  const screened = screenAlarm(alarm, { service: SERVICE_NAME, ...(account ? { account } : {}), modelAlarmNames: bindings.map((b) => b.alarmName) });
  if (!screened.trusted) {
    logger.warn(`ignored an alarm this stack does not trust: ${screened.why}`, { alarmName: alarm.alarmName, account: alarm.account, region: alarm.region, dimensions: alarm.dimensions, namespaces: alarm.namespaces });
    return { ignored: screened.why };
  }
  logger.appendKeys({ alarmName: alarm.alarmName, eventId: alarm.eventId });
  try {
    idempotencyConfig.registerLambdaContext(context);
    const result = await idempotentRollback()(event);
    if (result.replayed) return result;
    if (result.outcomes.length === 0) logger.warn(`alarm ignored: ${result.note ?? 'it names no view Rewind can act on'}`, { note: result.note, resolvedBy: result.resolvedBy });
    for (const outcome of result.outcomes) {
      if (outcome.action === 'rolled-back') {
        logger.info('rolled back automatically', { ...outcome, reason: alarm.reason });
        countForView(outcome.view, 'AutoRollback');
      } else logger.info('alarm needs no rollback', { ...outcome });
    }
    return result;
  } finally {
    logger.removeKeys(['alarmName', 'eventId']);
  }
};

export const handler = middy<unknown, AlarmRollbackResult>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(handle);
