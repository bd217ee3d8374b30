import { ApprovePolicyProposalRequestSchema, PolicyProposalParamsSchema } from '../core/requests';
import { approvePolicyProposal } from '../core/access-policy-store';
import { rememberPolicy } from './commons/policy-cache';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  { handler: 'approve-policy-proposal', deps: getDeps, params: PolicyProposalParamsSchema, body: ApprovePolicyProposalRequestSchema },
  async ({ deps, principal, params, body }) => {
    const stored = await approvePolicyProposal(deps, principal, params.id, body);
    rememberPolicy(stored);
    return stored;
  },
);
