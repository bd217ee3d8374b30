/**
 * The deploy-job adapters (core/jobs.ts JobDeps), built once per container: the store's
 * ports, the jobs table, the job files in the snapshot bucket, and the launcher (the state
 * machine in AWS, the in-process runner locally).
 */
import type { JobDeps } from '../../core/jobs';
import { config } from '../../contract/config';
import { documentClient, s3Client, sfnClient } from '../../store/clients';
import { DynamoJobStore } from '../../store/dynamo-jobs';
import { inProcessJobLauncher } from '../../store/in-process-job-launcher';
import { S3JobFiles } from '../../store/s3-job-files';
import { SfnJobLauncher } from '../../store/sfn-job-launcher';
import { tableNameFromEnv } from '../../store/config';
import { withArtifacts } from './artifacts';
import { getDeps } from './deps';

let jobDeps: Omit<JobDeps, keyof ReturnType<typeof getDeps>> | undefined;

export function getJobDeps(): JobDeps {
  const stateMachine = config.jobStateMachine();
  jobDeps ??= {
    jobs: new DynamoJobStore(documentClient(), tableNameFromEnv('jobs')),
    jobFiles: new S3JobFiles(s3Client(), config.snapshotBucket()),
    launcher: stateMachine ? new SfnJobLauncher(sfnClient(), stateMachine) : inProcessJobLauncher,
  };
  return { ...withArtifacts(getDeps()), ...jobDeps };
}
