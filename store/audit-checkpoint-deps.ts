/**
 * The checkpoint adapters from configuration: KMS when REWIND_AUDIT_SIGNING_KEY is set (the
 * stack), else the key files in REWIND_AUDIT_KEY_DIR (the local runtime). Neither set: the
 * function was deployed without a checkpoint key, which is a configuration error, named.
 */
import { ENV, MissingConfigError, config } from '../contract/config';
import type { AuditAnchor, CheckpointKeys, CheckpointLog, CheckpointSigner } from '../core/ports/audit-checkpoints';
import { kmsClient, s3Client, documentClient } from './clients';
import { tableNameFromEnv } from './config';
import { DynamoHistoryCitations } from './dynamo-checkpoint-citations';
import { KmsCheckpointKeys, KmsCheckpointSigner } from './kms-checkpoint-signer';
import { LocalKeyCheckpointSigner } from './local-key-checkpoint-signer';
import { S3CheckpointLog } from './s3-audit-checkpoints';

export interface CheckpointAdapters {
  checkpoints: CheckpointLog;
  signer: CheckpointSigner;
  keys: CheckpointKeys;
}

let adapters: CheckpointAdapters | undefined;
let local: { dir: string; signer: LocalKeyCheckpointSigner } | undefined;

/** The container's checkpoint store, signer and keys, built on first use. */
export function checkpointAdapters(): CheckpointAdapters {
  if (adapters) return adapters;
  const checkpoints = new S3CheckpointLog(s3Client(), config.snapshotBucket());
  const kmsKey = config.auditSigningKey();
  if (kmsKey) {
    const kms = kmsClient();
    return (adapters = { checkpoints, signer: new KmsCheckpointSigner(kms, kmsKey), keys: new KmsCheckpointKeys(kms, [kmsKey, ...config.auditTrustedKeys()]) });
  }
  const dir = config.auditKeyDir();
  if (!dir) throw new MissingConfigError(`${ENV.auditSigningKey} (or ${ENV.auditKeyDir} locally)`);
  // The local runtime may restart with another directory in one process (tests): one signer per directory.
  if (local?.dir !== dir) local = { dir, signer: new LocalKeyCheckpointSigner(dir) };
  return { checkpoints, signer: local.signer, keys: local.signer };
}

/** What GET /audit/verify reads beyond the audit table. */
export function auditAnchor(): AuditAnchor {
  const { checkpoints, keys } = checkpointAdapters();
  return { checkpoints, keys, citations: new DynamoHistoryCitations(documentClient(), tableNameFromEnv('history')) };
}
