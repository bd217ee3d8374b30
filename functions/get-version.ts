import { VersionParamsSchema } from '../core/requests';
import { getVersion } from '../core/queries';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-version', deps: getDeps, params: VersionParamsSchema }, ({ deps, params }) =>
  getVersion(deps, params.view, params.version),
);
