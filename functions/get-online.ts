import { OnlineParamsSchema, OnlineQuerySchema } from '../core/requests';
import { getFeatureServer, getServingDeps, getServingEdge } from './commons/serving';
import { httpRoute } from './http/route';

/** Where `?at=` is answered: the serving function reads no history and no snapshots (its bundle stays small, its IAM read-only on the online path). */
const asOfLocation = (view: string, entity: string, at: string) => `/views/${encodeURIComponent(view)}/as-of/online/${encodeURIComponent(entity)}?at=${encodeURIComponent(at)}`;

export const handler = httpRoute(
  {
    handler: 'get-online',
    deps: getServingDeps,
    edge: getServingEdge,
    params: OnlineParamsSchema,
    query: OnlineQuerySchema,
    status: (result) => ((result as { location?: string }).location ? 307 : 200),
    headers: (result): Record<string, string> => {
      const { location } = result as { location?: string };
      return location ? { location } : {};
    },
  },
  async ({ params, query }) =>
    query.at === undefined ? getFeatureServer().serve(params.view, params.entity) : { location: asOfLocation(params.view, params.entity, query.at) },
);
