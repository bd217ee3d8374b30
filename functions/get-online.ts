import { OnlineParamsSchema } from '../core/contracts';
import { getFeatureServer, getServingDeps } from './commons/serving';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-online', deps: getServingDeps, params: OnlineParamsSchema }, ({ params }) =>
  getFeatureServer().serve(params.view, params.entity),
);
