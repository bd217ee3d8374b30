import { listApprovals } from '../core/approvals';
import { LimitQuerySchema, ViewParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-approvals', deps: getDeps, params: ViewParamsSchema, query: LimitQuerySchema }, async ({ deps, params, query }) => ({
  view: params.view,
  approvals: await listApprovals(deps, params.view, query.limit),
}));
