/**
 * The Step Functions launcher (store/sfn-job-launcher.ts). No emulator here runs Step
 * Functions, so the client is a stand-in that records each StartExecution and answers as the
 * service does (the SDK's own ExecutionAlreadyExists exception for a name used before).
 */
import { ExecutionAlreadyExists, SFNServiceException, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Job } from '../../core/ports/jobs';
import { SfnJobLauncher } from '../../store/sfn-job-launcher';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:rewind-deploy-jobs';
const job = { id: '6f1c2a9e-0d7b-4a53-9a51-2d1f3c4b5a60' } as Job;

/** A stand-in for the service: executions by name, as StartExecution keeps them. */
function service(fail?: Error) {
  const started = new Map<string, StartExecutionCommand['input']>();
  const client = {
    send: async (command: StartExecutionCommand) => {
      if (fail) throw fail;
      const { name } = command.input;
      if (started.has(name!)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${name}'`, $metadata: {} });
      started.set(name!, command.input);
      return { executionArn: `${ARN.replace('stateMachine', 'execution')}:${name}`, startDate: new Date() };
    },
  } as unknown as SFNClient;
  return { client, started };
}

describe('SfnJobLauncher (client stand-in: no emulator runs Step Functions)', () => {
  it('starts one execution named by the job id, with the job id as its input', async () => {
    const { client, started } = service();
    await new SfnJobLauncher(client, ARN).launch(job);
    expect([...started.entries()]).toEqual([[job.id, { stateMachineArn: ARN, name: job.id, input: JSON.stringify({ job: job.id }) }]]);
  });

  it('treats ExecutionAlreadyExists as success: a retried launch starts nothing twice', async () => {
    const { client, started } = service();
    const launcher = new SfnJobLauncher(client, ARN);
    await launcher.launch(job);
    await expect(launcher.launch(job)).resolves.toBeUndefined();
    expect(started.size).toBe(1);
  });

  it('passes any other failure on (the deploy answers it as an AWS error, never a 202 with no execution)', async () => {
    const denied = new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform states:StartExecution', $metadata: {} });
    const { client } = service(denied);
    await expect(new SfnJobLauncher(client, ARN).launch(job)).rejects.toBe(denied);
  });
});
