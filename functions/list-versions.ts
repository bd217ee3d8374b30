import { ViewParamsSchema } from '../core/contracts';
import { listVersions } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-versions', params: ViewParamsSchema }, async ({ deps, params }) => ({
  view: params.view,
  versions: await listVersions(deps, params.view),
}));
