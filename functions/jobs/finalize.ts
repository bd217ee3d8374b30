import { finalizeStep } from '../../core/jobs';
import { jobStep } from './step';

export const handler = jobStep('finalize', (deps, event: { job: string }) => finalizeStep(deps, event.job));
