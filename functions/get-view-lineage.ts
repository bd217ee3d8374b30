import { viewLineage } from '../core/lineage';
import { ViewParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-view-lineage', deps: getDeps, params: ViewParamsSchema }, ({ deps, params }) => viewLineage(deps, params.view));
