/**
 * What every kind of job shares (core/jobs.ts runs the steps, core/jobs/*.ts each kind's
 * work): the ports a step needs, the view GET /jobs/{id} shows, and the guarded moves of a
 * job record from one phase to the next.
 */
import type { Deps } from '../deps';
import { JobNotFoundError, JobStoppedError } from '../errors';
import type { Job, JobError, JobFiles, JobLauncher, JobStatus, JobStore } from '../ports/jobs';

export interface JobDeps extends Deps {
  jobs: JobStore;
  jobFiles: JobFiles;
  launcher: JobLauncher;
}

/**
 * Rows per chunk by default (REWIND_JOB_CHUNK_ROWS): one Lambda invocation (200 BatchWriteItem
 * calls of 25) writes it in a few seconds even on a cold table, and a resumed job repeats at
 * most one chunk per worker.
 */
export const CHUNK_ROWS = 5_000;

export const ENDED: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
export const ACTIVE: readonly JobStatus[] = ['queued', 'running'];

/** A record written before jobs had kinds is a deploy. */
export const kindOf = (job: Pick<Job, 'kind'>): Job['kind'] => job.kind ?? 'deploy';

/** A job as GET /jobs/{id} shows it: its progress and rows/s, nothing of its internals (claim, principal). */
export interface JobView {
  id: string;
  kind: Job['kind'];
  view: string;
  /** A deploy's version, a purge's; null for a training set (it reads every version that served). */
  version: number | null;
  status: JobStatus;
  phase: Job['phase'];
  chunks: { done: number; total: number };
  /**
   * `written`: rows done so far (a deploy's rows written online, a purge's rows deleted, a
   * training set's rows answered); `deleted` on a purge as well, the same count by its name.
   * `validated` (a deploy): rows of the file read and checked so far, counted at the end of
   * each validation segment (one Lambda invocation each), so a long validation shows progress.
   */
  rows: { written: number; total: number | null; deleted?: number; validated?: number };
  rowsPerSecond: number | null;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  activate: boolean;
  createdBy: string;
  error: { error: Omit<JobError, 'status'> } | null;
  errorStatus: number | null;
  result: Job['result'] | null;
}

export function jobView(job: Job): JobView {
  const since = job.materializingSince ? Date.parse(job.materializingSince) : undefined;
  const seconds = since === undefined ? 0 : (Date.parse(job.endedAt ?? job.updatedAt) - since) / 1000;
  const { status: errorStatus, ...error } = job.error ?? { status: null };
  const kind = kindOf(job);
  return {
    id: job.id,
    kind,
    view: job.view,
    version: job.version ?? null,
    status: job.status,
    phase: job.phase,
    chunks: { done: job.chunksDone, total: job.chunksTotal },
    rows: { written: job.rowsWritten, total: job.rowsTotal ?? null, ...(kind === 'purge' ? { deleted: job.rowsWritten } : {}), ...(job.rowsValidated !== undefined ? { validated: job.rowsValidated } : {}) },
    rowsPerSecond: seconds > 0 ? Math.round(job.rowsWritten / seconds) : null,
    startedAt: job.startedAt,
    updatedAt: job.updatedAt,
    endedAt: job.endedAt ?? null,
    activate: job.activate,
    createdBy: job.createdBy,
    // The same body a synchronous request of the same input would have been refused with.
    error: job.error ? { error: error as Omit<JobError, 'status'> } : null,
    errorStatus: job.error ? (errorStatus as number) : null,
    result: job.result ?? null,
  };
}

export interface JobStarted {
  view: string;
  version: number | null;
  job: JobView;
}

/**
 * A new job as every kind starts it: queued at validation, nothing counted, started and
 * updated now; `fields` says what it is and who asked.
 */
export function queuedJob(at: string, fields: Pick<Job, 'id' | 'kind' | 'view' | 'version' | 'createdBy' | 'principal'> & Partial<Job>): Job {
  return { status: 'queued', phase: 'validating', chunksDone: 0, chunksTotal: 0, rowsWritten: 0, startedAt: at, updatedAt: at, activate: false, ...fields };
}

export async function loadJob(deps: Pick<JobDeps, 'jobs'>, id: string): Promise<Job> {
  const job = await deps.jobs.get(id);
  if (!job) throw new JobNotFoundError(id);
  return job;
}

/** The job, running, at `phase`: a stopped one throws JobStoppedError (the fail step cleans up). */
export async function runnable(deps: Pick<JobDeps, 'jobs' | 'clock'>, id: string, phase: Job['phase']): Promise<Job> {
  const job = await loadJob(deps, id);
  if (!ACTIVE.includes(job.status)) throw new JobStoppedError(`job ${id} is ${job.status}: its ${phase} step did nothing`);
  const changes = { status: 'running' as const, phase, updatedAt: deps.clock.now().toISOString() };
  if (!(await deps.jobs.update(id, changes, ACTIVE))) throw new JobStoppedError(`job ${id} stopped before its ${phase} step`);
  return { ...job, ...changes };
}

export async function advance(deps: Pick<JobDeps, 'jobs' | 'clock'>, id: string, changes: Partial<Job>): Promise<void> {
  if (!(await deps.jobs.update(id, { ...changes, updatedAt: deps.clock.now().toISOString() }, ['running']))) throw new JobStoppedError(`job ${id} stopped during its ${changes.phase ?? 'current'} step`);
}

/** A deploy's or a purge's version: every step of those kinds has one. */
export function versionOf(job: Job): number {
  if (job.version === null || job.version === undefined) throw new Error(`job ${job.id} (${kindOf(job)}) has no version`);
  return job.version;
}
