import type { Context } from 'aws-lambda';
import type { SegmentBudget } from '../../core/job-validation';
import { validateStep } from '../../core/jobs';
import { config } from '../../contract/config';
import { jobStep } from './step';

/** Time left for a segment's checkpoint (its fingerprints: 8 bytes per entity, 160 MB at 20 million) after its last batch. */
const CHECKPOINT_RESERVE_MS = 3 * 60_000;

/**
 * A segment of one invocation: REWIND_JOB_VALIDATE_SEGMENT_SECONDS, and never closer than
 * CHECKPOINT_RESERVE_MS to the invocation's end; REWIND_JOB_VALIDATE_SEGMENT_ROWS when set.
 */
function segmentBudget(context: Context): SegmentBudget {
  const started = Date.now();
  const until = Math.min(started + config.jobValidateSegmentSeconds() * 1000, started + context.getRemainingTimeInMillis() - CHECKPOINT_RESERVE_MS);
  const maxRows = config.jobValidateSegmentRows();
  return { spent: (rows) => Date.now() >= until || (maxRows !== undefined && rows >= maxRows) };
}

// Each batch the step reads becomes one chunk of REWIND_JOB_CHUNK_ROWS rows (one materialize invocation).
// `validated: false`: the file is not read to its end yet; the state machine (and the local runner) call again.
export const handler = jobStep('validate', (deps, event: { job: string }, context: Context) =>
  validateStep(deps, event.job, config.jobChunkRows(), segmentBudget(context)).then(({ validated }) => ({ job: event.job, validated })),
);
