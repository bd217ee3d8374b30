import { VersionParamsSchema } from '../core/contracts';
import { purgeOnline } from '../core/purge';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'purge-version', params: VersionParamsSchema }, async ({ deps, principal, params }) => ({
  view: params.view,
  version: params.version,
  ...(await purgeOnline(deps, principal.sub, params.view, params.version)),
}));
