/**
 * Scheduled (the stack: every minute; locally: every REWIND_PROMOTE_INTERVAL_MS when the
 * runtime is started with it). Promotes every canary or shadow whose bake has passed with no
 * alarm about its view (core/bake.ts). Idempotent: each promotion is conditioned on the
 * pointer revision it judged, so two overlapping runs promote once, and a run after a
 * promotion finds no candidate.
 *
 * Environment: the shared tables (versions, pointers, history, audit: read and commit) and
 * the bucket (a purged candidate is rematerialized before it goes live); CloudWatch
 * DescribeAlarms + DescribeAlarmHistory; the samples table (read: the bake's evidence). Its promotions' events (the pointer's and the
 * artifacts') are published by the history outbox, not here.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { promoteBakedCandidates, type BakeOutcome } from '../core/bake';
import { getAlarmStatus } from './commons/alarm-status';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { getSampleStore } from './commons/serving';
import { countForView, logger, metrics, tracer } from './commons/powertools';

const handle = async (): Promise<{ outcomes: BakeOutcome[] }> => {
  // The samples give the bake its evidence: no promotion before minBakeSamples served samples.
  const outcomes = await promoteBakedCandidates(withArtifacts(getDeps()), getAlarmStatus(), getSampleStore());
  for (const outcome of outcomes) {
    if (outcome.action === 'promoted') {
      logger.info('promoted after its bake', { ...outcome });
      countForView(outcome.view, 'CandidatePromoted');
    } else if (outcome.action === 'held') logger.warn('bake passed but the candidate is held', { ...outcome });
    else logger.debug('still baking', { ...outcome });
  }
  return { outcomes };
};

export const handler = middy<unknown, { outcomes: BakeOutcome[] }>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(handle);
