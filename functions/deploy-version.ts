import { DeployRequestSchema, ViewParamsSchema } from '../core/requests';
import { deployVersion } from '../core/deploy';
import { startDeployJob, takesJobPath } from '../core/jobs';
import { config } from '../contract/config';
import { countForView } from './commons/powertools';
import { getJobDeps } from './commons/job-deps';
import { httpRoute } from './http/route';

export const handler = httpRoute(
  // A deploy acts at the tier it declares, or the view's, whichever is more critical.
  // 201 with the deploy's result; 202 with a job (`job` in the answer) when it runs as one.
  {
    handler: 'deploy-version',
    deps: getJobDeps,
    params: ViewParamsSchema,
    body: DeployRequestSchema,
    status: (result) => ((result as { job?: unknown }).job ? 202 : 201),
    tierHints: ({ body }) => ({ tier: body.definition.tier }),
  },
  async ({ deps, caller, params, body, authorization }) => {
    // `activate: true` is an activation too: judged with the deploy, before anything is written
    // (and again, as a pointer change, when a job's version is recorded).
    if (body.activate) await authorization.requireActivationOnDeploy();
    // Data too large to deploy within one request becomes a job, inline or by file: over
    // REWIND_SYNC_DEPLOY_MAX_ROWS a synchronous deploy would outlast the gateway's limit (29 s on
    // AWS, 30 s locally) and leave the caller with a 503 while it goes on (docs/materialization.md).
    // Counting a file's rows reads it but decodes nothing; `async` given either way decides alone.
    const sourceRows = body.async !== undefined ? undefined : body.rows ? body.rows.length : await deps.snapshots.countSourceRows?.(body.snapshotUri!, params.view);
    if (takesJobPath(body, sourceRows, config.syncDeployMaxRows())) {
      const started = await startDeployJob(deps, caller, params.view, body);
      countForView(params.view, 'DeployJobStarted');
      return started;
    }
    const result = await deployVersion(deps, caller, params.view, body);
    countForView(params.view, 'VersionDeployed');
    return result;
  },
);
