import { LimitQuerySchema } from '../core/requests';
import { listPolicyProposals } from '../core/access-policy-store';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-policy-proposals', deps: getDeps, query: LimitQuerySchema }, async ({ deps, query }) => ({
  proposals: await listPolicyProposals(deps, query.limit),
}));
