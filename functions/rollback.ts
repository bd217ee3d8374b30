import { RollbackRequestSchema, ViewParamsSchema } from '../core/contracts';
import { rollbackView } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { withArtifacts } from './commons/artifacts';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'rollback',
    deps: getDeps,
    params: ViewParamsSchema,
    body: RollbackRequestSchema,
    tierHints: ({ body }) => ({ versions: body.toVersion === undefined ? [] : [body.toVersion] }),
  },
  async ({ deps, principal, params, body, authorize }) => {
    // Going without an approval is its own permission (an admin's, by default), refused and audited like any other.
    if (body.breakGlassReason !== undefined) await authorize('break-glass');
    const result = await rollbackView(withArtifacts(deps), principal.sub, params.view, body);
    if (result.changed) {
      countForView(params.view, 'ManualRollback');
    }
    return result;
  },
);
