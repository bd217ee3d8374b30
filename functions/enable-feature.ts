import { FeatureParamsSchema, FeatureSwitchRequestSchema } from '../core/requests';
import { setFeatureDisabled } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  { handler: 'enable-feature', deps: getDeps, params: FeatureParamsSchema, body: FeatureSwitchRequestSchema, judgedByUseCase: true },
  async ({ deps, caller, params, body }) => {
    const result = await setFeatureDisabled(withArtifacts(deps), caller, params.view, params.feature, false, body);
    if (result.changed) countForView(params.view, 'FeatureEnabled');
    return result;
  },
);
