/**
 * "As served" training sets larger than one request (issue 12 item 3), as jobs of kind
 * `training-set` through the deploy job's steps and state machine:
 *
 *   start (202) ──▶ validate ──▶ plan ──▶ answer chunk × N ──▶ finalize
 *
 * - validate streams the input (a file a batch at a time, or the inline rows), checks every
 *   row exactly as the synchronous set does (core/create-training-set.ts fileRowChecker: the
 *   same 400 body, the row number given) and writes each batch as one chunk of (entity, at);
 * - each chunk step replays its rows (core/training-sets.ts servedRows) and writes what they
 *   were served as one part;
 * - finalize reads the parts one at a time and writes each as one row group of the set's
 *   Parquet file (memory: one part), stored where a synchronous set is
 *   (`training-sets/<view>/<sha256>.parquet`), so GET /views/{view}/training-sets/{id} serves
 *   it; `result.trainingSet` is `{ id, uri, sha256, bytes, summary }`.
 *
 * The columns are the synchronous set's: the fixed ones, then every feature of every version
 * that served a row, so finalize first reads which versions each part names (a first pass over
 * the parts), then writes. The rows are in the input's order, the values as served: the set
 * equals the synchronous one for the same input (only `rewind.createdAt` in the footer differs,
 * hence the sha256).
 *
 * A read, as the synchronous route is: nothing is audited (the route may not write the audit
 * table); the job record is the trace. A cancel ends it `cancelled` with nothing stored. Every
 * step may run twice: the chunk and part keys are the job and the index, and a chunk's rows
 * were all asked about the past, whose history does not change.
 */
import { randomUUID } from 'node:crypto';
import type { Caller } from '../authorization';
import { actorName } from '../authorization';
import { createTrainingSet, fileRowChecker, type CreatedTrainingSet } from '../create-training-set';
import { InvalidStateError, ValidationError, ViewNotFoundError } from '../errors';
import type { FeatureValue } from '../model';
import type { ChunkRef, Job, JobError } from '../ports/jobs';
import type { TrainingSetRequest } from '../requests';
import { featureColumns, servedRows, SummaryBuilder, trainingSetColumns, trainingSetRow, type EntityInstant, type ServedRow } from '../training-sets';
import { advance, jobView, queuedJob, runnable, type JobDeps, type JobStarted, type JobView } from './common';

/** What a chunk step stores: the chunk's rows as served, and the versions that served them. */
interface Part {
  rows: ServedRow[];
  versions: number[];
}

/**
 * `POST /views/{view}/training-sets`: inside the request (201) up to `maxRows` rows, a job
 * (202) for a larger file or `async: true`. An unknown view is a 404 either way, before any write.
 */
export async function requestTrainingSet(deps: JobDeps, caller: Caller, view: string, request: TrainingSetRequest, limits: { maxRows: number }): Promise<CreatedTrainingSet | JobStarted> {
  if (request.async === true || (request.dataUri !== undefined && request.async !== false && ((await deps.snapshots.countSourceRows?.(request.dataUri, view)) ?? 0) > limits.maxRows)) {
    if ((await deps.catalog.listVersions(view)).length === 0) throw new ViewNotFoundError(view);
    return startTrainingSetJob(deps, caller, view, request);
  }
  return createTrainingSet(deps, view, request, limits);
}

/** Creates the job (202): the request kept in S3, nothing else written. */
export async function startTrainingSetJob(deps: JobDeps, caller: Caller, view: string, request: TrainingSetRequest): Promise<JobStarted> {
  const at = deps.clock.now().toISOString();
  const id = randomUUID();
  const requestRef = await deps.jobFiles.putRequest(id, request);
  const job = queuedJob(at, {
    id,
    kind: 'training-set',
    view,
    version: null,
    ...(request.rows ? { rowsTotal: request.rows.length } : {}),
    createdBy: actorName(caller),
    principal: caller.principal,
    request: requestRef,
  });
  await deps.jobs.create(job);
  await deps.launcher.launch(job);
  return { view, version: null, job: jobView(job) };
}

/** Validate: every row checked as the synchronous set checks it, a batch at a time, each batch one chunk. */
export async function validateTrainingSet(deps: JobDeps, job: Job, chunkRows: number): Promise<void> {
  const request = await deps.jobFiles.getRequest<TrainingSetRequest>(job.request!);
  const versions = await deps.catalog.listVersions(job.view);
  if (versions.length === 0) throw new ViewNotFoundError(job.view);
  const refs: ChunkRef[] = [];
  // A chunk's rows as (entity, { at }): the chunk files hold feature rows.
  const put = async (rows: EntityInstant[]) => refs.push(await deps.jobFiles.putChunk(job.id, refs.length, rows.map((r) => ({ entity: r.entity, values: { at: r.at } }))));
  let total = 0;
  if (request.rows) {
    // The synchronous set refuses a future instant as it replays (core/training-sets.ts servedRows); here before the first chunk.
    const now = Date.parse(job.startedAt);
    request.rows.forEach((r, i) => {
      if (Date.parse(r.at) > now) throw new ValidationError(`body.rows[${i}].at`, `${r.at} is in the future: the past only`);
    });
    for (let start = 0; start < request.rows.length; start += chunkRows) await put(request.rows.slice(start, start + chunkRows));
    total = request.rows.length;
  } else {
    // "Now" is the request's: a row is in the future as judged when it was asked.
    const now = Date.parse(job.startedAt);
    const viewEntity = versions.at(-1)!.definition.entity;
    let check: ReturnType<typeof fileRowChecker> | undefined;
    for await (const batch of await fileBatches(deps, job.view, request.dataUri!, chunkRows)) {
      if (batch.length === 0) continue;
      check ??= fileRowChecker(request, viewEntity, Object.keys(batch[0]!), now);
      await put(batch.map((record, i) => check!(record, total + i)));
      total += batch.length;
    }
    if (total === 0) throw new ValidationError('body.dataUri', 'holds no rows');
  }
  const manifest = await deps.jobFiles.putManifest(job.id, refs);
  await advance(deps, job.id, { phase: 'planning', rowsTotal: total, manifest, chunksTotal: refs.length });
}

/** The file's records a batch at a time; a refusal names `body.dataUri`, as the synchronous set's does. */
async function fileBatches(deps: JobDeps, view: string, uri: string, batchRows: number): Promise<AsyncIterable<Record<string, unknown>[]>> {
  const renamed = (error: unknown) => (error instanceof ValidationError && error.field === 'snapshotUri' ? new ValidationError('body.dataUri', error.message) : error);
  if (!deps.snapshots.streamSource) {
    const { records } = await deps.snapshots.readSource(uri, view, 'body.dataUri');
    return (async function* () {
      for (let start = 0; start < records.length; start += batchRows) yield records.slice(start, start + batchRows);
    })();
  }
  try {
    const stream = await deps.snapshots.streamSource(uri, view, batchRows);
    return (async function* () {
      try {
        yield* stream.batches();
      } catch (error) {
        throw renamed(error);
      }
    })();
  } catch (error) {
    throw renamed(error);
  }
}

/** Plan: nothing to claim (a set writes no online row); the chunks were cut by validation. */
export async function planTrainingSet(deps: JobDeps, job: Job): Promise<{ manifest: string; chunks: number }> {
  if (job.manifest === undefined) throw new InvalidStateError(`job ${job.id} has no chunks: it was not validated`);
  await advance(deps, job.id, { phase: 'materializing', materializingSince: deps.clock.now().toISOString() });
  return { manifest: job.manifest, chunks: job.chunksTotal };
}

/** One chunk: its rows replayed against the history, written as one part. */
export async function answerChunk(deps: JobDeps, job: Job, chunk: ChunkRef): Promise<number> {
  const rows = (await deps.jobFiles.getChunk(chunk)).map((r) => ({ entity: r.entity, at: String(r.values.at) }));
  await deps.jobs.startChunk(job.id, chunk.index, deps.clock.now().toISOString());
  const served = await servedRows(deps, job.view, rows, () => 'body.dataUri');
  await deps.jobFiles.putPart(job.id, chunk.index, { rows: served.rows, versions: served.versions.map((v) => v.version) } satisfies Part);
  return rows.length;
}

/** Finalize: the parts, in order, as the row groups of one Parquet file, stored where a synchronous set is. */
export async function finalizeTrainingSet(deps: JobDeps, id: string): Promise<JobView> {
  const job = await runnable(deps, id, 'finalizing');
  const done = await deps.jobs.completedChunks(id);
  if (done.length < job.chunksTotal) throw new InvalidStateError(`job ${id} has ${done.length} of ${job.chunksTotal} chunks answered: it cannot be finalized yet`);
  const request = await deps.jobFiles.getRequest<TrainingSetRequest>(job.request!);
  const indexes = Array.from({ length: job.chunksTotal }, (_, i) => i);

  // First pass: which versions served a row (the columns are every feature of each).
  const numbers = new Set<number>();
  for (const i of indexes) for (const v of (await deps.jobFiles.getPart<Part>(id, i)).versions) numbers.add(v);
  const records = await Promise.all([...numbers].map((v) => deps.catalog.getVersion(job.view, v)));
  const features = featureColumns(records.map((r, i) => {
    if (!r) throw new InvalidStateError(`version ${[...numbers][i]} of '${job.view}' has no record`);
    return r;
  }));
  const columns = trainingSetColumns(features);
  const metadata = { 'rewind.view': job.view, 'rewind.input': request.rows ? 'inline' : request.dataUri!, 'rewind.createdAt': job.startedAt };

  // Second pass: each part one row group.
  const summary = new SummaryBuilder();
  const collected: FeatureValue[][] = [];
  const writer = deps.snapshots.openTrainingSet ? await deps.snapshots.openTrainingSet(job.view, columns, metadata) : undefined;
  for (const i of indexes) {
    const part = await deps.jobFiles.getPart<Part>(id, i);
    part.rows.forEach((r) => summary.add(r));
    const rows = part.rows.map((r) => trainingSetRow(features, r));
    if (writer) await writer.append(rows);
    else collected.push(...rows);
  }
  const stored = writer ? await writer.finish() : await deps.snapshots.putTrainingSet(job.view, { columns, rows: collected, metadata });
  const result = { status: 'stored', trainingSet: { id: stored.id, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes, summary: summary.result() } };
  const at = deps.clock.now().toISOString();
  await deps.jobs.update(id, { status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
  return jobView({ ...job, status: 'succeeded', phase: 'done', result, updatedAt: at, endedAt: at });
}

/** Fail or cancel: nothing was stored (finalize stores the set last); the job ends. */
export async function endTrainingSet(deps: JobDeps, job: Job, error: JobError): Promise<JobView> {
  const cancelled = job.status === 'cancelling';
  const at = deps.clock.now().toISOString();
  const end: Partial<Job> = { status: cancelled ? 'cancelled' : 'failed', phase: 'done', updatedAt: at, endedAt: at, ...(cancelled ? {} : { error }) };
  await deps.jobs.update(job.id, end);
  return jobView({ ...job, ...end });
}
