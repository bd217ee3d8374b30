import { PromoteRequestSchema, ViewParamsSchema } from '../core/requests';
import { promoteCandidate } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'promote', deps: getDeps, params: ViewParamsSchema, body: PromoteRequestSchema, judgedByUseCase: true }, async ({ deps, caller, params, body }) => {
  const result = await promoteCandidate(withArtifacts(deps), caller, params.view, body);
  countForView(params.view, 'CandidatePromoted');
  return result;
});
