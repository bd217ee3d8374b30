import { approve } from '../core/approvals';
import { ApprovalRequestSchema, ViewParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  {
    handler: 'create-approval',
    deps: getDeps,
    params: ViewParamsSchema,
    body: ApprovalRequestSchema,
    status: 201,
    tierHints: ({ body }) => ({ versions: body.version === undefined ? [] : [body.version] }),
  },
  ({ deps, principal, params, body }) => approve(deps, principal, params.view, body),
);
