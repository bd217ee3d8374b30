import fc from 'fast-check';
import { GENESIS_HASH, appendToChain, checkChain, nextAuditEntry, verifyChain } from '../../core/audit-chain';
import type { AuditEntry, ChainHead } from '../../core/model';

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

describe('checking a chain against its head', () => {
  const headOf = (entries: AuditEntry[]): ChainHead => ({ chain: 'view:v', seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash, at: entries.at(-1)!.at });

  it('passes a chain that ends where its head says', () => {
    const entries = chain(3);
    expect(checkChain('view:v', entries, headOf(entries))).toEqual({ chain: 'view:v', entries: 3, anchored: true, problems: [] });
  });

  it('reports the newest entries gone as truncated, with the head seq and the last stored seq', () => {
    const entries = chain(5);
    const head = headOf(entries);
    expect(verifyChain(entries.slice(0, 3)).ok).toBe(true); // what the entries alone cannot see
    expect(checkChain('view:v', entries.slice(0, 3), head).problems).toEqual([
      { chain: 'view:v', reason: 'truncated', id: 'view:v/4', headSeq: 5, lastSeq: 3, detail: expect.stringMatching(/head names entry 5 .* last entry stored is 3.*2 entries were deleted/) },
    ]);
  });

  it('reports a head without any entry as truncated from seq 1', () => {
    const entries = chain(2);
    expect(checkChain('view:v', [], headOf(entries)).problems).toEqual([expect.objectContaining({ reason: 'truncated', id: 'view:v/1', headSeq: 2, lastSeq: 0 })]);
  });

  it('reports a replaced newest entry (edited and re-hashed: nothing later cites it) as a head mismatch', () => {
    const entries = chain(3);
    const head = headOf(entries);
    entries[2] = nextAuditEntry(entries[1], { actor: 'mallory', action: 'rollback', outcome: 'allowed', view: 'v' }, entries[2]!.at, { anchored: true });
    expect(verifyChain(entries).ok).toBe(true);
    expect(checkChain('view:v', entries, head).problems).toEqual([expect.objectContaining({ reason: 'head-mismatch', id: 'view:v/3' })]);
  });

  it('reports entries the head does not know of as a head mismatch', () => {
    const entries = chain(3);
    expect(checkChain('view:v', entries, headOf(entries.slice(0, 2))).problems).toEqual([expect.objectContaining({ reason: 'head-mismatch', id: 'view:v/3', headSeq: 2, lastSeq: 3 })]);
  });

  it('reports a break inside the chain and a truncated end together', () => {
    const entries = chain(5);
    const head = headOf(entries);
    const kept = [entries[0]!, { ...entries[1]!, actor: 'mallory' }, entries[2]!];
    expect(checkChain('view:v', kept, head).problems.map((p) => [p.reason, p.id])).toEqual([
      ['edited', 'view:v/2'],
      ['truncated', 'view:v/4'],
    ]);
  });

  it('calls a chain without a head unanchored, not broken, when none of its entries was written with one', () => {
    expect(checkChain('view:v', chain(3), undefined)).toEqual({ chain: 'view:v', entries: 3, anchored: false, problems: [] });
  });

  it('reports a deleted head when an entry was written with one', () => {
    const entries = [...chain(2)];
    entries.push(nextAuditEntry(entries[1], { actor: 'x', action: 'rollback', outcome: 'allowed', view: 'v' }, entries[1]!.at, { anchored: true }));
    expect(checkChain('view:v', entries, undefined).problems).toEqual([expect.objectContaining({ reason: 'head-lost', id: 'view:v/4', lastSeq: 3 })]);
  });

  it('property: deleting any number of the newest entries of an anchored chain is detected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (n, cut) => {
        const entries = chain(n);
        const kept = entries.slice(0, Math.max(0, n - cut));
        const problems = checkChain('view:v', kept, headOf(entries)).problems;
        expect(problems).toEqual([expect.objectContaining({ reason: 'truncated', headSeq: n, lastSeq: kept.length })]);
      }),
    );
  });
});

describe('appending to a chain', () => {
  const draft = { actor: 'a', action: 'rollback', outcome: 'allowed' as const, view: 'v' };

  it('follows the head, not the newest entry stored, so deleted newest entries stay a visible gap', () => {
    const entries = chain(4);
    const head: ChainHead = { chain: 'view:v', seq: 4, hash: entries[3]!.hash, at: entries[3]!.at };
    const append = appendToChain('view:v', head, entries[1], draft, 'now');
    expect(append).toMatchObject({ entry: { seq: 5, prevHash: head.hash, anchored: true }, head: { seq: 5, hash: append.entry.hash }, expectedHeadSeq: 4 });
  });

  it('follows the newest entry when entries go on beyond the head, expecting the head where it was, keeping its mark', () => {
    const entries = chain(4);
    const head: ChainHead = { chain: 'view:v', seq: 2, hash: entries[1]!.hash, at: entries[1]!.at, rebuilt: { at: 't0', fromSeq: 1 } };
    const append = appendToChain('view:v', head, entries[3], draft, 'now');
    expect(append).toMatchObject({ entry: { seq: 5, prevHash: entries[3]!.hash }, head: { seq: 5, rebuilt: { at: 't0', fromSeq: 1 } }, expectedHeadSeq: 2 });
  });

  it('builds the first head of a chain written before heads from its newest entry, expecting no head', () => {
    const entries = chain(2);
    const append = appendToChain('view:v', undefined, entries[1], draft, 'now');
    expect(append).toMatchObject({ entry: { seq: 3, prevHash: entries[1]!.hash }, head: { seq: 3 }, expectedHeadSeq: undefined });
    expect(append.head.rebuilt).toBeUndefined();
  });

  it('marks a head rebuilt when the newest entry was written with a head that is gone, and keeps the mark', () => {
    const first = appendToChain('view:v', undefined, undefined, draft, 't1');
    const rebuilt = appendToChain('view:v', undefined, first.entry, draft, 't2');
    expect(rebuilt.head.rebuilt).toEqual({ at: 't2', fromSeq: 1 });
    expect(appendToChain('view:v', rebuilt.head, undefined, draft, 't3').head.rebuilt).toEqual({ at: 't2', fromSeq: 1 });
  });

  it('refuses a draft about another chain', () => {
    expect(() => appendToChain('global', undefined, undefined, draft, 'now')).toThrow(/does not belong on chain global/);
  });
});
