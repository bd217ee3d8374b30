/**
 * The CheckpointLog port over the snapshot bucket: one JSON object per checkpoint under
 * `checkpoints/<seq, 12 digits>.json`, so listing the prefix returns them in seq order. In AWS
 * the bucket has Object Lock (infra/constructs/storage.ts): a checkpoint version cannot be
 * deleted or overwritten before its retention ends, even by a role that may write the bucket.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidStateError } from '../core/errors';
import type { AuditCheckpoint, CheckpointLog } from '../core/ports/audit-checkpoints';
import { errorName } from './aws-errors';

/** Key prefix of the checkpoints in the snapshot bucket (infra/access.ts grants it by this name). */
export const CHECKPOINTS_PREFIX = 'checkpoints/';

export function checkpointKey(seq: number): string {
  return `${CHECKPOINTS_PREFIX}${String(seq).padStart(12, '0')}.json`;
}

export class S3CheckpointLog implements CheckpointLog {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async list(): Promise<AuditCheckpoint[]> {
    const keys = await this.keys();
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async latest(): Promise<AuditCheckpoint | undefined> {
    const key = (await this.keys()).at(-1);
    return key ? this.get(key) : undefined;
  }

  async put(checkpoint: AuditCheckpoint): Promise<void> {
    const body = Buffer.from(JSON.stringify(checkpoint), 'utf8');
    const put = this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: checkpointKey(checkpoint.seq),
        Body: body,
        ContentType: 'application/json',
        // Object Lock requires an integrity header on every put; S3 also checks the bytes with it.
        ContentMD5: createHash('md5').update(body).digest('base64'),
        // Never over an existing checkpoint: two overlapping runs store one per seq (S3 answers
        // 412 to the second; s3rver ignores the condition, Object Lock keeps versions in AWS).
        IfNoneMatch: '*',
      }),
    );
    await put.catch((error: unknown) => {
      // Another run stored this seq first: a 409, and the next run checkpoints after it.
      if (errorName(error) === 'PreconditionFailed' || errorName(error) === 'ConditionalRequestConflict')
        throw new InvalidStateError(`checkpoint ${checkpoint.seq} was stored by another run meanwhile; take the next one`);
      throw error;
    });
  }

  private async keys(): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: CHECKPOINTS_PREFIX, ContinuationToken }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter((k) => /^checkpoints\/\d{12}\.json$/.test(k)));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys.sort();
  }

  private async get(key: string): Promise<AuditCheckpoint> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString('utf8')) as AuditCheckpoint;
  }
}
