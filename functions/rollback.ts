import { RollbackRequestSchema, ViewParamsSchema } from '../core/contracts';
import { rollbackView } from '../core/pointer-changes';
import { countForView } from './commons/powertools';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  { handler: 'rollback', params: ViewParamsSchema, body: RollbackRequestSchema },
  async ({ deps, principal, params, body }) => {
    const result = await rollbackView(deps, principal.sub, params.view, body);
    if (result.changed) {
      countForView(params.view, 'ManualRollback');
    }
    return result;
  },
);
