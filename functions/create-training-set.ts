import { config } from '../contract/config';
import { requestTrainingSet } from '../core/jobs/training-set';
import { TrainingSetRequestSchema, ViewParamsSchema } from '../core/requests';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

// 201 with the set; 202 with a job (`job` in the answer) for a file over REWIND_TRAINING_SET_MAX_ROWS rows, or `async: true`.
export const handler = httpRoute(
  { handler: 'create-training-set', deps: getJobDeps, params: ViewParamsSchema, body: TrainingSetRequestSchema, status: (result) => ((result as { job?: unknown }).job ? 202 : 201) },
  ({ deps, caller, params, body }) => requestTrainingSet(deps, caller, params.view, body, { maxRows: config.trainingSetMaxRows() }),
);
