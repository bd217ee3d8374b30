/**
 * Starts a deploy job's Step Functions execution (infra/constructs/deploy-jobs.ts), named by
 * the job id: StartExecution with a name already used answers ExecutionAlreadyExists, so a
 * launch retried after a timeout starts nothing twice.
 *
 * One signed JSON call (SigV4 from @smithy/signature-v4 with the SDK's default credential
 * chain) rather than @aws-sdk/client-sfn, which is not a dependency yet: swapping in
 * `SFNClient.send(new StartExecutionCommand(…))` changes nothing else.
 */
import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Job, JobLauncher } from '../core/ports/jobs';

class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class SfnJobLauncher implements JobLauncher {
  private readonly region: string;
  private readonly signer: SignatureV4;

  constructor(private readonly stateMachineArn: string) {
    this.region = stateMachineArn.split(':')[3] ?? process.env.AWS_REGION ?? 'us-east-1';
    this.signer = new SignatureV4({ service: 'states', region: this.region, credentials: defaultProvider(), sha256: Sha256 });
  }

  async launch(job: Job): Promise<void> {
    const hostname = new URL(process.env.AWS_ENDPOINT_URL_SFN ?? `https://states.${this.region}.amazonaws.com`).host;
    const body = JSON.stringify({ stateMachineArn: this.stateMachineArn, name: job.id, input: JSON.stringify({ job: job.id }) });
    const signed: { headers: Record<string, string> } = await this.signer.sign({
      method: 'POST',
      protocol: 'https:',
      hostname,
      path: '/',
      headers: { host: hostname, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' },
      body,
    } as never) as never;
    const res = await fetch(`https://${hostname}/`, { method: 'POST', headers: signed.headers, body });
    if (res.ok) return;
    const error = (await res.json().catch(() => ({}))) as { __type?: string; message?: string };
    // The execution of this job exists already: a retried launch.
    if (error.__type?.endsWith('ExecutionAlreadyExists')) return;
    throw Object.assign(new Error(`StartExecution failed (${res.status}): ${error.message ?? error.__type ?? 'no message'}`), { name: error.__type ?? 'StartExecutionFailed' });
  }
}
