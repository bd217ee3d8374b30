/**
 * Starts a deploy job's Step Functions execution (infra/constructs/deploy-jobs.ts), named by
 * the job id: StartExecution with a name already used answers ExecutionAlreadyExists, so a
 * launch retried after a timeout (or a deploy request retried by its client) starts nothing
 * twice, and that answer is a success here.
 */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Job, JobLauncher } from '../core/ports/jobs';
import { errorName } from './aws-errors';

export class SfnJobLauncher implements JobLauncher {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async launch(job: Job): Promise<void> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: job.id, input: JSON.stringify({ job: job.id }) }));
    } catch (error) {
      // The execution of this job exists already: a retried launch.
      if (errorName(error) === 'ExecutionAlreadyExists') return;
      throw error;
    }
  }
}
