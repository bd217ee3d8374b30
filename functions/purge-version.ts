import { PurgeQuerySchema, VersionParamsSchema } from '../core/requests';
import { purgeVersion } from '../core/jobs/purge';
import { config } from '../contract/config';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

// 200 with the rows deleted; 202 with a job (`job` in the answer) for a version over
// REWIND_SYNC_DEPLOY_MAX_ROWS rows, or `?async=true`: deleting costs what writing does, so the
// rows a synchronous deploy writes inside the gateway's limit are the rows a purge can delete.
export const handler = httpRoute(
  { handler: 'purge-version', deps: getJobDeps, params: VersionParamsSchema, query: PurgeQuerySchema, status: (result) => ((result as { job?: unknown }).job ? 202 : 200) },
  ({ deps, caller, params, query }) =>
    purgeVersion(deps, caller, params.view, params.version, { servingCacheMs: config.pointerCacheMs(), maxSyncRows: config.syncDeployMaxRows(), ...(query.async !== undefined ? { async: query.async } : {}) }),
);
