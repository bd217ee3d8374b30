import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { AuditDraft, AuditEntry } from './model';

/** prevHash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Audit entries about a view live on that view's chain; the rest on the global chain. */
export function chainFor(view: string | undefined): string {
  return view ? `view:${view}` : 'global';
}

/** sha256 over the previous hash and every field of the entry except its own hash. */
export function hashEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256').update(entry.prevHash).update('\n').update(canonicalJson(entry)).digest('hex');
}

/**
 * The entry that follows `tail` on its chain. Placing it is the store's job: it writes the
 * entry only if no entry with the same seq exists, so two writers can never fork a chain.
 *
 * @example nextAuditEntry(undefined, { actor: 'alice', action: 'rollback', outcome: 'allowed', view: 'users' }, now)
 */
export function nextAuditEntry(tail: AuditEntry | undefined, draft: AuditDraft, at: string): AuditEntry {
  const chain = chainFor(draft.view);
  const seq = tail ? tail.seq + 1 : 1;
  const unhashed: Omit<AuditEntry, 'hash'> = {
    ...stripUndefined(draft),
    chain,
    seq,
    id: `${chain}/${seq}`,
    at,
    prevHash: tail ? tail.hash : GENESIS_HASH,
  };
  return { ...unhashed, hash: hashEntry(unhashed) };
}

export interface ChainVerdict {
  ok: boolean;
  entries: number;
  firstBadEntry?: { id: string; reason: string };
}

/**
 * Check one chain, given its entries in seq order: every entry must hash to its stored hash,
 * cite the previous entry's hash, and follow it without a gap (a gap is a deleted entry).
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerdict {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const entry of entries) {
    const { hash, ...rest } = entry;
    const bad = (reason: string): ChainVerdict => ({ ok: false, entries: entries.length, firstBadEntry: { id: entry.id, reason } });
    if (entry.seq !== expectedSeq) return bad(`expected seq ${expectedSeq}, found ${entry.seq}: an entry is missing`);
    if (entry.prevHash !== prevHash) return bad('prevHash does not match the previous entry');
    if (hashEntry(rest) !== hash) return bad('content does not match its hash: the entry was edited');
    prevHash = hash;
    expectedSeq++;
  }
  return { ok: true, entries: entries.length };
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
