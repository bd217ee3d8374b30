/**
 * The deploy-job state machine (infra/constructs/deploy-jobs.ts) as synthesized: its ASL
 * shape (validate, looping over segments → plan → Distributed Map over the S3 manifest → finalize, every step caught
 * into the fail step), the map's ItemReader, concurrency from `rewind:materializeConcurrency`
 * and tolerated failure 0, retries with backoff on throttling, logs and X-Ray, the deploy
 * function's right to start it, and the ops alarm on failed executions.
 */
import { resourcesOfType, synthesize, type CfnTemplate } from './synth';

/** The state machine's definition, with the CloudFormation tokens (function ARNs) left as placeholders. */
function definition(json: CfnTemplate): any {
  const [[, machine]] = resourcesOfType(json, 'AWS::StepFunctions::StateMachine') as [[string, any]];
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
}

const { json } = synthesize();
const asl = definition(json);

/** Every IAM statement granted to the role of the function whose logical id starts with `prefix`. */
function statementsOf(prefix: string): any[] {
  return resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(prefix))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[]);
}

describe('the deploy-job state machine', () => {
  it('runs validate (again while a segment answers validated: false) → plan → the materialize map → finalize, and catches every step into the fail step', () => {
    expect(asl.StartAt).toBe('Validate');
    expect(asl.States.Validate.Next).toBe('Validated?');
    expect(asl.States['Validated?']).toEqual({ Type: 'Choice', Choices: [{ Variable: '$.validated', BooleanEquals: false, Next: 'Validate' }], Default: 'Plan' });
    expect(asl.States.Plan.Next).toBe('Materialize');
    expect(asl.States.Materialize.Next).toBe('Finalize');
    expect(asl.States.Finalize.Next).toBe('JobSucceeded');
    for (const name of ['Validate', 'Plan', 'Materialize', 'Finalize']) expect(asl.States[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Fail' }]);
    expect(asl.States.Fail.Next).toBe('JobFailed');
    expect(asl.States.JobFailed.Type).toBe('Fail');
  });

  it('materializes with a Distributed Map over the S3 JSON manifest, at the configured concurrency, tolerating no failure', () => {
    const map = asl.States.Materialize;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({ Resource: expect.stringMatching(/:states:::s3:getObject$/), ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Bucket.$': '$.manifest.bucket', 'Key.$': '$.manifest.key' } });
    expect(map.MaxConcurrency).toBe(2);
    // Tolerated failure 0: Step Functions' default, which CDK renders by leaving both fields out.
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(map.ToleratedFailureCount ?? 0).toBe(0);
    expect(map.ResultPath).toBeNull();
    const chunk = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(chunk.Type).toBe('Task');
    expect(chunk.Resource).toBe('TOKEN');

    const wider = definition(synthesize({ 'rewind:materializeConcurrency': 16 }).json);
    expect(wider.States.Materialize.MaxConcurrency).toBe(16);
  });

  it('retries throttling and Lambda errors with exponential backoff, never a refused step', () => {
    const chunk = asl.States.Materialize.ItemProcessor.States[asl.States.Materialize.ItemProcessor.StartAt];
    for (const task of [asl.States.Validate, asl.States.Plan, chunk, asl.States.Finalize, asl.States.Fail]) {
      expect(task.Retry).toEqual([
        expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.TooManyRequestsException', 'ProvisionedThroughputExceededException', 'ThrottlingException']), IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, MaxDelaySeconds: 60 }),
      ]);
      expect(task.Retry[0].ErrorEquals).not.toContain('JobStepRefused');
      expect(task.Retry[0].ErrorEquals).not.toContain('States.ALL');
    }
  });

  it('logs every execution and traces it with X-Ray; the deploy function may start executions and knows the ARN', () => {
    const [[machineId, machine]] = resourcesOfType(json, 'AWS::StepFunctions::StateMachine') as [[string, any]];
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
    const deploy = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FunctionsDeployVersion'))![1];
    expect(deploy.Properties!.Environment.Variables.REWIND_JOB_STATE_MACHINE).toEqual({ Ref: machineId });
    const policies = resourcesOfType(json, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes('FunctionsDeployVersion'));
    const statements = policies.flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as any[]);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }));
  });

  it('the training-set function starts executions too (a large set is a job of kind training-set)', () => {
    const [[machineId]] = resourcesOfType(json, 'AWS::StepFunctions::StateMachine') as [[string, any]];
    expect(statementsOf('FunctionsCreateTrainingSet')).toContainEqual(expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }));
  });

  it('gives validate and finalize 10 GiB of /tmp (the snapshot or the training set is written there before it is stored) and finalize 15 minutes', () => {
    const fn = (prefix: string) => resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith(prefix) && !id.includes('Logs') && !id.includes('Role'))![1].Properties as any;
    expect(fn('FunctionsJobsValidate').EphemeralStorage).toEqual({ Size: 10240 });
    expect(fn('FunctionsJobsFinalize')).toMatchObject({ EphemeralStorage: { Size: 10240 }, Timeout: 900 });
    expect(fn('FunctionsJobsMaterializeChunk').EphemeralStorage).toBeUndefined();
  });

  it('the purge function may start executions too (a large purge is a job of kind purge) and knows the ARN', () => {
    const [[machineId]] = resourcesOfType(json, 'AWS::StepFunctions::StateMachine') as [[string, any]];
    const purge = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FunctionsPurgeVersion'))![1];
    expect(purge.Properties!.Environment.Variables.REWIND_JOB_STATE_MACHINE).toEqual({ Ref: machineId });
    const statements = statementsOf('FunctionsPurgeVersion');
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }));
  });

  it("the chunk writer may write and delete online rows (a purge job's chunks) and its job's progress, read what its reads need (the purge's fence, a training set's replay), and write nothing more", () => {
    const statements = statementsOf('FunctionsJobsMaterializeChunk');
    const dynamo = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    const tablesWith = (action: string) =>
      dynamo
        .filter((st) => [st.Action].flat().includes(action))
        .flatMap((st) => [st.Resource].flat())
        .map((r) => JSON.stringify(r).match(/Storage([A-Z][a-z]+)/)?.[1])
        .filter((t): t is string => t !== undefined);
    // BatchWriteItem carries both a deploy's puts and a purge's deletes; the purge's transactions need DeleteItem.
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) expect(new Set(tablesWith(action))).toEqual(new Set(['Online', 'Jobs']));
    // Each purge delete transaction checks the version is still `purging`: a read, nothing written there.
    expect(tablesWith('dynamodb:ConditionCheckItem')).toContain('Versions');
    expect(new Set(dynamo.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r).match(/Storage([A-Z][a-z]+)/)?.[1]))).toEqual(new Set(['Online', 'Jobs', 'Versions', 'Pointers', 'History']));
    // In the bucket it writes only under jobs/ (a training set's parts), and reads jobs/ and snapshots/.
    const s3 = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('s3:')));
    const s3Writes = s3.filter((st) => [st.Action].flat().some((a: string) => !/^s3:(GetObject|ListBucket)$/.test(a)));
    expect(s3Writes.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r).match(/"\/([a-z-]+)\/\*"/)?.[1])).toEqual(['jobs']);
  });

  it('pages on a failed execution', () => {
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').filter(([, a]) => String(a.Properties!.AlarmName).endsWith('-deploy-jobs-failed'));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States', Threshold: 1 });
  });
});
