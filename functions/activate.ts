import { ActivateRequestSchema, ViewParamsSchema } from '../core/contracts';
import { activateVersion } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  // The version activated counts for the tier: activating a critical version is critical.
  { handler: 'activate', deps: getDeps, params: ViewParamsSchema, body: ActivateRequestSchema, tierHints: ({ body }) => ({ versions: [body.version] }) },
  async ({ deps, principal, params, body }) => {
    const result = await activateVersion(withArtifacts(deps), principal.sub, params.view, body);
    if (result.changed && result.action !== 'activate') countForView(params.view, result.action === 'canary' ? 'CanaryStarted' : 'ShadowStarted');
    return result;
  },
);
