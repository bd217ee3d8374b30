import { OnlineBatchParamsSchema, OnlineBatchRequestSchema } from '../core/requests';
import { BatchFeatureServer } from '../core/serving-batch';
import { getFeatureServer, getServingDeps, getServingEdge } from './commons/serving';
import { httpRoute } from './http/route';

let batch: BatchFeatureServer | undefined;

/** The same FeatureServer as get-online's in this container: one pointer cache, one sampler. */
function getBatchServer(): BatchFeatureServer {
  batch ??= new BatchFeatureServer(getFeatureServer(), getServingDeps().online);
  return batch;
}

export const handler = httpRoute(
  { handler: 'get-online-batch', deps: getServingDeps, edge: getServingEdge, params: OnlineBatchParamsSchema, body: OnlineBatchRequestSchema },
  ({ params, body }) => getBatchServer().serveMany(params.view, body.entities),
);
