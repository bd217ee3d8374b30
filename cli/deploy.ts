/**
 * `rewind deploy`: a view file plus, optionally, a data file, sent the way its size calls
 * for. Small data goes inline as JSON rows (one request, errors name the line); larger data
 * is uploaded as it is through `POST /uploads` and deployed by its `snapshotUri`, so neither
 * the CLI nor the API request has to hold it as JSON.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { RewindApiError, type DeployBody, type DeployPlan, type DeployResult, type RewindClient } from './client';
import { dataFormatOf, readDataFile, type DataFile } from './data-file';
import { UsageError } from './errors';
import { uploadFile, type UploadProgress } from './upload';
import { loadViewFile } from './view-file';
import type { JobStarted } from '../core/jobs';

/**
 * Data files up to this size go inline. Around 1 MB the JSON body is still far from API
 * Gateway's 10 MB payload limit (JSON rows are 1.5–3× a CSV's size), and one request is
 * quicker than upload + deploy.
 */
export const DEFAULT_INLINE_LIMIT_BYTES = 1_000_000;

export interface DeployFromFilesOptions {
  viewFile: string;
  /** CSV, JSON lines or Parquet; without it the view file must carry `rows` or `snapshotUri`. */
  data?: string;
  /** Overrides the view file's `view:` and its file name. */
  view?: string;
  activate?: boolean;
  reason?: string;
  /** Run as a job (202) whatever the size. */
  async?: boolean;
  /** Data files larger than this are uploaded instead of sent inline. @default 1000000 */
  inlineLimitBytes?: number;
  progress?: UploadProgress;
}

export type DeliveredAs =
  | { kind: 'inline'; file: string; rows: number; bytes: number }
  | { kind: 'upload'; file: string; bytes: number; ms: number; snapshotUri: string }
  | { kind: 'view-file' };

export interface DeployedFromFiles {
  view: string;
  result: DeployResult & Partial<JobStarted>;
  data: DeliveredAs;
}

export interface PlannedFromFiles {
  view: string;
  plan: DeployPlan;
  data: DeliveredAs;
}

/**
 * Deploy a version from a view file and a data file.
 *
 * @example await deployFromFiles(client, { viewFile: 'examples/user_profile.view.yaml', data: 'examples/user_profile.v1.csv' })
 */
export async function deployFromFiles(client: RewindClient, options: DeployFromFilesOptions): Promise<DeployedFromFiles> {
  const { view, value, data } = await deliver(options, (v, body) => client.deploy(v, body), client);
  return { view, result: value, data };
}

/**
 * Plan, then apply: the same request, judged against the baseline by `POST /views/{view}/plan`;
 * nothing is written (a large file is still uploaded, since the server has to read it).
 */
export async function planFromFiles(client: RewindClient, options: DeployFromFilesOptions): Promise<PlannedFromFiles> {
  const { view, value, data } = await deliver(options, (v, body) => client.plan(v, body), client);
  return { view, plan: value, data };
}

async function deliver<T>(
  options: DeployFromFilesOptions,
  send: (view: string, body: DeployBody) => Promise<T>,
  client: RewindClient,
): Promise<{ view: string; value: T; data: DeliveredAs }> {
  const { view, spec } = await loadViewFile(options.viewFile, options.view ? { view: options.view } : {});
  const base: DeployBody = {
    ...spec,
    ...(options.activate ? { activate: true } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.async ? { async: true } : {}),
  };
  if (!options.data) {
    if (!spec.rows && !spec.snapshotUri) throw new UsageError(`${basename(options.viewFile)} holds no rows or snapshotUri: pass --data <file>`);
    return { view, value: await send(view, base), data: { kind: 'view-file' } };
  }
  if (spec.rows || spec.snapshotUri) throw new UsageError(`${basename(options.viewFile)} already holds ${spec.rows ? 'rows' : 'a snapshotUri'}; drop it or drop --data`);

  dataFormatOf(options.data);
  const size = (await statOrThrow(options.data)).size;
  if (size <= (options.inlineLimitBytes ?? DEFAULT_INLINE_LIMIT_BYTES)) {
    const file = await readDataFile(options.data, spec.definition);
    try {
      const value = await send(view, { ...base, rows: file.records });
      return { view, value, data: { kind: 'inline', file: options.data, rows: file.records.length, bytes: size } };
    } catch (error) {
      throw locateInFile(error, file, 'rows');
    }
  }

  const ticket = await client.createUpload(uploadName(options.data));
  const uploaded = await uploadFile(ticket.uploadUrl, options.data, options.progress ? { progress: options.progress } : {});
  try {
    const value = await send(view, { ...base, snapshotUri: ticket.snapshotUri });
    return { view, value, data: { kind: 'upload', file: options.data, bytes: uploaded.bytes, ms: uploaded.ms, snapshotUri: ticket.snapshotUri } };
  } catch (error) {
    // The server read the uploaded file and names records by index; the file was not parsed here.
    throw locateInFile(error, { path: options.data, where: (i) => `record ${i + 1}` }, 'snapshotUri');
  }
}

/**
 * The server names a bad row by its index (`rows[12].age`); the person fixing it wants the
 * line of their file, so the error gains one.
 */
function locateInFile(error: unknown, file: Pick<DataFile, 'path' | 'where'>, field: 'rows' | 'snapshotUri'): unknown {
  if (!(error instanceof RewindApiError) || !error.field) return error;
  const m = new RegExp(`^(?:body\\.)?${field}(?:\\[(\\d+)\\]|\\.(\\d+))`).exec(error.field);
  if (!m) return error;
  const index = Number(m[1] ?? m[2]);
  return new RewindApiError(error.status, { ...error.body, message: `${error.message} (${basename(file.path)} ${file.where(index)})` }, error.request);
}

/**
 * The upload keeps the file's name, whose extension (checked by dataFormatOf) tells the
 * server the format; other characters are made safe for an S3 key.
 */
function uploadName(path: string): string {
  return basename(path).replace(/[^A-Za-z0-9._-]/g, '_');
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (cause) {
    throw new UsageError(`${path}: cannot read the data file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
}
