import { ActivateRequestSchema, ViewParamsSchema } from '../core/requests';
import { activateVersion } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  // Judged in core: the version activated counts for the tier, so activating a critical version is critical.
  { handler: 'activate', deps: getDeps, params: ViewParamsSchema, body: ActivateRequestSchema, judgedByUseCase: true },
  async ({ deps, caller, params, body }) => {
    const result = await activateVersion(withArtifacts(deps), caller, params.view, body);
    if (result.changed && result.action !== 'activate') countForView(params.view, result.action === 'canary' ? 'CanaryStarted' : 'ShadowStarted');
    return result;
  },
);
