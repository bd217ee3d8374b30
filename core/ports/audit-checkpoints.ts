/**
 * The audit log's anchor outside its table, as CloudTrail's digest files anchor its logs:
 * signed checkpoints of every chain head, kept where the audit table's writers cannot rewrite
 * them (the snapshot bucket under Object Lock in AWS), and the keys that sign and verify them.
 * core/audit-checkpoint.ts decides what a checkpoint holds and what verifies.
 */

/** One chain's end, as a checkpoint records it. */
export interface CheckpointHead {
  chain: string;
  lastSeq: number;
  lastHash: string;
}

/** A checkpoint as signed: everything but the signature. */
export interface CheckpointBody {
  format: 'rewind-audit-checkpoint/1';
  /** 1, 2, 3, … with no gap. */
  seq: number;
  at: string;
  /** The previous checkpoint's hash (core/audit-checkpoint.ts checkpointHash); 64 zeros for the first. */
  prevHash: string;
  /** Every chain's end, by chain name. */
  heads: CheckpointHead[];
  /** The key that signed it: verified with that key's public key, whatever key signs today. */
  keyId: string;
  algorithm: 'ECDSA_SHA_256';
}

export interface AuditCheckpoint extends CheckpointBody {
  /** Base64 of the DER-encoded ECDSA signature over the canonical JSON of the body. */
  signature: string;
}

/** The checkpoints, in their own hash chain (each names the previous one's hash). */
export interface CheckpointLog {
  /** Every checkpoint stored, in seq order. */
  list(): Promise<AuditCheckpoint[]>;
  /** The newest checkpoint, or undefined before the first. */
  latest(): Promise<AuditCheckpoint | undefined>;
  /**
   * Stores a new checkpoint under its seq, never over an existing one (a conditional put where
   * the store supports it: two overlapping runs store one checkpoint per seq, and Object Lock
   * keeps every version anyway).
   */
  put(checkpoint: AuditCheckpoint): Promise<void>;
}

/** Signs checkpoints with the current key (KMS in AWS, a local key file locally). */
export interface CheckpointSigner {
  /** The id of the key `sign` uses now: each checkpoint names it, so rotation keeps old ones verifiable. */
  keyId(): Promise<string>;
  /** An ECDSA P-256 / SHA-256 signature over `payload`, DER-encoded. */
  sign(payload: Uint8Array): Promise<Uint8Array>;
}

/** The public keys checkpoints are verified with, by key id: the current one and every retired one still trusted. */
export interface CheckpointKeys {
  /** The key's SubjectPublicKeyInfo (DER), or undefined when `keyId` is not a trusted key. */
  publicKey(keyId: string): Promise<Uint8Array | undefined>;
}

/** What a history entry cites: its audit entry's id. */
export interface HistoryCitation {
  view: string;
  revision: number;
  auditId: string;
}

/** Every history entry's citation of its audit entry, across views. */
export interface HistoryCitations {
  citations(): AsyncIterable<HistoryCitation>;
}

/** What GET /audit/verify reads beyond the audit table. */
export interface AuditAnchor {
  checkpoints: CheckpointLog;
  keys: CheckpointKeys;
  citations: HistoryCitations;
}
