import { config } from '../contract/config';
import { AsOfQuerySchema, OnlineParamsSchema } from '../core/requests';
import { servedAsOf } from '../core/time-travel';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-online-as-of', deps: getDeps, params: OnlineParamsSchema, query: AsOfQuerySchema }, ({ deps, params, query }) =>
  servedAsOf(deps, params.view, params.entity, query.at, config.pointerCacheMs()),
);
