/**
 * The local runtime's job runner (deploys, purges, training sets): what Step Functions does in AWS, as a loop. It calls
 * the same step handlers (functions/jobs/*.ts) in the same order, the chunks of a job's
 * manifest with bounded concurrency (REWIND_JOB_CONCURRENCY, as `rewind:materializeConcurrency`
 * bounds the Distributed Map), and sends any failure or cancel to the fail step, as the state
 * machine's Catch does. It is not a Step Functions emulator.
 *
 * The job's state is in the jobs table (DynamoDB Local), one item per counted chunk: a
 * runtime killed mid-job resumes every unfinished job when it starts, from its phase and
 * from the chunks not yet counted, never from zero. Stopping the runtime leaves a job
 * running, to be resumed by the next start.
 */
import type { Context } from 'aws-lambda';
import type { ChunkRef, Job } from '../core/ports/jobs';
import { getJobDeps } from '../functions/commons/job-deps';
import { DynamoJobStore } from '../store/dynamo-jobs';
import { onJobLaunched } from '../store/in-process-job-launcher';
import { lambdaContext } from './gateway';

type StepHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalJobRunner {
  /** Resolves when no job is being driven (tests, the bench). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
const STEP_TIMEOUT_MS = 15 * 60_000;

export async function startLocalJobRunner(options: {
  concurrency: number;
  /**
   * The online table did not survive the restart (npm start keeps it in memory): a job resumed
   * from an earlier process claims its version again and writes every chunk again (counting
   * each once), instead of trusting chunks whose rows are gone.
   */
  onlineLost?: boolean;
}): Promise<LocalJobRunner> {
  // Loaded after the environment is applied, as Lambda would load them.
  const load = async (name: string) => ((await import(`../functions/jobs/${name}`)) as { handler: StepHandler }).handler;
  const steps = { validate: await load('validate'), plan: await load('plan'), chunk: await load('materialize-chunk'), finalize: await load('finalize'), fail: await load('fail') };
  const deps = getJobDeps();
  const store = deps.jobs as DynamoJobStore;
  const driving = new Map<string, Promise<void>>();
  /** Jobs whose chunks must all be written again (see `onlineLost`). */
  const rewrite = new Set<string>();
  let stopping = false;

  // A step function's timeout, as the stack sets it (15 minutes), not an HTTP route's 30 s.
  const call = (step: StepHandler, name: string, event: unknown) => {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    return step(event, { ...lambdaContext({ handler: `jobs-${name}` }), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) });
  };
  const phaseOf = async (id: string) => (await store.get(id)) as Job;

  async function drive(id: string): Promise<void> {
    try {
      let job = await phaseOf(id);
      if (!job || ENDED.has(job.status)) return;
      if (job.status !== 'cancelling' && job.phase !== 'cleaning') {
        // A deploy's rows only: a purge resumed here finds its version `purged` by that rebuild, and each chunk has nothing left to delete.
        if (rewrite.has(id) && (job.kind ?? 'deploy') === 'deploy' && (job.phase === 'materializing' || job.phase === 'finalizing')) {
          // The start's rebuild marked every version not served as purged: claim it again.
          const claim = await deps.catalog.claimMaterialization(job.view, job.version!, new Date().toISOString());
          if (claim === undefined) throw new Error(`deploy job ${id}: version ${job.version} of '${job.view}' is materialized already`);
          await store.update(id, { claim, phase: 'materializing' });
          job = await phaseOf(id);
        }
        // A validation in segments: the state machine's loop back to Validate, here a loop.
        while (job.phase === 'validating' && !stopping) {
          await call(steps.validate, 'validate', { job: id });
          job = await phaseOf(id);
        }
        if (stopping) return;
        if ((job = await phaseOf(id)).phase === 'planning') await call(steps.plan, 'plan', { job: id });
        if ((job = await phaseOf(id)).phase === 'materializing') await materialize(job);
        if (stopping) return;
        await call(steps.finalize, 'finalize', { job: id });
        return;
      }
      await call(steps.fail, 'fail', { job: id });
    } catch (error) {
      // Stopping the runtime is not a failure: the job resumes at the next start.
      if (stopping) return;
      const { name, message } = error as Error;
      await call(steps.fail, 'fail', { job: id, error: { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message }) } }).catch((failed: unknown) =>
        console.error(`deploy job ${id}: the fail step failed too; it runs again at the next start`, failed),
      );
    }
  }

  /** Every chunk not yet counted, `concurrency` at a time; the first error stops the others from starting. */
  async function materialize(job: Job): Promise<void> {
    const done = new Set(rewrite.has(job.id) ? [] : await store.completedChunks(job.id));
    const pending: ChunkRef[] = (await deps.jobFiles.getManifest(job.manifest!)).filter((c) => !done.has(c.index));
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (next < pending.length && failure === undefined && !stopping) {
        const chunk = pending[next++]!;
        await call(steps.chunk, 'materialize-chunk', chunk).catch((error: unknown) => (failure ??= error));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, worker));
    if (failure !== undefined) throw failure;
  }

  function run(id: string): void {
    if (stopping || driving.has(id)) return;
    driving.set(
      id,
      drive(id).finally(() => driving.delete(id)),
    );
  }

  const unhook = onJobLaunched((job) => run(job.id));
  const unfinished = await store.listUnfinished();
  for (const job of unfinished) if (options.onlineLost) rewrite.add(job.id);
  for (const job of unfinished) run(job.id);

  return {
    idle: async () => {
      while (driving.size > 0) await Promise.all(driving.values());
    },
    stop: async () => {
      stopping = true;
      unhook();
      await Promise.all(driving.values());
    },
  };
}
