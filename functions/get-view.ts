import { ViewParamsSchema } from '../core/requests';
import { viewWithVerification } from '../core/runbook-view';
import { getDeps } from './commons/deps';
import { getFollowUpLog } from './commons/follow-ups';
import { httpRoute } from './http/route';

/** The pointer, and (when the latest change was a rollback) what its runbook found: `verified` or `verification-failed`. */
export const handler = httpRoute({ handler: 'get-view', deps: getDeps, params: ViewParamsSchema }, ({ deps, params }) => viewWithVerification(deps, getFollowUpLog(), params.view));
