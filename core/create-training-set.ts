/**
 * `POST /views/{view}/training-sets`: the request's rows (inline, or a CSV or Parquet file in
 * S3) checked, replayed (core/training-sets.ts), and stored as one Parquet file. A set of up
 * to REWIND_TRAINING_SET_MAX_ROWS rows is answered inside the request (201); a larger file, or
 * `async: true`, is built by a job of kind `training-set` (core/jobs/training-set.ts: 202),
 * which checks every row exactly as here and stores the file where this does.
 */
import type { Deps } from './deps';
import { ValidationError, ViewNotFoundError } from './errors';
import { isIsoInstant, type TrainingSetRequest } from './requests';
import { servedRows, trainingSetTable, type EntityInstant, type TrainingSetSummary } from './training-sets';

export interface CreatedTrainingSet {
  view: string;
  /** The file's sha256: GET /views/{view}/training-sets/{id} hands out a download URL again. */
  id: string;
  uri: string;
  sha256: string;
  bytes: number;
  /** A short-lived URL to GET the Parquet file. */
  downloadUrl: string;
  expiresInSeconds: number;
  summary: TrainingSetSummary;
}

type TrainingSetDeps = Pick<Deps, 'pointers' | 'catalog' | 'clock' | 'online' | 'snapshots'>;

/** @example await createTrainingSet(deps, 'user_profile', { rows: [{ entity: 'u-1', at: '2026-11-30T02:14:00Z' }], timestampColumn: 'at' }, { maxRows: 100_000 }) */
export async function createTrainingSet(deps: TrainingSetDeps, view: string, request: TrainingSetRequest, limits: { maxRows: number }): Promise<CreatedTrainingSet> {
  const versions = await deps.catalog.listVersions(view);
  if (versions.length === 0) throw new ViewNotFoundError(view);
  const inline = request.rows !== undefined;
  const rows = inline ? request.rows! : await rowsOfFile(deps, view, request, versions.at(-1)!.definition.entity, limits.maxRows);
  const served = await servedRows(deps, view, rows);
  const { table, summary } = trainingSetTable(view, served, {
    'rewind.input': inline ? 'inline' : request.dataUri!,
    'rewind.createdAt': deps.clock.now().toISOString(),
  });
  const stored = await deps.snapshots.putTrainingSet(view, table);
  const download = await deps.snapshots.trainingSetDownload(view, stored.id);
  return { view, id: stored.id, uri: stored.uri, sha256: stored.sha256, bytes: stored.bytes, downloadUrl: download!.downloadUrl, expiresInSeconds: download!.expiresInSeconds, summary };
}

/** A file row as a person finds it: its 1-based number (a CSV's line is one more, for the header). */
const rowLabel = (index: number) => `row ${index + 1}`;

/** The (entity, instant) rows of the request's file, every column and value checked, at most `maxRows`. */
async function rowsOfFile(deps: TrainingSetDeps, view: string, request: TrainingSetRequest, viewEntity: string, maxRows: number): Promise<EntityInstant[]> {
  const uri = request.dataUri!;
  // Counted from the footer or the lines before anything is decoded: an oversized file costs one read.
  const counted = await deps.snapshots.countSourceRows?.(uri, view);
  if (counted !== undefined && counted > maxRows) throw tooMany(counted, maxRows);
  const { records } = await deps.snapshots.readSource(uri, view, 'body.dataUri');
  if (records.length > maxRows) throw tooMany(records.length, maxRows);
  if (records.length === 0) throw new ValidationError('body.dataUri', 'holds no rows');
  const check = fileRowChecker(request, viewEntity, Object.keys(records[0]!), deps.clock.now().getTime());
  return records.map((record, i) => check(record, i));
}

/**
 * The check of one file row, the same for a synchronous set and a job's streamed one
 * (core/jobs/training-set.ts): the columns named by the request must be the file's (checked
 * once, on the first row's columns), then each row's entity and instant, with its row number.
 */
export function fileRowChecker(request: Pick<TrainingSetRequest, 'entityColumn' | 'timestampColumn'>, viewEntity: string, columns: readonly string[], now: number): (record: Record<string, unknown>, index: number) => EntityInstant {
  const entityColumn = request.entityColumn ?? viewEntity;
  const named = (field: string, column: string) => {
    if (!columns.includes(column)) throw new ValidationError(field, `column '${column}' is not in the file (its columns: ${columns.join(', ')})`);
  };
  named('body.entityColumn', entityColumn);
  named('body.timestampColumn', request.timestampColumn);
  return (record, i) => {
    const entity = record[entityColumn];
    const at = instantOf(record[request.timestampColumn]);
    if (entity === null || entity === undefined || String(entity) === '') throw new ValidationError('body.dataUri', `${rowLabel(i)}: column '${entityColumn}' is empty`);
    if (at === undefined) throw new ValidationError('body.dataUri', `${rowLabel(i)}: column '${request.timestampColumn}' (${String(record[request.timestampColumn])}) must be an ISO 8601 instant with a time zone, e.g. 2026-11-30T02:14:00Z`);
    if (Date.parse(at) > now) throw new ValidationError('body.dataUri', `${rowLabel(i)}: ${at} is in the future: the past only`);
    return { entity: typeof entity === 'bigint' ? entity.toString() : String(entity), at };
  };
}

/** A file's instant: ISO 8601 text with a time zone, or a Parquet timestamp (decoded as a Date). */
function instantOf(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'string' && isIsoInstant(value)) return value;
  return undefined;
}

function tooMany(rows: number, maxRows: number): ValidationError {
  return new ValidationError('body.dataUri', `holds ${rows} rows; a synchronous training set has at most ${maxRows} (REWIND_TRAINING_SET_MAX_ROWS): send it with async: true (a job)`);
}
