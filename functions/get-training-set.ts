import { TrainingSetNotFoundError } from '../core/errors';
import { TrainingSetParamsSchema, isTrainingSetId } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-training-set', deps: getDeps, params: TrainingSetParamsSchema }, async ({ deps, params }) => {
  const download = isTrainingSetId(params.id) ? await deps.snapshots.trainingSetDownload(params.view, params.id) : undefined;
  if (!download) throw new TrainingSetNotFoundError(params.view, params.id);
  return { view: params.view, id: params.id, ...download };
});
