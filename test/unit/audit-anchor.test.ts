/**
 * Chain heads through the in-memory registry and verifyAudit: what deleting the newest audit
 * entries looks like to an auditor, and that heads keep up with concurrent appends. The same
 * through HTTP and DynamoDB Local: test/integration/audit-anchor.test.ts.
 */
import { nextAuditEntry } from '../../core/audit-chain';
import type { AuditDraft, AuditEntry } from '../../core/model';
import { verifyAudit } from '../../core/queries';
import { memoryDeps } from '../support/memory';

const draft = (i: number, view = 'v'): AuditDraft => ({ actor: `a${i}`, action: 'rollback', outcome: 'denied', view, reason: `try ${i}` });

async function appended(n: number, view = 'v') {
  const deps = memoryDeps();
  for (let i = 0; i < n; i++) await deps.audit.appendAudit(draft(i, view));
  return deps;
}

it('keeps a head naming the newest entry of each chain', async () => {
  const deps = await appended(3);
  await deps.audit.appendAudit({ actor: 'root', action: 'put-policy', outcome: 'allowed' });
  const newest = deps.audit.chains.get('view:v')!.at(-1)!;
  expect(deps.audit.heads.get('view:v')).toEqual({ chain: 'view:v', seq: 3, hash: newest.hash, at: newest.at });
  expect(deps.audit.heads.get('global')).toMatchObject({ seq: 1 });
  expect(await verifyAudit(deps)).toEqual({ ok: true, entries: 4, chains: 2, problems: [], unanchored: [] });
});

it('detects the newest entry deleted, naming the chain, the head seq and the last stored seq', async () => {
  const deps = await appended(4);
  await deps.audit.appendAudit(draft(0, 'other'));
  deps.audit.chains.get('view:v')!.pop();

  const verdict = await verifyAudit(deps);
  expect(verdict).toMatchObject({ ok: false, entries: 4, chains: 2, firstBadEntry: { id: 'view:v/4', reason: expect.stringMatching(/deleted/) } });
  expect(verdict.problems).toEqual([{ chain: 'view:v', reason: 'truncated', id: 'view:v/4', headSeq: 4, lastSeq: 3, detail: expect.any(String) }]);
});

it('detects every entry of a chain deleted while its head stays', async () => {
  const deps = await appended(2);
  deps.audit.chains.delete('view:v');
  expect(await verifyAudit(deps)).toMatchObject({ ok: false, entries: 0, chains: 1, problems: [{ chain: 'view:v', reason: 'truncated', headSeq: 2, lastSeq: 0 }] });
});

it('keeps the gap visible after the next append: the chain goes on from its head, not from what is left', async () => {
  const deps = await appended(4);
  deps.audit.chains.get('view:v')!.splice(2);
  const next = await deps.audit.appendAudit(draft(9));
  expect(next.seq).toBe(5);
  expect((await verifyAudit(deps)).problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'missing', id: 'view:v/5' })]);
});

it('still detects an edited entry, and a replaced newest one', async () => {
  const deps = await appended(3);
  const entries = deps.audit.chains.get('view:v')!;
  entries[1] = { ...entries[1]!, actor: 'mallory' };
  expect((await verifyAudit(deps)).problems).toEqual([expect.objectContaining({ reason: 'edited', id: 'view:v/2' })]);

  const other = await appended(3, 'w');
  const chain = other.audit.chains.get('view:w')!;
  // Re-hashed properly: nothing later cites the newest entry, only the head can tell.
  chain[2] = nextAuditEntry(chain[1], { ...draft(2, 'w'), actor: 'mallory' }, chain[2]!.at, { anchored: true });
  expect((await verifyAudit(other)).problems).toEqual([expect.objectContaining({ reason: 'head-mismatch', id: 'view:w/3' })]);
});

it('keeps one head at the newest entry when appends race', async () => {
  const deps = memoryDeps();
  const entries = await Promise.all(Array.from({ length: 20 }, (_, i) => deps.audit.appendAudit(draft(i))));
  expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(deps.audit.heads.get('view:v')).toMatchObject({ seq: 20, hash: deps.audit.chains.get('view:v')!.at(-1)!.hash });
  expect(await verifyAudit(deps)).toMatchObject({ ok: true, entries: 20, problems: [] });
});

describe('a chain written before heads existed', () => {
  /** Entries as the store wrote them before heads: no head item, no `anchored`. */
  function legacy(n: number): AuditEntry[] {
    const entries: AuditEntry[] = [];
    for (let i = 0; i < n; i++) entries.push(nextAuditEntry(entries.at(-1), draft(i), `2026-11-24T00:00:0${i}Z`));
    return entries;
  }

  it('verifies as unanchored, not broken', async () => {
    const deps = memoryDeps();
    deps.audit.chains.set('view:v', legacy(3));
    expect(await verifyAudit(deps)).toEqual({ ok: true, entries: 3, chains: 1, problems: [], unanchored: ['view:v'] });
  });

  it('gets its head on the next append, from its real tail', async () => {
    const deps = memoryDeps();
    const old = legacy(3);
    deps.audit.chains.set('view:v', [...old]);
    const next = await deps.audit.appendAudit(draft(3));
    expect(next).toMatchObject({ seq: 4, prevHash: old[2]!.hash, anchored: true });
    expect(deps.audit.heads.get('view:v')).toMatchObject({ seq: 4, hash: next.hash });
    expect(await verifyAudit(deps)).toEqual({ ok: true, entries: 4, chains: 1, problems: [], unanchored: [] });

    // From now on its truncation is detected like any other chain's.
    deps.audit.chains.get('view:v')!.pop();
    expect((await verifyAudit(deps)).problems).toEqual([expect.objectContaining({ reason: 'truncated', headSeq: 4, lastSeq: 3 })]);
  });

  it('anchors once when several appends race on it', async () => {
    const deps = memoryDeps();
    deps.audit.chains.set('view:v', legacy(2));
    await Promise.all(Array.from({ length: 10 }, (_, i) => deps.audit.appendAudit(draft(i))));
    expect(deps.audit.heads.get('view:v')).toMatchObject({ seq: 12 });
    expect(await verifyAudit(deps)).toMatchObject({ ok: true, entries: 12, unanchored: [] });
  });
});

it('reports a deleted head, and still does after the next append rebuilds it', async () => {
  const deps = await appended(3);
  deps.audit.heads.delete('view:v');
  deps.audit.chains.get('view:v')!.pop(); // the head deleted to hide a truncation
  expect((await verifyAudit(deps)).problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'head-lost', id: 'view:v/3', lastSeq: 2 })]);

  await deps.audit.appendAudit(draft(7));
  const verdict = await verifyAudit(deps);
  expect(verdict).toMatchObject({ ok: false, unanchored: [] });
  expect(verdict.problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'head-lost', id: 'view:v/3', headSeq: 3, lastSeq: 3 })]);
});

it('follows entries appended beyond the head by the release before heads, and moves the head there', async () => {
  const deps = await appended(3);
  const entries = deps.audit.chains.get('view:v')!;
  // That release appends after the newest entry, without `anchored`, and leaves the head alone.
  entries.push(nextAuditEntry(entries.at(-1), draft(3), '2026-11-26T00:00:00Z'));
  entries.push(nextAuditEntry(entries.at(-1), draft(4), '2026-11-26T00:00:01Z'));
  expect((await verifyAudit(deps)).problems).toEqual([expect.objectContaining({ chain: 'view:v', reason: 'head-mismatch', id: 'view:v/4', headSeq: 3, lastSeq: 5 })]);

  const next = await deps.audit.appendAudit(draft(5));
  expect(next).toMatchObject({ seq: 6, prevHash: entries[4]!.hash, anchored: true });
  expect(deps.audit.heads.get('view:v')).toMatchObject({ seq: 6, hash: next.hash });
  expect(await verifyAudit(deps)).toEqual({ ok: true, entries: 6, chains: 1, problems: [], unanchored: [] });
});
