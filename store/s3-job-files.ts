/**
 * A deploy job's files in the snapshot bucket, under `jobs/<job id>/`: the request as sent
 * (`request.json`, content-checked like any document), one JSON file of rows per chunk
 * (`chunks/<index>.json`), what a chunk step made of it when it makes something (`parts/<index>.json`:
 * a training set's answered rows), and the manifest listing the chunks (`manifest.json`: a JSON array, the
 * shape Step Functions' Distributed Map reads with its S3 ItemReader), and a validation's
 * checkpoint when it runs in segments (`checkpoint/<name>`). Every key is a function
 * of the job and the chunk index, so a step that runs twice writes the same objects.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SnapshotIntegrityError } from '../core/errors';
import type { ArtifactRef } from '../core/model';
import type { ChunkRef, JobFiles } from '../core/ports/jobs';
import type { FeatureRow } from '../core/rows';
import { errorName } from './aws-errors';
import { parseS3Uri } from './s3-snapshots';

export const JOBS_DIR = 'jobs';

export class S3JobFiles implements JobFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async putRequest(job: string, request: unknown): Promise<ArtifactRef> {
    const body = Buffer.from(JSON.stringify(request), 'utf8');
    const uri = await this.put(`${JOBS_DIR}/${job}/request.json`, body);
    return { uri, sha256: sha256(body), bytes: body.byteLength };
  }

  async getRequest<T>(ref: ArtifactRef): Promise<T> {
    const bytes = await this.get(ref.uri);
    const actual = sha256(bytes);
    if (actual !== ref.sha256) throw new SnapshotIntegrityError(ref.uri, ref.sha256, actual);
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  }

  async putChunk(job: string, index: number, rows: readonly FeatureRow[]): Promise<ChunkRef> {
    const uri = await this.put(`${JOBS_DIR}/${job}/chunks/${String(index).padStart(8, '0')}.json`, Buffer.from(JSON.stringify(rows), 'utf8'));
    return { job, index, uri, rows: rows.length };
  }

  async getChunk(ref: ChunkRef): Promise<FeatureRow[]> {
    return JSON.parse(Buffer.from(await this.get(ref.uri)).toString('utf8')) as FeatureRow[];
  }

  async putManifest(job: string, chunks: readonly ChunkRef[]): Promise<string> {
    return this.put(`${JOBS_DIR}/${job}/manifest.json`, Buffer.from(JSON.stringify(chunks), 'utf8'));
  }

  async getManifest(uri: string): Promise<ChunkRef[]> {
    return JSON.parse(Buffer.from(await this.get(uri)).toString('utf8')) as ChunkRef[];
  }

  async putPart(job: string, index: number, part: unknown): Promise<string> {
    return this.put(partKey(job, index), Buffer.from(JSON.stringify(part), 'utf8'));
  }

  async getPart<T>(job: string, index: number): Promise<T> {
    return JSON.parse(Buffer.from(await this.get(`s3://${this.bucket}/${partKey(job, index)}`)).toString('utf8')) as T;
  }

  async putCheckpoint(job: string, name: string, body: Uint8Array): Promise<void> {
    await this.put(checkpointKey(job, name), body, 'application/octet-stream');
  }

  async getCheckpoint(job: string, name: string): Promise<Uint8Array | undefined> {
    try {
      return await this.get(`s3://${this.bucket}/${checkpointKey(job, name)}`);
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound') return undefined;
      throw error;
    }
  }

  async deleteCheckpoint(job: string, name: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkpointKey(job, name) }));
  }

  private async put(key: string, body: Uint8Array, contentType = 'application/json'): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    return `s3://${this.bucket}/${key}`;
  }

  private async get(uri: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(uri, 'job');
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body!.transformToByteArray();
  }
}

const checkpointKey = (job: string, name: string) => `${JOBS_DIR}/${job}/checkpoint/${name}`;
const partKey = (job: string, index: number) => `${JOBS_DIR}/${job}/parts/${String(index).padStart(8, '0')}.json`;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
