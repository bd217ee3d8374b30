/**
 * A deploy job's step as a Lambda handler (Step Functions task, or the local runner): middy
 * with the Powertools logger around one core/jobs.ts step. A step that fails for a reason a
 * retry cannot fix (bad input, a stopped job, a refused state) throws `JobStepRefused`, which
 * the state machine does not retry and hands to the fail step with the error body in `Cause`;
 * anything else (throttling, a timeout) is thrown as is, and retried with backoff.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import type { JobDeps } from '../../core/jobs';
import type { JobError } from '../../core/ports/jobs';
import { RewindError } from '../../core/errors';
import { getJobDeps } from '../commons/job-deps';
import { logger } from '../commons/powertools';
import { toErrorResponse } from '../http/errors';

export const REFUSED = 'JobStepRefused';

/** What a step error says in the job: the same body the HTTP edge would answer with. */
export function jobErrorOf(error: unknown): JobError {
  const { status, body } = toErrorResponse(error);
  return { status, code: body.error.code, message: body.error.message, ...(body.error.field ? { field: body.error.field } : {}) };
}

export function jobStep<E, R>(name: string, step: (deps: JobDeps, event: E, context: Context) => Promise<R>) {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      try {
        return await step(getJobDeps(), event, context);
      } catch (error) {
        if (!(error instanceof RewindError)) throw error;
        logger.info('job step refused', { step: name, code: error.code, message: error.message });
        throw Object.assign(new Error(JSON.stringify(jobErrorOf(error))), { name: REFUSED });
      }
    });
}
