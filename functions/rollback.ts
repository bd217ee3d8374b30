import { RollbackRequestSchema, ViewParamsSchema } from '../core/requests';
import { rollbackView } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { blastRadiusUrl, rollbackBlastRadius } from './commons/blast-radius-after';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'rollback',
    deps: getDeps,
    params: ViewParamsSchema,
    body: RollbackRequestSchema,
    // Judged in core at the tier of the version the rollback lands on, break-glass included.
    judgedByUseCase: true,
  },
  async ({ deps, caller, params, body }) => {
    const result = await rollbackView(withArtifacts(deps), caller, params.view, body);
    if (result.changed) {
      countForView(params.view, 'ManualRollback');
    }
    // After the commit, bounded: the answer is the rollback's whatever the report does.
    if (body.blastRadius === 'link') return { ...result, ...(result.changed && result.fromVersion !== null ? { blastRadiusUrl: blastRadiusUrl(params.view, result.fromVersion) } : {}) };
    return { ...result, ...(await rollbackBlastRadius(deps, params.view, result)) };
  },
);
