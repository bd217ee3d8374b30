import { LimitQuerySchema, ViewParamsSchema } from '../core/requests';
import { getHistory } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-history', deps: getDeps, params: ViewParamsSchema, query: LimitQuerySchema }, async ({ deps, params, query }) => ({
  view: params.view,
  history: await getHistory(deps, params.view, query.limit),
}));
