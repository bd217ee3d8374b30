import { ViewParamsSchema } from '../core/contracts';
import { getView } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-view', params: ViewParamsSchema }, ({ deps, params }) => getView(deps, params.view));
