import { VersionParamsSchema } from '../core/requests';
import { purgeOnline } from '../core/purge';
import { config } from '../contract/config';
import { getDeps } from './commons/deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'purge-version', deps: getDeps, params: VersionParamsSchema }, async ({ deps, principal, params }) => ({
  view: params.view,
  version: params.version,
  ...(await purgeOnline(deps, principal.sub, params.view, params.version, { servingCacheMs: config.pointerCacheMs() })),
}));
