/**
 * A deploy job's validate step over data of any size: the rows are read one batch at a time
 * (a Parquet row group, or `chunkRows` lines of JSON lines or CSV: SnapshotStore.streamSource),
 * and each batch is checked, profiled, appended to the snapshot and written as the job's next
 * chunk before the next one is read. Memory holds one batch, the profile's sketches
 * (core/stats/streaming-profile.ts) and the entities' fingerprints (core/entity-fingerprints.ts).
 *
 * The verdict is the synchronous deploy's (core/deploy.ts check): the same row checks in the
 * same order with the same fields and messages (rows numbered from the file's first), the
 * same baseline, the same preflight over profiles that are the synchronous ones exactly for
 * fewer than 8,192 rows and within the sketch's documented error above. Nothing is recorded
 * here: the version record is the finalize step's, last.
 *
 * A file too large for one call (one Lambda invocation lasts at most 15 minutes) is validated
 * in segments: a segment stops at a batch boundary when its budget is spent, saves what the
 * next one needs (a checkpoint in the job's files: the sketches, the fingerprints, the
 * snapshot writer's state; the snapshot's bytes so far are already in S3) and the next call
 * resumes the file there. Memory is the same whatever the number of segments.
 */
import { checkRecordSize, consumerUses, LARGEST_ARTIFACT, LARGEST_SNAPSHOT, loadBaseline, versionRecord, type Checked } from './deploy';
import type { Deps } from './deps';
import { EntityFingerprints } from './entity-fingerprints';
import { RewindError } from './errors';
import type { ArtifactRef, SnapshotRef } from './model';
import type { SnapshotWriter, SnapshotWriterState, SourceStream } from './ports';
import type { ChunkRef, Job, JobFiles } from './ports/jobs';
import type { DeployRequest } from './requests';
import { RowChecker, type FeatureRow } from './rows';
import { VALIDATION_ARTIFACT, type ValidationArtifact } from './validation/baseline';
import { preflight, type ValidationReport } from './validation/preflight';
import { StreamingRowsProfile, type StreamingRowsState } from './validation/profiles';
import { resolvePolicy } from './validation/tolerances';

/** A deploy job: its version was reserved at its start. */
type DeployJob = Job & { version: number };

export interface StreamedValidation {
  report: ValidationReport;
  snapshot: SnapshotRef;
  artifact: ArtifactRef;
  rows: number;
  /** The chunks written (none are listed for a rejected version: it is never materialized). */
  chunks: ChunkRef[];
}

/**
 * When a validation segment stops (at a batch boundary), to be resumed by the next call:
 * AWS Lambda gives one invocation 15 minutes, and a file of tens of millions of rows takes
 * longer than that to read, check and encode. Unbounded: the whole file in one call.
 */
export interface SegmentBudget {
  /** True once the segment should stop, `rows` rows into it. */
  spent(rows: number): boolean;
}

/** The whole file in one call (tests, adapters whose snapshot writer cannot be suspended). */
export const UNBOUNDED: SegmentBudget = { spent: () => false };

/** A segment's end: the file validated (`done`), or where the next segment starts. */
export type ValidationSegment = ({ done: true } & StreamedValidation) | { done: false; rows: number };

/**
 * What a stopped validation kept (JobFiles checkpoint `validation.json`): where the file
 * resumes, the chunks written so far, the profile's sketches, the snapshot writer's state
 * and the name of the entity fingerprints' file. Each segment writes its fingerprints under a
 * new name before this document, which is written last: a segment that dies half-way through
 * its checkpoint leaves the previous one whole.
 */
interface ValidationCheckpoint {
  segment: number;
  rows: number;
  chunks: ChunkRef[];
  profile: StreamingRowsState;
  snapshot: SnapshotWriterState;
  fingerprints: string;
}

const CHECKPOINT = 'validation.json';

/**
 * One segment of a deploy job's validation: from the job's checkpoint (or the file's start)
 * until `budget` is spent or the file ends. A segment that stops saves a checkpoint and
 * answers `{ done: false }`; the caller (the state machine's loop, the local runner) calls
 * again. The last one runs preflight and answers the verdict. Segments are invisible in the
 * result: the same batches, chunks, profile and snapshot bytes as one uninterrupted pass.
 */
export async function validateStreaming(deps: Deps & { jobFiles: JobFiles }, job: DeployJob, request: DeployRequest, chunkRows: number, budget: SegmentBudget = UNBOUNDED): Promise<ValidationSegment> {
  const { definition } = request;
  const policy = resolvePolicy(request.validation);
  const consumers = consumerUses(request.consumers);
  const resumed = await loadCheckpoint(deps.jobFiles, job.id);
  // A last segment that finished the snapshot and died before its caller recorded it: nothing to read again.
  if (resumed && 'done' in resumed) return resumed;
  const baseline = await loadBaseline(deps, job.view, policy);
  const { field, source } = await openSource(deps, job.view, request, chunkRows);
  const checker = new RowChecker(definition, field, source.fromText);
  const seen = resumed ? EntityFingerprints.fromBytes(await requiredCheckpoint(deps.jobFiles, job.id, resumed.fingerprints)) : new EntityFingerprints();
  const profile = resumed ? StreamingRowsProfile.fromState(definition, resumed.profile) : new StreamingRowsProfile(definition);
  const snapshot = await openWriter(deps, job, definition, resumed?.snapshot);
  const chunks: ChunkRef[] = resumed?.chunks ?? [];
  let index = resumed?.rows ?? 0;
  let segmentRows = 0;
  try {
    for await (const batch of source.batches(index)) {
      if (snapshot.suspend && segmentRows > 0 && budget.spent(segmentRows)) {
        await saveCheckpoint(deps.jobFiles, job.id, { segment: (resumed?.segment ?? 0) + 1, rows: index, chunks, profile: profile.state(), snapshot: await snapshot.suspend(), fingerprints: '' }, seen);
        return { done: false, rows: index };
      }
      const rows = new Array<FeatureRow>(batch.length);
      for (let i = 0; i < batch.length; i++, index++) {
        const record = batch[i]!;
        const entity = checker.entity(record, index);
        if (!seen.add(entity) && (await seenBefore(source, checker, entity, index))) throw checker.duplicate(entity, index);
        rows[i] = checker.values(record, entity, index);
      }
      segmentRows += rows.length;
      profile.add(rows);
      await snapshot.append(rows);
      chunks.push(await deps.jobFiles.putChunk(job.id, chunks.length, rows));
    }
    const profiles = profile.profiles();
    const report = preflight({ definition, consumers, profiles, policy, ...(baseline ? { baseline } : {}) });
    const checked: Checked = { definition, rows: [], consumers, policy, profiles, report };
    // The record as it will be must fit DynamoDB's item, as the synchronous deploy checks first.
    checkRecordSize(versionRecord(checked, request, { view: job.view, version: Number.MAX_SAFE_INTEGER, at: job.startedAt, actor: job.createdBy, snapshot: LARGEST_SNAPSHOT, artifact: LARGEST_ARTIFACT }));
    const ref = await snapshot.finish();
    const artifact = await deps.snapshots.putDocument(job.view, job.version, VALIDATION_ARTIFACT, { report, profiles } satisfies ValidationArtifact);
    const done: ValidationSegment = { done: true, report, snapshot: ref, artifact, rows: index, chunks: report.status === 'rejected' ? [] : chunks };
    // Only a validation that stopped on the way needs it: its snapshot's upload is complete now, and a retry must not resume it.
    if (resumed) await deps.jobFiles.putCheckpoint(job.id, CHECKPOINT, Buffer.from(JSON.stringify(done), 'utf8'));
    return done;
  } catch (error) {
    // A refusal (a bad row, a stopped job) ends the validation: drop the snapshot. A fault (S3
    // throttled, a timeout) in a resumed segment is retried from the checkpoint, which names
    // the upload and side file an abort would delete; a first segment's retry starts over.
    if (!resumed || error instanceof RewindError) await snapshot.abort();
    throw error;
  }
}

/**
 * Drops what a validation stopped part-way kept in the store (a suspended snapshot's parts):
 * the fail step's, for a job that failed or was cancelled between two segments.
 */
export async function abandonValidation(deps: Deps & { jobFiles: JobFiles }, job: DeployJob, definition: DeployRequest['definition']): Promise<void> {
  const checkpoint = await loadCheckpoint(deps.jobFiles, job.id);
  if (!checkpoint || 'done' in checkpoint || !deps.snapshots.openSnapshot) return;
  await (await deps.snapshots.openSnapshot(job.view, job.version, definition, checkpoint.snapshot)).abort();
}

async function loadCheckpoint(files: JobFiles, job: string): Promise<ValidationCheckpoint | (ValidationSegment & { done: true }) | undefined> {
  const bytes = await files.getCheckpoint(job, CHECKPOINT);
  return bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as ValidationCheckpoint | (ValidationSegment & { done: true })) : undefined;
}

async function requiredCheckpoint(files: JobFiles, job: string, name: string): Promise<Uint8Array> {
  const bytes = await files.getCheckpoint(job, name);
  if (!bytes) throw new Error(`job ${job}: its validation checkpoint names ${name}, which is missing`);
  return bytes;
}

/** The fingerprints under the segment's own name, then the document that names them (last: see ValidationCheckpoint). */
async function saveCheckpoint(files: JobFiles, job: string, checkpoint: ValidationCheckpoint, seen: EntityFingerprints): Promise<void> {
  const fingerprints = `fingerprints-${checkpoint.segment}.bin`;
  await files.putCheckpoint(job, fingerprints, seen.toBytes());
  await files.putCheckpoint(job, CHECKPOINT, Buffer.from(JSON.stringify({ ...checkpoint, fingerprints }), 'utf8'));
  // The previous segment's fingerprints are no longer named by anything.
  if (checkpoint.segment > 1) await files.deleteCheckpoint(job, `fingerprints-${checkpoint.segment - 1}.bin`);
}

/**
 * Whether `entity` is the key of a row before `index`: a fingerprint match confirmed against
 * the keys themselves (the file read again up to `index`, which only a duplicate or a
 * one-in-2^64 collision costs).
 */
async function seenBefore(source: SourceStream, checker: RowChecker, entity: string, index: number): Promise<boolean> {
  let i = 0;
  for await (const batch of source.batches()) {
    for (const record of batch) {
      if (i >= index) return false;
      if (checker.entity(record, i) === entity) return true;
      i++;
    }
  }
  return false;
}

/** The request's rows (inline, already in the job's request file) or its data file, in batches; the field errors name. */
async function openSource(deps: Deps, view: string, request: DeployRequest, batchRows: number): Promise<{ field: string; source: SourceStream }> {
  if (request.rows) return { field: 'body.rows', source: inBatches(request.rows, false, batchRows) };
  const uri = request.snapshotUri!;
  if (deps.snapshots.streamSource) return { field: 'snapshotUri', source: await deps.snapshots.streamSource(uri, view, batchRows) };
  const whole = await deps.snapshots.readSource(uri, view);
  return { field: 'snapshotUri', source: inBatches(whole.records, whole.fromText, batchRows) };
}

function inBatches(records: readonly Record<string, unknown>[], fromText: boolean, batchRows: number): SourceStream {
  return {
    fromText,
    async *batches(from = 0) {
      for (let i = from; i < records.length; i += batchRows) yield records.slice(i, i + batchRows);
    },
  };
}

/** The store's streaming writer, or (an adapter without one) the rows collected and written whole. */
async function openWriter(deps: Deps, job: DeployJob, definition: DeployRequest['definition'], resume: SnapshotWriterState | undefined): Promise<SnapshotWriter> {
  if (deps.snapshots.openSnapshot) return deps.snapshots.openSnapshot(job.view, job.version, definition, resume);
  const rows: FeatureRow[] = [];
  return {
    append: async (batch) => void rows.push(...batch),
    finish: () => deps.snapshots.write(job.view, job.version, definition, rows),
    abort: async () => undefined,
  };
}
