/**
 * POST /audit/checkpoints (admin, with MFA): a signed checkpoint of every audit chain's end,
 * now, rather than at the next scheduled one (before a change an auditor wants anchored).
 */
import { checkpointOnDemand } from '../core/audit-checkpoint';
import { checkpointAdapters } from '../store/audit-checkpoint-deps';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'create-audit-checkpoint', deps: getDeps, status: 201 }, ({ deps, principal }) =>
  checkpointOnDemand(deps, checkpointAdapters(), principal.sub),
);
