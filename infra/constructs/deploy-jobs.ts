import { Duration, Stack, Validations, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  Fail,
  JsonPath,
  LogLevel,
  S3JsonItemReader,
  StateMachine,
  type TaskStateBase,
  type IChainable,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { RewindFunction } from './rewind-function';

/** The error a step throws for a reason a retry cannot fix (functions/jobs/step.ts REFUSED): never retried. */
export const STEP_REFUSED = 'JobStepRefused';
/** What is retried, with backoff: Lambda's own transient errors and DynamoDB/S3 throttling surfacing from a step. */
export const RETRIED_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'SlowDown',
  'TimeoutError',
];

export interface DeployJobsProps {
  steps: { validate: RewindFunction; plan: RewindFunction; chunk: RewindFunction; finalize: RewindFunction; fail: RewindFunction };
  /** Where the chunk manifests are (store/s3-job-files.ts, under jobs/). */
  bucket: IBucket;
  /** The Distributed Map's MaxConcurrency (`rewind:materializeConcurrency`). */
  materializeConcurrency: number;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The deploy-job state machine (core/jobs.ts): validate (looping while a large file is
 * validated in segments, one invocation each) → plan → a Distributed Map over the
 * chunk manifest in S3 (one Lambda invocation per chunk, MaxConcurrency from context,
 * tolerated failure 0) → finalize; any step's failure goes to the fail step, which deletes
 * what was written and ends the job. The deploy function starts one execution per job, named
 * by the job id (store/sfn-job-launcher.ts). The local runtime runs the same handlers in this
 * order (local/job-runner.ts).
 */
export class DeployJobs extends Construct {
  public readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: DeployJobsProps) {
    super(scope, id);
    const { steps } = props;
    const invoke = (name: string, fn: RewindFunction, payload: Record<string, unknown>): LambdaInvoke => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
      });
      return withRetry(task);
    };

    const failStep = withRetry(
      new LambdaInvoke(this, 'Fail', {
        lambdaFunction: steps.fail,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject({ job: JsonPath.stringAt('$.job'), error: JsonPath.objectAt('$.error') }),
      }),
    ).next(new Fail(this, 'JobFailed', { error: 'DeployJobFailed', cause: 'the deploy job failed or was cancelled: GET /jobs/{id} says why' }));

    const validate = invoke('Validate', steps.validate, { job: JsonPath.stringAt('$.job') });
    const plan = invoke('Plan', steps.plan, { job: JsonPath.stringAt('$.job') });
    const materialize = new DistributedMap(this, 'Materialize', {
      // By the bucket's name from the plan's output, not the bucket construct: CDK would then
      // grant s3:GetObject on the whole bucket; the grant below is for jobs/ only.
      itemReader: new S3JsonItemReader({ bucketNamePath: JsonPath.stringAt('$.manifest.bucket'), key: JsonPath.stringAt('$.manifest.key') }),
      maxConcurrency: props.materializeConcurrency,
      toleratedFailurePercentage: 0,
      resultPath: JsonPath.DISCARD,
    });
    materialize.itemProcessor(withRetry(new LambdaInvoke(this, 'MaterializeChunk', { lambdaFunction: steps.chunk, payloadResponseOnly: true, retryOnServiceExceptions: false })));
    const finalize = invoke('Finalize', steps.finalize, { job: JsonPath.stringAt('$.job') });

    for (const state of [validate, plan, finalize] as TaskStateBase[]) state.addCatch(failStep, { errors: ['States.ALL'], resultPath: '$.error' });
    materialize.addCatch(failStep, { errors: ['States.ALL'], resultPath: '$.error' });
    // Plan's output replaces the state (job, chunks, manifest); the map's is discarded.
    // A file too large for one invocation is validated in segments, each a Validate of its own
    // that checkpoints and answers `validated: false` (core/job-validation.ts): loop until it is read.
    const validated = new Choice(this, 'Validated?')
      .when(Condition.booleanEquals('$.validated', false), validate)
      .otherwise(plan);
    const definition: IChainable = validate.next(validated);
    plan.next(materialize).next(finalize).next(new Succeed(this, 'JobSucceeded'));

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
      // A 100-million-row job is 20,000 chunks; at 2 at a time and ~3 s each, about 8 hours.
      timeout: Duration.hours(24),
    });
    // The Distributed Map reads the manifest (and only the job files) from the bucket.
    this.stateMachine.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [props.bucket.arnForObjects('jobs/*')] }));

    const stack = Stack.of(this);
    const role = Validations.of(this.stateMachine.role);
    for (const fn of Object.values(steps)) {
      role.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: `LambdaInvoke grants lambda:InvokeFunction on ${fn.handlerName} and its versions and aliases (ARN:*); the state machine invokes its five step functions and nothing else.`,
      });
    }
    role.acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(props.bucket.node.defaultChild as CfnElement)}.Arn>/jobs/*]`,
      reason: 'The Distributed Map reads a job\'s chunk manifest, whose key is per job (jobs/<id>/manifest.json): the grant is the jobs/ prefix, no other key of the bucket.',
    });
    role.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery (logs:CreateLogDelivery, …) do not support resource-level permissions.',
    });
    // A Distributed Map runs its items as child executions of this state machine and must
    // describe and stop them (its DistributedMapPolicy, made under the state machine at synth).
    for (const suffix of ['/*:*', ':*']) {
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${stack.getLogicalId(this.stateMachine.node.defaultChild as CfnElement)}"}]}]}${suffix}]`,
        reason: "The Distributed Map's child executions are this state machine's own (execution:<its name>/…): it describes and stops them.",
      });
    }
  }
}

/** Throttling and Lambda's transient errors retried with exponential backoff and jitter; a refused step never. */
function withRetry<T extends TaskStateBase>(task: T): T {
  task.addRetry({ errors: RETRIED_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(60) });
  return task;
}
