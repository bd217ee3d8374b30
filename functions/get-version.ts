import { VersionParamsSchema } from '../core/contracts';
import { getVersion } from '../core/queries';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-version', params: VersionParamsSchema }, ({ deps, params }) =>
  getVersion(deps, params.view, params.version),
);
