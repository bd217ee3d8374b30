import { PutPolicyRequestSchema } from '../core/requests';
import { replacePolicy } from '../core/access-policy-store';
import { rememberPolicy } from './commons/policy-cache';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'put-policy', deps: getDeps, body: PutPolicyRequestSchema }, async ({ deps, principal, body }) => {
  const stored = await replacePolicy(deps, principal.sub, body);
  rememberPolicy(stored);
  return stored;
});
