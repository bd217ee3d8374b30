import { OnlineParamsSchema } from '../core/contracts';
import { getFeatureServer } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-online', params: OnlineParamsSchema }, ({ params }) =>
  getFeatureServer().serve(params.view, params.entity),
);
