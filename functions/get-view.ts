import { ViewParamsSchema } from '../core/requests';
import { getView } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-view', deps: getDeps, params: ViewParamsSchema }, ({ deps, params }) => getView(deps, params.view));
