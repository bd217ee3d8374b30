import { OnlineParamsSchema } from '../core/requests';
import { getFeatureServer, getServingDeps, getServingEdge } from './commons/serving';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-online', deps: getServingDeps, edge: getServingEdge, params: OnlineParamsSchema }, ({ params }) =>
  getFeatureServer().serve(params.view, params.entity),
);
