import { ActivateRequestSchema, ViewParamsSchema } from '../core/contracts';
import { activateVersion } from '../core/pointer-changes';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  { handler: 'activate', params: ViewParamsSchema, body: ActivateRequestSchema },
  ({ deps, principal, params, body }) => activateVersion(deps, principal.sub, params.view, body),
);
