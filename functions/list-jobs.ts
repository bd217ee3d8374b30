import { LimitQuerySchema, ViewParamsSchema } from '../core/requests';
import { listJobs } from '../core/jobs';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'list-jobs', deps: getJobDeps, params: ViewParamsSchema, query: LimitQuerySchema }, ({ deps, params, query }) =>
  listJobs(deps, params.view, query.limit),
);
