/**
 * Signed checkpoints against the in-memory audit log, with the real local-key signer on a
 * temporary directory: signing and verifying, rotation (old checkpoints verify with the old
 * public key), and what a writer of the audit table can no longer hide. The same through HTTP,
 * DynamoDB Local and s3rver: test/integration/audit-anchor.local.test.ts.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { nextAuditEntry } from '../../core/audit-chain';
import { checkpointHash, signatureVerifies, signCheckpoint, takeCheckpoint } from '../../core/audit-checkpoint';
import { verifyAudit } from '../../core/audit-checkpoint-verify';
import type { AuditDraft } from '../../core/model';
import type { AuditAnchor, AuditCheckpoint, CheckpointSigner } from '../../core/ports/audit-checkpoints';
import { LocalKeyCheckpointSigner } from '../../store/local-key-checkpoint-signer';
import { memoryDeps } from '../support/memory';
import { MemoryCheckpointLog, memoryCitations } from '../support/memory-checkpoints';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rewind-checkpoint-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const draft = (i: number, view = 'v'): AuditDraft => ({ actor: `a${i}`, action: 'rollback', outcome: 'denied', view, reason: `try ${i}` });

async function setup(views: Record<string, number> = { v: 3, w: 2 }) {
  const deps = memoryDeps();
  for (const [view, n] of Object.entries(views)) for (let i = 0; i < n; i++) await deps.audit.appendAudit(draft(i, view));
  const checkpoints = new MemoryCheckpointLog();
  const signer = new LocalKeyCheckpointSigner(dir);
  const anchor: AuditAnchor = { checkpoints, keys: signer, citations: memoryCitations(deps.pointers) };
  const take = () => takeCheckpoint(deps, { checkpoints, signer });
  const verify = () => verifyAudit(deps, anchor);
  return { deps, checkpoints, signer, anchor, take, verify };
}

describe('signing', () => {
  it('signs a checkpoint the local key verifies, and nothing else', async () => {
    const signer = new LocalKeyCheckpointSigner(dir);
    const checkpoint = await signCheckpoint(signer, undefined, [{ chain: 'view:v', lastSeq: 3, lastHash: 'a'.repeat(64) }], '2026-12-01T00:00:00Z');
    expect(checkpoint).toMatchObject({ seq: 1, prevHash: '0'.repeat(64), keyId: expect.stringMatching(/^local-[0-9a-f]{16}$/), algorithm: 'ECDSA_SHA_256' });
    const key = (await signer.publicKey(checkpoint.keyId))!;
    expect(signatureVerifies(checkpoint, key)).toBe(true);
    expect(signatureVerifies({ ...checkpoint, heads: [{ chain: 'view:v', lastSeq: 2, lastHash: 'a'.repeat(64) }] }, key)).toBe(false);
    expect(signatureVerifies({ ...checkpoint, signature: Buffer.from('nonsense').toString('base64') }, key)).toBe(false);

    // Another P-256 key (one an attacker holds) does not verify it either.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(signatureVerifies(checkpoint, other.publicKey.export({ type: 'spki', format: 'der' }))).toBe(false);
  });

  it('verifies any checkpoint body it signed, and rejects any one-field change (property)', async () => {
    const signer = new LocalKeyCheckpointSigner(dir);
    const key = (await signer.publicKey(await signer.keyId()))!;
    const head = fc.record({ chain: fc.string({ minLength: 1 }), lastSeq: fc.nat(), lastHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')) });
    await fc.assert(
      fc.asyncProperty(fc.array(head, { maxLength: 5 }), fc.nat(), async (heads, bump) => {
        const checkpoint = await signCheckpoint(signer, undefined, heads, '2026-12-01T00:00:00Z');
        expect(signatureVerifies(checkpoint, key)).toBe(true);
        expect(signatureVerifies({ ...checkpoint, seq: checkpoint.seq + 1 + bump }, key)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps its key across restarts: the same key id, and checkpoints signed before still verify', async () => {
    const first = new LocalKeyCheckpointSigner(dir);
    const checkpoint = await signCheckpoint(first, undefined, [], '2026-12-01T00:00:00Z');
    const again = new LocalKeyCheckpointSigner(dir);
    expect(await again.keyId()).toBe(checkpoint.keyId);
    expect(signatureVerifies(checkpoint, (await again.publicKey(checkpoint.keyId))!)).toBe(true);
  });

  it('trusts no key id outside its directory (not even a path)', async () => {
    const signer = new LocalKeyCheckpointSigner(dir);
    await signer.keyId();
    expect(await signer.publicKey('local-0123456789abcdef')).toBeUndefined();
    expect(await signer.publicKey('../../etc/passwd')).toBeUndefined();
  });
});

describe('rotation', () => {
  it('signs with the new key and still verifies every checkpoint signed with the old one', async () => {
    const { take, verify, signer } = await setup();
    const old = await take();
    const newKid = signer.rotate();
    expect(newKid).not.toBe(old.keyId);
    const next = await take();
    expect(next).toMatchObject({ seq: 2, keyId: newKid, prevHash: checkpointHash(old) });
    expect(await verify()).toMatchObject({ ok: true, problems: [], checkpoints: { count: 2, latest: { seq: 2, keyId: newKid } } });

    // A new signer on the same directory (a restart) verifies both.
    const restarted = new LocalKeyCheckpointSigner(dir);
    expect(await restarted.keyId()).toBe(newKid);
    expect(signatureVerifies(old, (await restarted.publicKey(old.keyId))!)).toBe(true);
  });
});

describe('GET /audit/verify against the checkpoints', () => {
  it('is ok on a whole log, and says which checkpoint it checked', async () => {
    const { take, verify, checkpoints } = await setup();
    const checkpoint = await take();
    expect(checkpoint.heads).toEqual([
      { chain: 'view:v', lastSeq: 3, lastHash: expect.any(String) },
      { chain: 'view:w', lastSeq: 2, lastHash: expect.any(String) },
    ]);
    expect(checkpoints.stored).toHaveLength(1);
    expect(await verify()).toEqual({ ok: true, entries: 5, chains: 2, problems: [], unanchored: [], checkpoints: { count: 1, latest: { seq: 1, at: checkpoint.at, keyId: checkpoint.keyId } } });
  });

  it('keeps verifying as chains grow past a checkpoint', async () => {
    const { deps, take, verify } = await setup();
    await take();
    for (let i = 0; i < 4; i++) await deps.audit.appendAudit(draft(10 + i));
    await deps.audit.appendAudit(draft(0, 'new-view'));
    expect(await verify()).toMatchObject({ ok: true, problems: [] });
  });

  it('detects an entry rewritten together with its head (invisible to the head alone)', async () => {
    const { deps, take, verify } = await setup();
    await take();
    const entries = deps.audit.chains.get('view:v')!;
    // Re-hash entry 2 and 3 with mallory as actor, and move the head: the table agrees with itself.
    entries[1] = nextAuditEntry(entries[0], { ...draft(1), actor: 'mallory' }, entries[1]!.at, { anchored: true });
    entries[2] = nextAuditEntry(entries[1], draft(2), entries[2]!.at, { anchored: true });
    deps.audit.heads.set('view:v', { chain: 'view:v', seq: 3, hash: entries[2]!.hash, at: entries[2]!.at });
    expect(await verifyAudit(deps)).toMatchObject({ ok: true }); // what the table alone says

    expect((await verify()).problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'rewritten', id: 'view:v/3', checkpoint: 1 })]);
  });

  it('detects a whole chain deleted with its head', async () => {
    const { deps, take, verify } = await setup();
    await take();
    deps.audit.chains.delete('view:w');
    deps.audit.heads.delete('view:w');
    expect(await verifyAudit(deps)).toMatchObject({ ok: true });

    const verdict = await verify();
    expect(verdict).toMatchObject({ ok: false, chains: 1 });
    expect(verdict.problems).toEqual([expect.objectContaining({ chain: 'view:w', reason: 'chain-deleted', id: 'view:w/2', lastSeq: 0 })]);
  });

  it('detects the newest entries deleted with the head moved back', async () => {
    const { deps, take, verify } = await setup();
    await take();
    const entries = deps.audit.chains.get('view:v')!;
    entries.pop();
    deps.audit.heads.set('view:v', { chain: 'view:v', seq: 2, hash: entries[1]!.hash, at: entries[1]!.at });
    expect((await verify()).problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'rewound', id: 'view:v/3', lastSeq: 2, headSeq: 2 })]);
  });

  it('detects a history entry whose audit entry does not exist', async () => {
    const { deps, verify } = await setup();
    const cited = deps.audit.chains.get('view:v')![0]!;
    deps.pointers.historyEntries.push(
      { view: 'v', revision: 1, action: 'activate', actor: 'a', at: cited.at, fromVersion: null, toVersion: 1, before: null, after: { view: 'v', stable: 1, revision: 1 } as never, auditId: cited.id },
      { view: 'v', revision: 2, action: 'rollback', actor: 'a', at: cited.at, fromVersion: 1, toVersion: 1, before: null, after: { view: 'v', stable: 1, revision: 2 } as never, auditId: 'view:v/99' },
    );
    expect((await verify()).problems).toEqual([{ chain: 'view:v', reason: 'history-unaudited', id: 'view:v/99', detail: expect.stringMatching(/v revision 2 cites audit entry view:v\/99/) }]);
  });

  it('detects a checkpoint altered, forged with another key, dropped from the middle or replaced', async () => {
    const { take, verify, checkpoints } = await setup();
    for (let i = 0; i < 3; i++) await take();
    const [first, second, third] = checkpoints.stored as [AuditCheckpoint, AuditCheckpoint, AuditCheckpoint];

    checkpoints.stored[1] = { ...second, heads: [] }; // edited: the signature no longer covers it
    const reasons = async () => (await verify()).problems.map((p) => [p.chain, p.reason, p.id]);
    expect(await reasons()).toEqual([
      ['checkpoints', 'checkpoint-forged', 'checkpoints/2'],
      ['checkpoints', 'checkpoint-unlinked', 'checkpoints/3'],
    ]);

    const attacker: CheckpointSigner = (() => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { keyId: async () => second.keyId, sign: async (payload) => sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }) };
    })();
    const forged = await signCheckpoint(attacker, first, [], second.at);
    checkpoints.stored[1] = forged;
    // Linked and well-formed, but signed by a key that is not ours (under our key's name).
    expect(await reasons()).toEqual([
      ['checkpoints', 'checkpoint-forged', 'checkpoints/2'],
      ['checkpoints', 'checkpoint-unlinked', 'checkpoints/3'],
    ]);

    checkpoints.stored.splice(1, 1); // checkpoint 2 deleted
    expect(await reasons()).toEqual([['checkpoints', 'checkpoint-missing', 'checkpoints/3']]);

    checkpoints.stored.splice(0, checkpoints.stored.length, first, { ...third, seq: 2 }); // renumbered: its signature covers its seq
    expect(await reasons()).toEqual([
      ['checkpoints', 'checkpoint-unlinked', 'checkpoints/2'],
      ['checkpoints', 'checkpoint-forged', 'checkpoints/2'],
    ]);
  });

  it('reports nothing about checkpoints before the first one exists', async () => {
    const { verify } = await setup();
    expect(await verify()).toEqual({ ok: true, entries: 5, chains: 2, problems: [], unanchored: [], checkpoints: { count: 0 } });
  });
});
