import { LimitQuerySchema, ViewParamsSchema } from '../core/contracts';
import { getHistory } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-history', params: ViewParamsSchema, query: LimitQuerySchema }, async ({ deps, params, query }) => ({
  view: params.view,
  history: await getHistory(deps, params.view, query.limit),
}));
