import { DeployRequestSchema, ViewParamsSchema } from '../core/requests';
import { deployVersion } from '../core/deploy';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  // A deploy acts at the tier it declares, or the view's, whichever is more critical.
  { handler: 'deploy-version', deps: getDeps, params: ViewParamsSchema, body: DeployRequestSchema, status: 201, tierHints: ({ body }) => ({ tier: body.definition.tier }) },
  async ({ deps, caller, params, body, authorization }) => {
    // `activate: true` is an activation too: judged with the deploy, before anything is written.
    if (body.activate) await authorization.requireActivationOnDeploy();
    const result = await deployVersion(withArtifacts(deps), caller, params.view, body);
    countForView(params.view, 'VersionDeployed');
    return result;
  },
);
