/**
 * Purges of large versions as jobs (issue 11 item 5): the purge of core/purge.ts, cut into the
 * job pipeline's steps so that no request deletes millions of rows and a purge killed mid-way
 * resumes from its last counted chunk.
 *
 *   start (in the request) ──▶ validate (nothing left) ──▶ plan ──▶ delete chunk × N ──▶ finalize
 *
 * The start is the synchronous purge's first step, unchanged (core/purge.ts beginCheckedPurge):
 * every check (not served, not served inside the pointer-cache bound, the revision fence) and
 * → `purging` with the `purge-job-start` audit entry, in one transaction, before the job record
 * exists: a refused purge is a 409 that writes nothing, no job included. Plan streams the
 * snapshot a row group at a time and writes each batch's entities as one chunk (memory holds
 * one batch). Each chunk deletes its entities with the online store's fenced deletes, every
 * batch conditioned on `purging`, so a rollback that re-materializes the version (its claim:
 * → `materializing`) stops the job and no row written after the claim is deleted. Finalize
 * marks the version `purged` and audits `purge-job-end`.
 *
 * A chunk run twice deletes rows already gone (a no-op) and is counted once. A chunk that finds
 * the version `purged` already (another purge of it finished, or the local runtime rebuilt an
 * in-memory online table at its start) has nothing left to delete: every row is gone.
 *
 * Not cancellable (409): a half-purged version must end `purged` or stay `purging`, and a
 * cancel would be the second under another name. A failed job leaves `purging` (never
 * served: a pointer change re-materializes it first), audited `purge-job-fail`; a later DELETE
 * of the version runs the purge again from the start.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../authorization';
import { actorName } from '../authorization';
import { InvalidStateError } from '../errors';
import { PurgeInterruptedError } from '../materialize';
import type { ChunkRef, Job, JobError } from '../ports/jobs';
import { beginCheckedPurge, purgeOnline, type PurgeOptions } from '../purge';
import { advance, jobView, queuedJob, runnable, versionOf, type JobDeps, type JobStarted, type JobView } from './common';

export interface PurgeLimits extends PurgeOptions {
  /** Over this many rows (the version's snapshot), a purge runs as a job: REWIND_SYNC_DEPLOY_MAX_ROWS. */
  maxSyncRows: number;
  /** `?async=true` forces the job, `?async=false` the synchronous purge; absent: by size. */
  async?: boolean;
}

export type PurgeAnswer = { view: string; version: number; deleted: number; auditId: string } | (JobStarted & { auditId: string });

/**
 * `DELETE /views/{view}/versions/{version}/online`: synchronous (200, as before) up to
 * `maxSyncRows` rows, a job (202) above, or as `async` says.
 */
export async function purgeVersion(deps: JobDeps, caller: Caller, view: string, version: number, limits: PurgeLimits): Promise<PurgeAnswer> {
  const record = await deps.catalog.getVersion(view, version);
  const asJob = limits.async ?? (record !== undefined && record.snapshot.rows > limits.maxSyncRows);
  if (!asJob) return { view, version, ...(await purgeOnline(deps, actorName(caller), view, version, limits)) };
  return startPurgeJob(deps, caller, view, version, limits);
}

/** The job's start: checked and begun as a synchronous purge begins, then the job record, then its launch. */
export async function startPurgeJob(deps: JobDeps, caller: Caller, view: string, version: number, options: PurgeOptions): Promise<JobStarted & { auditId: string }> {
  const actor = actorName(caller);
  const id = randomUUID();
  const { record, audit } = await beginCheckedPurge(deps, actor, view, version, options, { action: 'purge-job-start', detail: { job: id } });
  const at = deps.clock.now().toISOString();
  const job = queuedJob(at, { id, kind: 'purge', view, version, rowsTotal: record.snapshot.rows, createdBy: actor, principal: caller.principal, snapshot: record.snapshot });
  // Killed between the two writes, the version stays `purging` with no job: a later DELETE resumes it.
  await deps.jobs.create(job);
  await deps.launcher.launch(job);
  return { view, version, job: jobView(job), auditId: audit.id };
}

/** Validate: the start checked everything, in the request; the job moves on to planning. */
export async function validatePurge(deps: JobDeps, job: Job): Promise<void> {
  await advance(deps, job.id, { phase: 'planning' });
}

/**
 * Plan: the snapshot's entities, a batch (one row group or less) at a time, each batch one
 * chunk of its own; the manifest lists them. Memory holds one batch, never the snapshot. The
 * stream is not checked against the snapshot's sha256 (that needs the whole file): a wrong
 * entity list could only leave rows behind under a version no pointer can name before it is
 * re-materialized, never delete another version's rows (every key holds the version).
 */
export async function planPurge(deps: JobDeps, job: Job, chunkRows: number): Promise<{ manifest: string; chunks: number }> {
  const version = versionOf(job);
  const record = await deps.catalog.getVersion(job.view, version);
  if (!record) throw new InvalidStateError(`version ${version} of '${job.view}' has no record: there is nothing to purge`);
  const refs: ChunkRef[] = [];
  const entityColumn = record.definition.entity;
  const put = async (entities: string[]) => refs.push(await deps.jobFiles.putChunk(job.id, refs.length, entities.map((entity) => ({ entity, values: {} }))));
  if (deps.snapshots.streamSource) {
    const stream = await deps.snapshots.streamSource(record.snapshot.uri, job.view, chunkRows);
    for await (const batch of stream.batches()) if (batch.length > 0) await put(batch.map((r) => String(r[entityColumn])));
  } else {
    const rows = await deps.snapshots.read(record.snapshot, record.definition);
    for (let start = 0; start < rows.length; start += chunkRows) await put(rows.slice(start, start + chunkRows).map((r) => r.entity));
  }
  const manifest = await deps.jobFiles.putManifest(job.id, refs);
  await advance(deps, job.id, { phase: 'materializing', manifest, chunksTotal: refs.length, materializingSince: deps.clock.now().toISOString() });
  return { manifest, chunks: refs.length };
}

/** One chunk: its entities' rows deleted, each batch conditioned on `purging`; what it deleted is counted once. */
export async function purgeChunk(deps: JobDeps, job: Job, chunk: ChunkRef): Promise<number> {
  const version = versionOf(job);
  const entities = (await deps.jobFiles.getChunk(chunk)).map((r) => r.entity);
  await deps.jobs.startChunk(job.id, chunk.index, deps.clock.now().toISOString());
  try {
    return await deps.online.purge(job.view, version, entities);
  } catch (error) {
    // `purged` already: every row is gone, this chunk's included. Anything else (a rebuild's claim) stops the job.
    if (error instanceof PurgeInterruptedError && (await deps.catalog.getMaterialization(job.view, version))?.state === 'purged') return 0;
    throw error;
  }
}

/** Finalize: → `purged` (already so, for a finalize run twice), audited. */
export async function finalizePurge(deps: JobDeps, id: string): Promise<JobView> {
  const job = await runnable(deps, id, 'finalizing');
  const version = versionOf(job);
  const done = await deps.jobs.completedChunks(id);
  if (done.length < job.chunksTotal) throw new InvalidStateError(`job ${id} has ${done.length} of ${job.chunksTotal} chunks deleted: it cannot be finalized yet`);
  if (!(await deps.catalog.markPurged(job.view, version, deps.clock.now().toISOString())) && (await deps.catalog.getMaterialization(job.view, version))?.state !== 'purged')
    throw new PurgeInterruptedError(job.view, version);
  const result = { status: 'purged', deleted: job.rowsWritten };
  await deps.audit.appendAudit({ actor: job.createdBy, action: 'purge-job-end', outcome: 'allowed', view: job.view, detail: { job: id, version, rowsDeleted: job.rowsWritten, chunks: job.chunksTotal } });
  const at = deps.clock.now().toISOString();
  await deps.jobs.update(id, { status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
  return jobView({ ...job, status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
}

/** Fail: nothing to clean up (the deletes are what the job was for); the version stays `purging` for a later DELETE. */
export async function failPurge(deps: JobDeps, job: Job, error: JobError): Promise<JobView> {
  const at = deps.clock.now().toISOString();
  const end: Partial<Job> = { status: 'failed', phase: 'done', updatedAt: at, endedAt: at, error };
  await deps.jobs.update(job.id, end);
  await deps.audit.appendAudit({
    actor: job.createdBy,
    action: 'purge-job-fail',
    outcome: 'allowed',
    view: job.view,
    reason: error.message.slice(0, 1000),
    detail: { job: job.id, version: job.version, phase: job.phase, rowsDeleted: job.rowsWritten, code: error.code },
  });
  return jobView({ ...job, ...end });
}

/** A purge job is not cancelled: see the top of this file. */
export function refusePurgeCancel(job: Job): never {
  throw new InvalidStateError(
    `job ${job.id} purges version ${job.version} of '${job.view}': a half-purged version cannot be cancelled back to served rows; it ends \`purged\` (a rollback to it re-materializes it from its snapshot)`,
  );
}
