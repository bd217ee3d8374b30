/**
 * `rewind training-set <view> --data entities.csv [--out set.parquet]`: the file is uploaded
 * (POST /uploads, then a PUT to the presigned URL), the set is built from it by
 * `POST /views/{view}/training-sets`, and, with --out, the Parquet file is downloaded from the
 * URL the answer carries. The file always goes through S3, whatever its size: the server reads
 * CSV and Parquet from S3 alone, and one path is one set of refusals. A file over the server's
 * REWIND_TRAINING_SET_MAX_ROWS (or --async) is built by a job, followed to its end with the
 * deploy's progress bar; then the same lines are printed as for a synchronous set.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CreatedTrainingSet } from '../core/create-training-set';
import type { JobView } from '../core/jobs';
import type { TrainingSetSummary } from '../core/training-sets';
import type { RewindClient } from './client';
import { describeJob, followJob, type FollowOptions, type Output } from './commands';
import { UsageError } from './errors';
import { bytes, table } from './format';
import { uploadFile, type UploadProgress } from './upload';

export interface TrainingSetOptions {
  data: string;
  out?: string;
  entityColumn?: string;
  timestampColumn?: string;
  progress?: UploadProgress;
  /** Build it as a job (202) whatever its size; a file over the server's REWIND_TRAINING_SET_MAX_ROWS is one anyway. */
  async?: boolean;
}

const JOB_ENDED = ['succeeded', 'failed', 'cancelled'];

export async function trainingSet(client: RewindClient, view: string, options: TrainingSetOptions & FollowOptions): Promise<Output> {
  if (!/\.(csv|parquet)$/i.test(options.data)) throw new UsageError(`${basename(options.data)}: --data must be a .csv or .parquet file of (entity, timestamp) rows`);
  const ticket = await client.createUpload(basename(options.data));
  await uploadFile(ticket.uploadUrl, options.data, options.progress ? { progress: options.progress } : {});
  const answer = await client.trainingSet(view, {
    dataUri: ticket.snapshotUri,
    ...(options.entityColumn ? { entityColumn: options.entityColumn } : {}),
    ...(options.timestampColumn ? { timestampColumn: options.timestampColumn } : {}),
    ...(options.async ? { async: true } : {}),
  });
  let created: CreatedTrainingSet;
  if ('job' in answer) {
    // 202: a large set is built by a job, followed with the deploy's progress bar (Ctrl-C stops following, never the job).
    const { job } = answer;
    if (options.noWait) return { data: answer, text: `building a training set of ${view} as job ${job.id} (follow it: rewind jobs show ${job.id})` };
    const ended = await followJob(client, job.id, options);
    if (!JOB_ENDED.includes(ended.status))
      return { data: ended, text: `stopped following job ${job.id} (${ended.status}, ${ended.rows.written} rows answered): it goes on. Follow it: rewind jobs show ${job.id}; stop it: rewind jobs cancel ${job.id}`, exitCode: 130 };
    if (ended.status !== 'succeeded') return { data: ended, text: describeJob(ended), exitCode: 1 };
    created = await fromJob(client, view, ended);
  } else created = answer;
  // The same answer and the same text as a synchronous set.
  const lines = [describeTrainingSet(created)];
  if (options.out) {
    const response = await fetch(created.downloadUrl);
    if (!response.ok) throw new UsageError(`the download of training set ${created.id} was refused (${response.status})`);
    await writeFile(options.out, new Uint8Array(await response.arrayBuffer()));
    lines.push(`written to ${options.out}`);
  }
  return { data: created, text: lines.join('\n') };
}

/** A job's stored set in the shape a synchronous answer has (a fresh download URL from GET /views/{view}/training-sets/{id}). */
async function fromJob(client: RewindClient, view: string, job: JobView): Promise<CreatedTrainingSet> {
  const set = job.result!.trainingSet as { id: string; uri: string; sha256: string; bytes: number; summary: TrainingSetSummary };
  const download = await client.trainingSetDownload(view, set.id);
  return { view, id: set.id, uri: set.uri, sha256: set.sha256, bytes: set.bytes, downloadUrl: download.downloadUrl, expiresInSeconds: download.expiresInSeconds, summary: set.summary };
}

export function describeTrainingSet(created: CreatedTrainingSet): string {
  const s = created.summary;
  const head = `${created.view}: training set ${created.id.slice(0, 12)}… · ${s.rows} rows from ${s.from} to ${s.to} · ${bytes(created.bytes)}`;
  const by = table(
    ['VERSION', 'ARM', 'ROWS'],
    s.servedBy.map((b) => [`v${b.version}`, b.arm ?? '-', String(b.rows)]),
  );
  const tail = [`  ${s.online} read from the online store, ${s.snapshot} from snapshots; ${s.notServed} before anything was served (null features)`, `  ${created.uri}`];
  return [head, by, ...tail].join('\n');
}
