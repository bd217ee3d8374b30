/**
 * `rewind training-set <view> --data entities.csv [--out set.parquet]`: the file is uploaded
 * (POST /uploads, then a PUT to the presigned URL), the set is built from it by
 * `POST /views/{view}/training-sets`, and, with --out, the Parquet file is downloaded from the
 * URL the answer carries. The file always goes through S3, whatever its size: the server reads
 * CSV and Parquet from S3 alone, and one path is one set of refusals.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CreatedTrainingSet } from '../core/create-training-set';
import type { RewindClient } from './client';
import type { Output } from './commands';
import { UsageError } from './errors';
import { bytes, table } from './format';
import { uploadFile, type UploadProgress } from './upload';

export interface TrainingSetOptions {
  data: string;
  out?: string;
  entityColumn?: string;
  timestampColumn?: string;
  progress?: UploadProgress;
}

export async function trainingSet(client: RewindClient, view: string, options: TrainingSetOptions): Promise<Output> {
  if (!/\.(csv|parquet)$/i.test(options.data)) throw new UsageError(`${basename(options.data)}: --data must be a .csv or .parquet file of (entity, timestamp) rows`);
  const ticket = await client.createUpload(basename(options.data));
  await uploadFile(ticket.uploadUrl, options.data, options.progress ? { progress: options.progress } : {});
  const created = await client.trainingSet(view, {
    dataUri: ticket.snapshotUri,
    ...(options.entityColumn ? { entityColumn: options.entityColumn } : {}),
    ...(options.timestampColumn ? { timestampColumn: options.timestampColumn } : {}),
  });
  const lines = [describeTrainingSet(created)];
  if (options.out) {
    const response = await fetch(created.downloadUrl);
    if (!response.ok) throw new UsageError(`the download of training set ${created.id} was refused (${response.status})`);
    await writeFile(options.out, new Uint8Array(await response.arrayBuffer()));
    lines.push(`written to ${options.out}`);
  }
  return { data: created, text: lines.join('\n') };
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
