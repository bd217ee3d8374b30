/**
 * Checkpoint keys in KMS: an asymmetric ECC_NIST_P256 key created by the stack signs
 * (ECDSA_SHA_256 over the payload's SHA-256 digest, so a checkpoint of many chains is never
 * over KMS's 4 KB message limit); verification uses the key's public half (GetPublicKey), kept
 * by key id for the container's life. The private key never leaves KMS; only the checkpoint
 * function may call Sign.
 *
 * Rotation: KMS does not rotate asymmetric keys, so a new key replaces the old one as
 * REWIND_AUDIT_SIGNING_KEY and the old one moves to REWIND_AUDIT_TRUSTED_KEYS (docs/audit.md).
 * A key id outside those two is not trusted, whatever key in the account signed with it.
 */
import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { CheckpointKeys, CheckpointSigner } from '../core/ports/audit-checkpoints';

export class KmsCheckpointKeys implements CheckpointKeys {
  private readonly cache = new Map<string, Promise<Uint8Array>>();
  constructor(
    private readonly kms: KMSClient,
    /** The current key first, then the retired ones still trusted. */
    private readonly trusted: readonly string[],
  ) {}

  publicKey(keyId: string): Promise<Uint8Array | undefined> {
    if (!this.trusted.includes(keyId)) return Promise.resolve(undefined);
    let key = this.cache.get(keyId);
    if (!key) {
      key = this.kms.send(new GetPublicKeyCommand({ KeyId: keyId })).then((out) => out.PublicKey!);
      // A failed read is not remembered: the next verify asks again.
      key.catch(() => this.cache.delete(keyId));
      this.cache.set(keyId, key);
    }
    return key;
  }
}

export class KmsCheckpointSigner implements CheckpointSigner {
  constructor(
    private readonly kms: KMSClient,
    private readonly key: string,
  ) {}

  async keyId(): Promise<string> {
    return this.key;
  }

  async sign(payload: Uint8Array): Promise<Uint8Array> {
    const digest = createHash('sha256').update(payload).digest();
    const out = await this.kms.send(new SignCommand({ KeyId: this.key, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }));
    return out.Signature!;
  }
}
