import { config } from '../contract/config';
import { createTrainingSet } from '../core/create-training-set';
import { TrainingSetRequestSchema, ViewParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'create-training-set', deps: getDeps, params: ViewParamsSchema, body: TrainingSetRequestSchema, status: 201 }, ({ deps, params, body }) =>
  createTrainingSet(deps, params.view, body, { maxRows: config.trainingSetMaxRows() }),
);
