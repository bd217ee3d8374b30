import { PutPolicyRequestSchema } from '../core/requests';
import { changePolicy, type PolicyChangeResult } from '../core/access-policy-store';
import { rememberPolicy } from './commons/policy-cache';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

/** Proposes (202, nothing in force yet); with an admin's breakGlassReason, puts the document in force at once (200). */
export const handler = httpRoute(
  { handler: 'put-policy', deps: getDeps, body: PutPolicyRequestSchema, status: (result) => ((result as PolicyChangeResult).kind === 'proposed' ? 202 : 200) },
  async ({ deps, principal, body }) => {
    const result = await changePolicy(deps, principal.sub, body);
    if (result.kind === 'applied') rememberPolicy(result);
    return result;
  },
);
