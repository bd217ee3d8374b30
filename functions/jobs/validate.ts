import { validateStep } from '../../core/jobs';
import { jobStep } from './step';

export const handler = jobStep('validate', (deps, event: { job: string }) => validateStep(deps, event.job).then(() => ({ job: event.job })));
