import { DeployRequestSchema, ViewParamsSchema } from '../core/requests';
import { planDeploy } from '../core/deploy';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

/** Plan, then apply: the deploy's checks and verdict, nothing written. */
export const handler = httpRoute({ handler: 'plan-version', deps: getDeps, params: ViewParamsSchema, body: DeployRequestSchema }, ({ deps, params, body }) =>
  planDeploy(deps, params.view, body),
);
