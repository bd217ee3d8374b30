import { modelLineage } from '../core/lineage';
import { ModelParamsSchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-model-lineage', deps: getDeps, params: ModelParamsSchema }, ({ deps, params }) => modelLineage(deps, params.model));
