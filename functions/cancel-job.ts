import { JobParamsSchema } from '../core/requests';
import { cancelJob } from '../core/jobs';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

// 202: the job is `cancelling`; it ends `cancelled` once its rows are deleted (GET /jobs/{id}).
export const handler = httpRoute({ handler: 'cancel-job', deps: getJobDeps, params: JobParamsSchema, status: 202 }, ({ deps, principal, params }) =>
  cancelJob(deps, principal.sub, params.id),
);
