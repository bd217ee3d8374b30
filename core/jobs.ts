/**
 * Jobs: one pipeline of steps for every kind (`Job.kind`), each step dispatching on the kind:
 * deploys (here), purges of large versions (core/jobs/purge.ts) and training sets larger than
 * one request (core/jobs/training-set.ts).
 *
 * Deploys of any size, as jobs: the same deploy as core/deploy.ts, cut into small idempotent
 * steps that Step Functions (infra/constructs/deploy-jobs.ts) or the local job runner
 * (local/job-runner.ts) call in order:
 *
 *   start ──▶ validate ⟲ ──▶ plan ──▶ materialize chunk × N ──▶ finalize
 *                 └────────────┴──────────────┴────────────────────┴──▶ fail (clean up)
 *
 * (⟲: a file too large for one invocation is validated in segments, each a call of its own
 * that checkpoints and answers `validated: false`, core/job-validation.ts.)
 *
 * The invariants are the synchronous deploy's: the version number is taken when the job is
 * created (before validation); nothing is written before the request and its rows are checked;
 * the version record is written last, after every chunk is counted and the materialization is
 * marked `materialized`, so a record only ever points at data that exists; deploy is not
 * activate (`activate: true` goes through the normal pointer change after the record, with
 * every guard judged at that moment). A failed or cancelled job leaves no record: the number
 * is a gap, and its online rows are deleted through the purge's fenced deletes.
 *
 * Every step may run twice (a retry, a resumed runner): re-validating rewrites the same
 * content-addressed snapshot, a chunk written twice writes the same items and is counted once
 * (JobStore.completeChunk), a finalize that finds the record written does not write it again.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from './authorization';
import { actorName } from './authorization';
import { consumerUses, versionRecord, type Checked } from './deploy';
import { abandonValidation, UNBOUNDED, validateStreaming, type SegmentBudget } from './job-validation';
import { InvalidStateError, JobEndedError, JobStoppedError, RewindError } from './errors';
import type { ChunkRef, Job, JobError } from './ports/jobs';
import { ACTIVE, advance, CHUNK_ROWS, ENDED, jobView, kindOf, loadJob, queuedJob, runnable, versionOf, type JobDeps, type JobStarted, type JobView } from './jobs/common';
import { failPurge, finalizePurge, planPurge, purgeChunk, refusePurgeCancel, validatePurge } from './jobs/purge';
import { answerChunk, endTrainingSet, finalizeTrainingSet, planTrainingSet, validateTrainingSet } from './jobs/training-set';
import type { DeployRequest } from './requests';
import { activateVersion } from './pointer-changes';
import type { ValidationArtifact } from './validation/baseline';
import { resolvePolicy } from './validation/tolerances';

export { CHUNK_ROWS, jobView, type JobDeps, type JobStarted, type JobView } from './jobs/common';

/** Whether a deploy request takes the job path: asked for, or a data file over the synchronous limit. */
export function takesJobPath(request: Pick<DeployRequest, 'async'>, sourceRows: number | undefined, maxSyncRows: number): boolean {
  return request.async === true || (sourceRows !== undefined && sourceRows > maxSyncRows);
}

/** Creates the job (202): the version number is taken now, the request kept in S3, the start audited. */
export async function startDeployJob(deps: JobDeps, caller: Caller, view: string, request: DeployRequest): Promise<JobStarted> {
  const actor = actorName(caller);
  const at = deps.clock.now().toISOString();
  const version = await deps.catalog.nextVersionNumber(view, at);
  const id = randomUUID();
  const requestRef = await deps.jobFiles.putRequest(id, request);
  const job = queuedJob(at, {
    id,
    kind: 'deploy',
    view,
    version,
    createdBy: actor,
    principal: caller.principal,
    activate: request.activate,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    request: requestRef,
  });
  await deps.jobs.create(job);
  await deps.audit.appendAudit({ actor, action: 'deploy-job-start', outcome: 'allowed', view, detail: { job: id, version, activate: request.activate } });
  await deps.launcher.launch(job);
  return { view, version, job: jobView(job) };
}

export async function getJob(deps: Pick<JobDeps, 'jobs'>, id: string): Promise<JobView> {
  return jobView(await loadJob(deps, id));
}

export async function listJobs(deps: Pick<JobDeps, 'jobs'>, view: string, limit: number): Promise<{ view: string; jobs: JobView[] }> {
  return { view, jobs: (await deps.jobs.listForView(view, limit)).map(jobView) };
}

/**
 * Asks a job to stop: `cancelling` now; the runner (or the state machine's failing map) then
 * runs the fail step, which deletes what was written and ends the job `cancelled`.
 */
export async function cancelJob(deps: Pick<JobDeps, 'jobs' | 'clock'>, actor: string, id: string): Promise<JobView> {
  const job = await loadJob(deps, id);
  if (ENDED.includes(job.status)) throw new JobEndedError(`job ${id} has ended (${job.status}); there is nothing to cancel`);
  if (kindOf(job) === 'purge') refusePurgeCancel(job);
  const at = deps.clock.now().toISOString();
  if (job.status === 'cancelling') return jobView(job);
  if (!(await deps.jobs.update(id, { status: 'cancelling', cancelledBy: actor, updatedAt: at }, ACTIVE))) {
    const now = await loadJob(deps, id);
    if (ENDED.includes(now.status)) throw new JobEndedError(`job ${id} has ended (${now.status}); there is nothing to cancel`);
    return jobView(now);
  }
  return jobView({ ...job, status: 'cancelling', cancelledBy: actor, updatedAt: at });
}

/**
 * Step 1: read the rows a batch at a time, check and profile them, write each batch as the
 * snapshot's next row group and as the job's next chunk (core/job-validation.ts), then run
 * preflight and write the validation report and the chunk manifest. With `budget` spent before
 * the file's end, it checkpoints, counts the rows read (`rowsValidated`) and answers
 * `validated: false`: the caller calls again, and the next segment resumes there. Run twice, it rewrites
 * the same objects (chunk keys are the job and the index; the snapshot is content-addressed).
 */
export async function validateStep(deps: JobDeps, id: string, chunkRows = CHUNK_ROWS, budget: SegmentBudget = UNBOUNDED): Promise<{ validated: boolean }> {
  const job = await runnable(deps, id, 'validating');
  if (kindOf(job) === 'purge') return validatePurge(deps, job).then(() => ({ validated: true }));
  if (kindOf(job) === 'training-set') return validateTrainingSet(deps, job, chunkRows).then(() => ({ validated: true }));
  const request = await deps.jobFiles.getRequest<DeployRequest>(job.request!);
  const validated = await validateStreaming(deps, { ...job, version: versionOf(job) }, request, chunkRows, budget);
  if (!validated.done) {
    // The next segment goes on from here (the state machine's loop, the local runner).
    await advance(deps, id, { rowsValidated: validated.rows });
    return { validated: false };
  }
  const manifest = await deps.jobFiles.putManifest(id, validated.chunks);
  await advance(deps, id, {
    phase: 'planning',
    snapshot: validated.snapshot,
    artifact: validated.artifact,
    validation: validated.report.status,
    rowsTotal: validated.rows,
    manifest,
    chunksTotal: validated.chunks.length,
    rowsValidated: validated.rows,
  });
  return { validated: true };
}

/**
 * Step 2: claim the materialization (`materializing`) before the first row. The chunks and
 * their manifest were written by validation (a rejected version's manifest lists none: it is
 * never materialized); a job validated by an earlier release has them cut from its snapshot here.
 */
export async function planStep(deps: JobDeps, id: string, chunkRows = CHUNK_ROWS): Promise<{ manifest: string; chunks: number }> {
  const job = await runnable(deps, id, 'planning');
  if (kindOf(job) === 'purge') return planPurge(deps, job, chunkRows);
  if (kindOf(job) === 'training-set') return planTrainingSet(deps, job);
  if (!job.snapshot) throw new InvalidStateError(`job ${id} has no snapshot: it was not validated`);
  let manifest = job.manifest;
  let chunks = job.chunksTotal;
  if (manifest === undefined) {
    // A job validated before validation streamed its chunks (resumed across an upgrade): cut them from the snapshot.
    const request = await deps.jobFiles.getRequest<DeployRequest>(job.request!);
    const refs = [];
    if (job.validation !== 'rejected') {
      const rows = await deps.snapshots.read(job.snapshot, request.definition);
      for (let start = 0, index = 0; start < rows.length; start += chunkRows, index++) refs.push(await deps.jobFiles.putChunk(id, index, rows.slice(start, start + chunkRows)));
    }
    manifest = await deps.jobFiles.putManifest(id, refs);
    chunks = refs.length;
  }
  let claim = job.claim;
  if (job.validation !== 'rejected' && claim === undefined) {
    claim = await deps.catalog.claimMaterialization(job.view, versionOf(job), deps.clock.now().toISOString());
    if (claim === undefined) throw new InvalidStateError(`version ${job.version} of '${job.view}' is already materialized: the number was taken twice`);
  }
  await advance(deps, id, { phase: 'materializing', manifest, chunksTotal: chunks, materializingSince: deps.clock.now().toISOString(), ...(claim ? { claim } : {}) });
  return { manifest, chunks };
}

/** Step 3, once per chunk: write its rows online (a purge: delete them) and count it, once. */
export async function materializeChunkStep(deps: JobDeps, id: string, chunk: ChunkRef): Promise<{ rows: number }> {
  const job = await loadJob(deps, id);
  if (job.status !== 'running') throw new JobStoppedError(`job ${id} is ${job.status}: chunk ${chunk.index} was not written`);
  let written: number;
  if (kindOf(job) === 'purge') written = await purgeChunk(deps, job, chunk);
  else if (kindOf(job) === 'training-set') written = await answerChunk(deps, job, chunk);
  else {
    const rows = await deps.jobFiles.getChunk(chunk);
    await deps.jobs.startChunk(id, chunk.index, deps.clock.now().toISOString());
    written = await deps.online.write(job.view, versionOf(job), rows);
  }
  // A chunk written after a cancel landed is not counted; the fail step deletes every chunk's rows.
  const counted = await deps.jobs.completeChunk(id, chunk.index, written, deps.clock.now().toISOString());
  if (counted === 'stopped') throw new JobStoppedError(`job ${id} stopped while chunk ${chunk.index} was being written`);
  return { rows: written };
}

/** Step 4: `materialized`, the version record and its audit entry, then the activation if asked. */
export async function finalizeStep(deps: JobDeps, id: string): Promise<JobView> {
  const kind = kindOf(await loadJob(deps, id));
  if (kind === 'purge') return finalizePurge(deps, id);
  if (kind === 'training-set') return finalizeTrainingSet(deps, id);
  const job = await runnable(deps, id, 'finalizing');
  const version = versionOf(job);
  if (!job.snapshot || !job.artifact) throw new InvalidStateError(`job ${id} has no snapshot: it was not validated`);
  const done = await deps.jobs.completedChunks(id);
  if (done.length < job.chunksTotal) throw new InvalidStateError(`job ${id} has ${done.length} of ${job.chunksTotal} chunks written: it cannot be finalized yet`);
  const request = await deps.jobFiles.getRequest<DeployRequest>(job.request!);
  const rejected = job.validation === 'rejected';
  const { report } = await deps.snapshots.getDocument<ValidationArtifact>(job.artifact);
  if (!rejected && !(await deps.catalog.markMaterialized(job.view, version, job.rowsWritten, deps.clock.now().toISOString(), job.claim!)))
    throw new InvalidStateError(`version ${version} of '${job.view}' changed state while job ${id} was materializing it`);

  const checked = { definition: request.definition, report, policy: resolvePolicy(request.validation), consumers: consumerUses(request.consumers) } as Checked;
  const record = versionRecord(checked, request, { view: job.view, version, at: job.startedAt, actor: job.createdBy, snapshot: job.snapshot, artifact: job.artifact });
  // A finalize that ran before (and died before ending the job) wrote the record already.
  if (!(await deps.catalog.getVersion(job.view, version)))
    await deps.catalog.putVersion(record, {
      actor: job.createdBy,
      action: 'deploy',
      outcome: 'allowed',
      view: job.view,
      ...(rejected ? { reason: report.findings[0]?.message } : {}),
      detail: {
        version,
        job: id,
        snapshotSha256: job.snapshot.sha256,
        rows: job.snapshot.rows,
        definitionSha256: record.definitionSha256,
        validation: report.status,
        baselineVersion: record.validation!.baselineVersion,
      },
    });

  let result: NonNullable<Job['result']> = { status: rejected ? 'rejected' : 'deployed' };
  if (job.activate && !rejected) {
    // Judged now, as the deployer: the policy, approvals and MFA in force at this moment.
    try {
      result = { status: 'active', activation: await activateVersion(deps, { principal: job.principal }, job.view, { version, reason: job.reason ?? 'deployed with activate: true' }) };
    } catch (error) {
      if (!(error instanceof RewindError)) throw error;
      result = { status: 'deployed', activationError: { status: 0, code: error.code, message: error.message } };
    }
  }
  const at = deps.clock.now().toISOString();
  await deps.jobs.update(id, { status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
  return jobView({ ...job, status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
}

/**
 * The catch-all last step, of a failure or a cancel: deletes the online rows written (the
 * purge's fenced deletes: → `purging`, delete each chunk's entities, → `purged`), then ends the
 * job `failed` (with `error`) or `cancelled`, audited. No version record was written (finalize
 * is the only step that writes it, last), so nothing was ever served.
 */
export async function failStep(deps: JobDeps, id: string, error: JobError): Promise<JobView> {
  const job = await loadJob(deps, id);
  if (ENDED.includes(job.status)) return jobView(job);
  const cancelled = job.status === 'cancelling';
  // A fail step resumed after a crash keeps the first error it was given.
  error = job.error ?? error;
  if (kindOf(job) === 'purge') return failPurge(deps, job, error);
  if (kindOf(job) === 'training-set') return endTrainingSet(deps, job, error);
  await deps.jobs.update(id, { phase: 'cleaning', updatedAt: deps.clock.now().toISOString(), ...(cancelled ? {} : { error }) });
  // A validation stopped between two segments has a snapshot upload in progress: abort it.
  if (job.phase === 'validating' && job.request) await abandonValidation(deps, { ...job, version: versionOf(job) }, (await deps.jobFiles.getRequest<DeployRequest>(job.request)).definition);
  const deleted = await cleanUp(deps, job);
  const at = deps.clock.now().toISOString();
  const end: Partial<Job> = { status: cancelled ? 'cancelled' : 'failed', phase: 'done', updatedAt: at, endedAt: at, ...(cancelled ? {} : { error }) };
  await deps.jobs.update(id, end);
  await deps.audit.appendAudit({
    actor: cancelled ? (job.cancelledBy ?? job.createdBy) : job.createdBy,
    action: cancelled ? 'deploy-job-cancel' : 'deploy-job-fail',
    outcome: 'allowed',
    view: job.view,
    ...(cancelled ? {} : { reason: error.message.slice(0, 1000) }),
    detail: { job: id, version: job.version, phase: job.phase, rowsDeleted: deleted, ...(cancelled ? {} : { code: error.code }) },
  });
  return jobView({ ...job, ...end });
}

async function cleanUp(deps: JobDeps, job: Job): Promise<number> {
  // Nothing was written online before the claim.
  if (job.claim === undefined || job.manifest === undefined) return 0;
  const version = versionOf(job);
  if (await deps.catalog.getVersion(job.view, version)) return 0;
  const pointer = await deps.pointers.getPointer(job.view);
  await deps.pointers.beginPurge({
    view: job.view,
    version,
    revision: pointer?.revision ?? 0,
    at: deps.clock.now().toISOString(),
    audit: { actor: job.createdBy, action: 'purge', outcome: 'allowed', view: job.view, detail: { version: job.version, job: job.id, reason: 'deploy job ended without a version' } },
  });
  let deleted = 0;
  // Only the chunks a step began can have rows online (each marks itself before its first write).
  const started = new Set(await deps.jobs.startedChunks(job.id));
  for (const chunk of (await deps.jobFiles.getManifest(job.manifest)).filter((c) => started.has(c.index))) {
    const rows = await deps.jobFiles.getChunk(chunk);
    deleted += await deps.online.purge(job.view, version, rows.map((r) => r.entity));
  }
  await deps.catalog.markPurged(job.view, version, deps.clock.now().toISOString());
  return deleted;
}
