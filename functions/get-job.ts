import { JobParamsSchema } from '../core/requests';
import { getJob } from '../core/jobs';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

export const handler = httpRoute({ handler: 'get-job', deps: getJobDeps, params: JobParamsSchema }, ({ deps, params }) => getJob(deps, params.id));
