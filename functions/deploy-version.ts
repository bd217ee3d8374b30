import { refuseUnapprovableActivation, viewTier } from '../core/approvals';
import { DeployRequestSchema, ViewParamsSchema } from '../core/contracts';
import { deployVersion } from '../core/deploy';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  // A deploy acts at the tier it declares, or the view's, whichever is more critical.
  { handler: 'deploy-version', deps: getDeps, params: ViewParamsSchema, body: DeployRequestSchema, status: 201, tierHints: ({ body }) => ({ tier: body.definition.tier }) },
  async ({ deps, principal, params, body, authorize }) => {
    if (body.activate) {
      // `activate: true` is an activation too: the caller must be allowed it, and the tier must not need an approval.
      await authorize('activate');
      await refuseUnapprovableActivation(deps, principal.sub, params.view, await viewTier(deps, params.view, { tier: body.definition.tier }));
    }
    const result = await deployVersion(withArtifacts(deps), principal.sub, params.view, body);
    countForView(params.view, 'VersionDeployed');
    return result;
  },
);
