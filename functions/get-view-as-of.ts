import { config } from '../contract/config';
import { AsOfQuerySchema, ViewParamsSchema } from '../core/requests';
import { pointerAsOf } from '../core/time-travel';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-view-as-of', deps: getDeps, params: ViewParamsSchema, query: AsOfQuerySchema }, ({ deps, params, query }) =>
  pointerAsOf(deps, params.view, query.at, config.pointerCacheMs()),
);
