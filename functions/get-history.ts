import { LimitQuerySchema, ViewParamsSchema } from '../core/requests';
import { getHistory } from '../core/queries';
import { withFollowUps } from '../core/runbook-view';
import { getDeps } from './commons/deps';
import { getFollowUpLog } from './commons/follow-ups';
import { httpRoute } from './http/route';

/** Each rollback's entry carries `followUp` once its runbook has run (the followups table). */
export const handler = httpRoute({ handler: 'get-history', deps: getDeps, params: ViewParamsSchema, query: LimitQuerySchema }, async ({ deps, params, query }) => ({
  view: params.view,
  history: await withFollowUps(getFollowUpLog(), params.view, await getHistory(deps, params.view, query.limit)),
}));
