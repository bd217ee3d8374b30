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
 */
import { checkRecordSize, consumerUses, LARGEST_ARTIFACT, LARGEST_SNAPSHOT, loadBaseline, versionRecord, type Checked } from './deploy';
import type { Deps } from './deps';
import { EntityFingerprints } from './entity-fingerprints';
import type { ArtifactRef, SnapshotRef } from './model';
import type { SnapshotWriter, SourceStream } from './ports';
import type { ChunkRef, Job, JobFiles } from './ports/jobs';
import type { DeployRequest } from './requests';
import { RowChecker, type FeatureRow } from './rows';
import { VALIDATION_ARTIFACT, type ValidationArtifact } from './validation/baseline';
import { preflight, type ValidationReport } from './validation/preflight';
import { StreamingRowsProfile } from './validation/profiles';
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

export async function validateStreaming(deps: Deps & { jobFiles: JobFiles }, job: DeployJob, request: DeployRequest, chunkRows: number): Promise<StreamedValidation> {
  const { definition } = request;
  const policy = resolvePolicy(request.validation);
  const consumers = consumerUses(request.consumers);
  const baseline = await loadBaseline(deps, job.view, policy);
  const { field, source } = await openSource(deps, job.view, request, chunkRows);
  const checker = new RowChecker(definition, field, source.fromText);
  const seen = new EntityFingerprints();
  const profile = new StreamingRowsProfile(definition);
  const snapshot = await openWriter(deps, job, definition);
  const chunks: ChunkRef[] = [];
  let index = 0;
  try {
    for await (const batch of source.batches()) {
      const rows = new Array<FeatureRow>(batch.length);
      for (let i = 0; i < batch.length; i++, index++) {
        const record = batch[i]!;
        const entity = checker.entity(record, index);
        if (!seen.add(entity) && (await seenBefore(source, checker, entity, index))) throw checker.duplicate(entity, index);
        rows[i] = checker.values(record, entity, index);
      }
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
    return { report, snapshot: ref, artifact, rows: index, chunks: report.status === 'rejected' ? [] : chunks };
  } catch (error) {
    await snapshot.abort();
    throw error;
  }
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
    async *batches() {
      for (let i = 0; i < records.length; i += batchRows) yield records.slice(i, i + batchRows);
    },
  };
}

/** The store's streaming writer, or (an adapter without one) the rows collected and written whole. */
async function openWriter(deps: Deps, job: DeployJob, definition: DeployRequest['definition']): Promise<SnapshotWriter> {
  if (deps.snapshots.openSnapshot) return deps.snapshots.openSnapshot(job.view, job.version, definition);
  const rows: FeatureRow[] = [];
  return {
    append: async (batch) => void rows.push(...batch),
    finish: () => deps.snapshots.write(job.view, job.version, definition, rows),
    abort: async () => undefined,
  };
}
