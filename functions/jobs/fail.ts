import { failStep } from '../../core/jobs';
import type { JobError } from '../../core/ports/jobs';
import { REFUSED } from './step';
import { jobStep } from './step';

/**
 * The state machine's Catch target: `error` is what Step Functions caught ({ Error, Cause }).
 * A refused step's Cause is its error body; anything else is recorded as an internal error.
 */
export const handler = jobStep('fail', (deps, event: { job: string; error?: { Error?: string; Cause?: string } }) => failStep(deps, event.job, errorFrom(event.error)));

function errorFrom(caught: { Error?: string; Cause?: string } | undefined): JobError {
  if (caught?.Error === REFUSED && caught.Cause) {
    try {
      const cause = JSON.parse(caught.Cause) as { errorMessage?: string } & Partial<JobError>;
      const body = (cause.errorMessage ? JSON.parse(cause.errorMessage) : cause) as JobError;
      if (typeof body.code === 'string') return body;
    } catch {
      // not a refused step's body: below
    }
  }
  return { status: 500, code: 'InternalError', message: `the job stopped on ${caught?.Error ?? 'an error'}; nothing was recorded` };
}
