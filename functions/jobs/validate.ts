import { validateStep } from '../../core/jobs';
import { config } from '../../contract/config';
import { jobStep } from './step';

// Each batch the step reads becomes one chunk of REWIND_JOB_CHUNK_ROWS rows (one materialize invocation).
export const handler = jobStep('validate', (deps, event: { job: string }) => validateStep(deps, event.job, config.jobChunkRows()).then(() => ({ job: event.job })));
