import { PutPolicyRequestSchema } from '../core/contracts';
import { replacePolicy } from '../core/policy-store';
import { rememberPolicy } from './commons/policy';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'put-policy', body: PutPolicyRequestSchema }, async ({ deps, principal, body }) => {
  const stored = await replacePolicy(deps, principal.sub, body);
  rememberPolicy(stored);
  return stored;
});
