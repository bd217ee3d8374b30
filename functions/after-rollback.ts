/**
 * After every rollback, manual or automatic: invoked by AFTER_ROLLBACK_RULE (contract/rules.ts)
 * for the `FeatureViewRolledBack` event the history outbox publishes once the rollback has
 * committed. It
 *  1. escalates an automatic rollback at once: ONE notice with its context (core/escalation.ts);
 *  2. runs the view's runbook (core/runbook-run.ts) without a human;
 *  3. escalates a failed verification (one notice), and tells the runbook's `notify` steps;
 *  4. records every step's outcome and the notices sent on the rollback's follow-up (the followups
 *     table, shown on its history entry as `followUp`) and in the view's audit chain.
 *
 * Why here and not in the rollback: the rollback stays two round trips whatever a model alarm
 * or a webhook does, and nothing here can block or undo it; and because the outbox never loses
 * a committed change's event, no rollback goes without its runbook.
 *
 * Idempotent per rollback: Powertools idempotency keyed on the event's `eventId`
 * (`<view>#<revision>`: one per rollback, whatever redelivers or republishes it), and a rollback
 * that already has a follow-up is left alone (the follow-up is written once). So the same alarm twice (one rollback, core's
 * guard) and the same event twice both notify once.
 *
 * Environment: the shared tables and bucket (the verification reads the restored snapshot and
 * its online rows), REWIND_IDEMPOTENCY_TABLE, REWIND_NOTIFY_URL / REWIND_EVENT_BUS (where
 * escalations go, functions/commons/escalation.ts).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { config } from '../contract/config';
import { escalationContext, escalationNotice } from '../core/escalation';
import { recordFollowUp, runSteps } from '../core/runbook-run';
import { runbookOf, type FollowUp } from '../core/runbook';
import { dynamoDbClient } from '../store/clients';
import { getAlarmStatus } from './commons/alarm-status';
import { getDeps } from './commons/deps';
import { getEscalationNotifier } from './commons/escalation';
import { getFollowUpLog } from './commons/follow-ups';
import { getMeasurementLog } from './commons/measurements';
import { logger, tracer } from './commons/powertools';

const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

const RolledBackEventSchema = z.object({
  'detail-type': z.literal('FeatureViewRolledBack'),
  detail: z.object({ eventId: z.string().min(1), view: z.string().min(1), revision: z.number().int().positive() }),
});

export type AfterRollbackResult = { view: string; revision: number; followUp: FollowUp } | { ignored: string } | { replayed: true };

const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'detail.eventId',
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  responseHook: () => ({ replayed: true }),
});

let once: ((event: unknown) => Promise<AfterRollbackResult>) | undefined;

function followUpOnce(): (event: unknown) => Promise<AfterRollbackResult> {
  once ??= makeIdempotent(followUp, {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: config.tableName('idempotency'), awsSdkV3Client: dynamoDbClient() }),
    config: idempotencyConfig,
  });
  return once;
}

async function followUp(event: unknown): Promise<AfterRollbackResult> {
  const { detail } = RolledBackEventSchema.parse(event);
  const deps = getDeps();
  const entry = await deps.pointers.historyEntry(detail.view, detail.revision);
  if (!entry || entry.action !== 'rollback') return { ignored: `${detail.view} revision ${detail.revision} is not a rollback in the history` };
  const followUps = getFollowUpLog();
  const earlier = (await followUps.followUps(entry.view, entry.revision, entry.revision)).get(entry.revision);
  if (earlier) return { ignored: `${detail.view} revision ${detail.revision} was followed up at ${earlier.finishedAt}` };
  const notifier = getEscalationNotifier();
  const notified: string[] = [];
  const context = await escalationContext(deps, entry, getMeasurementLog());
  if (context.automatic) {
    await notifier.notify(escalationNotice('auto-rollback', context));
    notified.push('auto-rollback');
  }
  const ports = { deps, followUps, alarms: getAlarmStatus() };
  const outcome = await runSteps(ports, entry);
  if (outcome.status === 'verification-failed') {
    const failed = outcome.steps.filter((s) => s.outcome === 'failed').map((s) => `${s.kind}: ${s.detail}`).join('; ');
    await notifier.notify({ ...escalationNotice('verification-failed', context, failed), detail: { followUp: outcome } });
    notified.push('verification-failed');
  }
  const restored = entry.toVersion === null ? undefined : await deps.catalog.getVersion(entry.view, entry.toVersion);
  if (outcome.status === 'verified' && runbookOf(restored).runbook.steps.some((s) => s.kind === 'notify')) {
    await notifier.notify({ kind: 'runbook-completed', view: entry.view, ...(entry.toVersion !== null ? { version: entry.toVersion } : {}), summary: `${entry.view} v${entry.toVersion ?? '?'} verified after the rollback from v${entry.fromVersion ?? '?'}`, key: `runbook-completed#${entry.view}#${entry.revision}`, context: context as unknown as Record<string, unknown>, detail: { followUp: outcome } });
    notified.push('runbook-completed');
  }
  const recorded = await recordFollowUp(ports, entry, { ...outcome, notified });
  logger.info(`runbook after rollback: ${recorded.status}`, { view: entry.view, revision: entry.revision, steps: recorded.steps.map((s) => `${s.kind}: ${s.outcome}`), notified });
  return { view: entry.view, revision: entry.revision, followUp: recorded };
}

const handle = async (event: unknown, context: Context): Promise<AfterRollbackResult> => {
  const parsed = RolledBackEventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn('ignored an event that is not a FeatureViewRolledBack', { problem: parsed.error.issues[0]?.message });
    return { ignored: 'not a FeatureViewRolledBack event' };
  }
  idempotencyConfig.registerLambdaContext(context);
  return followUpOnce()(event);
};

export const handler = middy<unknown, AfterRollbackResult>().use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).handler(handle);
