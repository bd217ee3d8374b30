import { DeployRequestSchema, ViewParamsSchema } from '../core/contracts';
import { deployVersion } from '../core/deploy';
import { countForView } from './commons/powertools';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  { handler: 'deploy-version', params: ViewParamsSchema, body: DeployRequestSchema, status: 201 },
  async ({ deps, principal, params, body }) => {
    const result = await deployVersion(deps, principal.sub, params.view, body);
    countForView(params.view, 'VersionDeployed');
    return result;
  },
);
