import { ViewParamsSchema } from '../core/requests';
import { listVersions } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-versions', deps: getDeps, params: ViewParamsSchema }, async ({ deps, params }) => ({
  view: params.view,
  versions: await listVersions(deps, params.view),
}));
