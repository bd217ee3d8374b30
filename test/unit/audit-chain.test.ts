import fc from 'fast-check';
import { GENESIS_HASH, nextAuditEntry, verifyChain } from '../../core/audit-chain';
import type { AuditEntry } from '../../core/model';

function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < n; i++)
    entries.push(nextAuditEntry(entries.at(-1), { actor: `a${i}`, action: 'rollback', outcome: 'allowed', view: 'v', detail: { i } }, `2026-11-25T00:00:0${i % 10}Z`));
  return entries;
}

describe('audit chain', () => {
  it('links each entry to the previous one, starting from the genesis hash', () => {
    const entries = chain(3);
    expect(entries[0]).toMatchObject({ chain: 'view:v', seq: 1, id: 'view:v/1', prevHash: GENESIS_HASH });
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(verifyChain(entries)).toEqual({ ok: true, entries: 3 });
  });

  it('detects an edited entry', () => {
    const entries = chain(4);
    entries[2] = { ...entries[2]!, actor: 'mallory' };
    expect(verifyChain(entries)).toMatchObject({ ok: false, firstBadEntry: { id: 'view:v/3', reason: expect.stringMatching(/edited/) } });
  });

  it('detects a removed entry', () => {
    const entries = chain(4);
    entries.splice(1, 1);
    expect(verifyChain(entries)).toMatchObject({ ok: false, firstBadEntry: { id: 'view:v/3', reason: expect.stringMatching(/missing/) } });
  });

  it('detects an entry re-hashed after editing (its successor no longer matches)', () => {
    const entries = chain(3);
    const forged = nextAuditEntry(entries[0], { actor: 'mallory', action: 'rollback', outcome: 'allowed', view: 'v' }, entries[1]!.at);
    entries[1] = forged;
    expect(verifyChain(entries)).toMatchObject({ ok: false, firstBadEntry: { id: 'view:v/3' } });
  });

  it('property: any single-field edit anywhere in the chain is detected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), fc.string({ minLength: 1 }), (n, pick, text) => {
        const entries = chain(n);
        const i = pick % n;
        const original = entries[i]!;
        fc.pre(original.reason !== text);
        entries[i] = { ...original, reason: text };
        expect(verifyChain(entries).ok).toBe(false);
      }),
    );
  });
});
