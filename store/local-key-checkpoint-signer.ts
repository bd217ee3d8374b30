/**
 * Checkpoint keys as files, for the local runtime (no KMS there): EC P-256 keys under one
 * directory (REWIND_AUDIT_KEY_DIR, `<REWIND_DATA_DIR>/audit-keys` for `npm start`), made at
 * first use. `<kid>.pem` is a private key (mode 0600), `<kid>.pub.pem` its public key, and
 * `current` names the kid that signs. Rotating writes a new key and moves `current`; the old
 * public key stays, so old checkpoints keep verifying (a kid with no file here is not trusted).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointKeys, CheckpointSigner } from '../core/ports/audit-checkpoints';

const KID = /^local-[0-9a-f]{16}$/;

export class LocalKeyCheckpointSigner implements CheckpointSigner, CheckpointKeys {
  private current?: { kid: string; key: KeyObject };
  constructor(private readonly dir: string) {}

  async keyId(): Promise<string> {
    return this.signingKey().kid;
  }

  async sign(payload: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', payload, { key: this.signingKey().key, dsaEncoding: 'der' });
  }

  async publicKey(keyId: string): Promise<Uint8Array | undefined> {
    // The kid is a file name here: anything else is not one of ours.
    if (!KID.test(keyId)) return undefined;
    const file = join(this.dir, `${keyId}.pub.pem`);
    if (!existsSync(file)) return undefined;
    return createPublicKey(readFileSync(file, 'utf8')).export({ type: 'spki', format: 'der' });
  }

  /** A new signing key; the previous one keeps verifying. Returns the new kid. */
  rotate(): string {
    mkdirSync(this.dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = `local-${createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16)}`;
    writeFileSync(join(this.dir, `${kid}.pem`), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(this.dir, `${kid}.pub.pem`), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'current'), `${kid}\n`);
    this.current = { kid, key: privateKey };
    return kid;
  }

  private signingKey(): { kid: string; key: KeyObject } {
    if (this.current) return this.current;
    const pointer = join(this.dir, 'current');
    if (!existsSync(pointer)) {
      this.rotate(); // first start: make the key
      return this.current!;
    }
    const kid = readFileSync(pointer, 'utf8').trim();
    if (!KID.test(kid)) throw new Error(`${pointer} names '${kid}', not a checkpoint key id`);
    this.current = { kid, key: createPrivateKey(readFileSync(join(this.dir, `${kid}.pem`), 'utf8')) };
    return this.current;
  }
}
