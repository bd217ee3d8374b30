/**
 * Jobs (core/jobs.ts): deploys, purges and training sets too large for one request. The job records and their per-chunk progress (DynamoDB), the
 * files a job works from (its request, its chunks and their manifest, in S3), and what starts
 * a job's steps (Step Functions in AWS, the local runtime's job runner on one machine).
 */
import type { ArtifactRef, Principal, SnapshotRef } from '../model';
import type { FeatureRow } from '../rows';
import type { ValidationReport } from '../validation/preflight';

export type JobStatus = 'queued' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';
export type JobPhase = 'validating' | 'planning' | 'materializing' | 'finalizing' | 'cleaning' | 'done';

/** What a failed job says, in the HTTP error body's shape (a bad file: 400, the field named). */
export interface JobError {
  status: number;
  code: string;
  message: string;
  field?: string;
}

/**
 * What a job does; every kind runs through the same steps (validate → plan → chunk × N →
 * finalize, fail), each step dispatching on the kind, so the state machine and the local
 * runner stay one pipeline. A record without `kind` (none yet) is a deploy.
 */
export type JobKind = 'deploy' | 'purge' | 'training-set';

export interface Job {
  id: string;
  kind: JobKind;
  view: string;
  /**
   * A deploy: reserved when the job was created, before validation: the version it will
   * record, or a gap. A purge: the version it purges. A training set: null (it reads every
   * version the history served).
   */
  version: number | null;
  status: JobStatus;
  phase: JobPhase;
  chunksDone: number;
  chunksTotal: number;
  rowsWritten: number;
  /** Rows of the file, once validated. */
  rowsTotal?: number;
  /** Rows validated so far: a validation in segments (one Lambda invocation each) counts them at each segment's end. */
  rowsValidated?: number;
  startedAt: string;
  updatedAt: string;
  /** When the first chunk could start: rows/s is measured from here. */
  materializingSince?: string;
  endedAt?: string;
  /** Who deployed: the actor of every audit entry, and the caller an `activate: true` is judged as at the end. */
  createdBy: string;
  principal: Principal;
  activate: boolean;
  reason?: string;
  /** The request as sent (a deploy's rows included), in S3: a job record stays a small item. A purge has none (its start checked everything). */
  request?: ArtifactRef;
  snapshot?: SnapshotRef;
  artifact?: ArtifactRef;
  validation?: ValidationReport['status'];
  /** The chunk manifest (s3:// URI), once planned. */
  manifest?: string;
  /** The materialization claim (VersionCatalog.claimMaterialization) the finalize step marks with. */
  claim?: string;
  error?: JobError;
  /**
   * What the job did, once succeeded: a deploy, the version's status and the activation's
   * outcome; a purge, `purged` and the rows deleted; a training set, the stored set.
   */
  result?: { status: string; activation?: unknown; activationError?: JobError; deleted?: number; trainingSet?: unknown };
  cancelledBy?: string;
}

/** One chunk of a job: its rows in a file of their own, so a step reads only what it writes. */
export interface ChunkRef {
  job: string;
  index: number;
  uri: string;
  rows: number;
}

export interface JobStore {
  /** Stores a new job; never over an existing id. */
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | undefined>;
  /** A view's jobs, newest first. */
  listForView(view: string, limit: number): Promise<Job[]>;
  /**
   * Sets `changes` on the job, only while its status is one of `whileStatus` (when given).
   * False when the status had moved on (a cancel landed, another worker ended it).
   */
  update(id: string, changes: Partial<Job>, whileStatus?: readonly JobStatus[]): Promise<boolean>;
  /**
   * Counts one chunk done, once: the chunk's own item and the counters' increment in one
   * transaction, on condition the job is `running` and the chunk was not counted yet.
   * `counted` / `already` (a retry of a counted chunk) / `stopped` (the job is not running).
   */
  completeChunk(id: string, index: number, rows: number, at: string): Promise<'counted' | 'already' | 'stopped'>;
  /**
   * Marks a chunk as started, before its first row is written (idempotent): a failed or
   * cancelled job deletes the rows of the chunks it started, not of every chunk it planned.
   */
  startChunk(id: string, index: number, at: string): Promise<void>;
  /** Indexes of the chunks started so far (counted or not). */
  startedChunks(id: string): Promise<number[]>;
  /** Indexes of the chunks counted so far: what a resumed job skips. */
  completedChunks(id: string): Promise<number[]>;
}

export interface JobFiles {
  /** Stores a job's request (rows or snapshotUri, as sent) as a document of its own. */
  putRequest(job: string, request: unknown): Promise<ArtifactRef>;
  getRequest<T>(ref: ArtifactRef): Promise<T>;
  /** Writes one chunk's rows; the same chunk written twice is the same object. */
  putChunk(job: string, index: number, rows: readonly FeatureRow[]): Promise<ChunkRef>;
  getChunk(ref: ChunkRef): Promise<FeatureRow[]>;
  /** Writes the manifest (a JSON array of ChunkRef: what Step Functions' ItemReader reads); returns its s3:// URI. */
  putManifest(job: string, chunks: readonly ChunkRef[]): Promise<string>;
  getManifest(uri: string): Promise<ChunkRef[]>;
  /** Writes what a chunk step made of its chunk (a training set's answered rows) as a JSON document; the same part written twice is the same object. */
  putPart(job: string, index: number, part: unknown): Promise<string>;
  getPart<T>(job: string, index: number): Promise<T>;
  /**
   * A step's checkpoint file (a validation stopped at a segment's end, core/job-validation.ts):
   * `name`'s bytes, replaced whole by the next put; getCheckpoint is undefined when none was saved.
   */
  putCheckpoint(job: string, name: string, body: Uint8Array): Promise<void>;
  getCheckpoint(job: string, name: string): Promise<Uint8Array | undefined>;
  deleteCheckpoint(job: string, name: string): Promise<void>;
}

/** Starts a job's steps: a Step Functions execution named by the job id, or the local runner. */
export interface JobLauncher {
  launch(job: Job): Promise<void>;
}
