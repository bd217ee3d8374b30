import { sourceLineage } from '../core/lineage';
import { SourceLineageQuerySchema } from '../core/requests';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-source-lineage', deps: getDeps, query: SourceLineageQuerySchema }, ({ deps, query }) => sourceLineage(deps, query.uri));
