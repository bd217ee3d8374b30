import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { AuditDraft, AuditEntry, ChainHead } from './model';

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

/** What the next entry of a chain needs from the end of it. */
export type ChainTail = Pick<AuditEntry, 'seq' | 'hash'>;

/**
 * The entry that follows `tail` on its chain. Placing it is the store's job: it writes the
 * entry only if no entry with the same seq exists, so two writers can never fork a chain.
 * Stores append through `appendToChain`, which also moves the chain's head; this is the bare
 * step (and, without `anchored`, the shape of entries written before heads existed).
 *
 * @example nextAuditEntry(undefined, { actor: 'alice', action: 'rollback', outcome: 'allowed', view: 'users' }, now)
 */
export function nextAuditEntry(tail: ChainTail | undefined, draft: AuditDraft, at: string, options: { anchored?: boolean } = {}): AuditEntry {
  const chain = chainFor(draft.view);
  const seq = tail ? tail.seq + 1 : 1;
  const unhashed: Omit<AuditEntry, 'hash'> = {
    ...stripUndefined(draft),
    chain,
    seq,
    id: entryId(chain, seq),
    at,
    prevHash: tail ? tail.hash : GENESIS_HASH,
    ...(options.anchored ? { anchored: true as const } : {}),
  };
  return { ...unhashed, hash: hashEntry(unhashed) };
}

/** One append, as the store must write it: all of it in one transaction, or none. */
export interface ChainAppend {
  entry: AuditEntry;
  /** The chain's head after the append. */
  head: ChainHead;
  /**
   * The condition on the head write: the head must still name this seq (a concurrent append
   * moves it), or, when undefined, must not exist yet (a new chain, or one written before heads).
   */
  expectedHeadSeq: number | undefined;
}

/**
 * The next append to a chain, from what the store found at its end: the head, or when there
 * is none (a chain written before heads existed, or a new one) its newest entry.
 *
 * The entry follows the HEAD, not the newest stored entry: after the newest entries were
 * deleted, the next entry still cites the deleted one, so the gap stays visible to verify.
 * Unless entries go on beyond the head: the release before heads appends without moving it
 * (after a rollback of the functions, or during a rolling deploy). Then the entry follows the
 * newest entry, and the head moves there from where it was found.
 *
 * @example
 * const { entry, head, expectedHeadSeq } = appendToChain(chainFor('users'), storedHead, undefined, draft, now);
 * // write entry (if its seq is free) and head (if still at expectedHeadSeq) in one transaction
 */
export function appendToChain(
  chain: string,
  head: ChainHead | undefined,
  newest: AuditEntry | undefined,
  draft: AuditDraft,
  at: string,
): ChainAppend {
  if (chainFor(draft.view) !== chain) throw new Error(`an entry about ${draft.view ?? 'no view'} does not belong on chain ${chain}`);
  const beyondHead = head && newest && newest.seq > head.seq;
  const tail: ChainTail | undefined = beyondHead ? newest : (head ?? newest);
  const entry = nextAuditEntry(tail, draft, at, { anchored: true });
  // A head missing under an entry that was written with one was deleted: say so for good.
  const rebuilt = head ? head.rebuilt : newest?.anchored ? { at, fromSeq: newest.seq } : undefined;
  return {
    entry,
    head: { chain, seq: entry.seq, hash: entry.hash, at, ...(rebuilt ? { rebuilt } : {}) },
    expectedHeadSeq: head?.seq,
  };
}

export interface ChainVerdict {
  ok: boolean;
  entries: number;
  firstBadEntry?: { id: string; reason: string };
}

/**
 * What is wrong with a chain:
 * - `missing`: a seq is skipped (an entry was deleted; or, after the newest were deleted, the
 *   chain went on from its head);
 * - `unlinked`: an entry does not cite its predecessor's hash (the predecessor was re-hashed);
 * - `edited`: an entry's content does not match its hash;
 * - `truncated`: the head names a later entry than the last one stored (the newest entries, or
 *   all of them, were deleted);
 * - `head-mismatch`: the head names the last entry's seq with another hash (it was replaced),
 *   or an earlier seq (entries were added without moving the head). The release before heads
 *   adds entries that way, so after the functions ran it (a rollback, or during a rolling
 *   deploy) a chain it appended to reports this until its next append, which moves the head;
 * - `head-lost`: the head was deleted (entries written with a head remain, or the head had to
 *   be rebuilt): whatever followed may have been deleted with it.
 *
 * Against the signed checkpoints kept outside the table (core/audit-checkpoint.ts), which see
 * what a writer of the table could hide by rewriting entries and heads together:
 * - `chain-deleted`: a chain a checkpoint names has neither entries nor head any more;
 * - `rewound`: a chain ends before the entry a checkpoint recorded (entries and head deleted);
 * - `rewritten`: the entry at a checkpoint's seq is missing or has another hash;
 * - `history-unaudited`: a history entry cites an audit entry that does not exist;
 * - `checkpoint-missing`, `checkpoint-unlinked`, `checkpoint-forged` (chain `checkpoints`): the
 *   checkpoints' own chain has a gap, a broken link, or a signature that does not verify with
 *   a trusted key.
 */
export type ChainProblemReason =
  | 'missing'
  | 'unlinked'
  | 'edited'
  | 'truncated'
  | 'head-mismatch'
  | 'head-lost'
  | 'chain-deleted'
  | 'rewound'
  | 'rewritten'
  | 'history-unaudited'
  | 'checkpoint-missing'
  | 'checkpoint-unlinked'
  | 'checkpoint-forged';

export interface ChainProblem {
  chain: string;
  reason: ChainProblemReason;
  /** The first entry that is wrong or missing. */
  id: string;
  /** In words, with the numbers. */
  detail: string;
  /** What the head says, when the problem is about the end of the chain. */
  headSeq?: number;
  /** seq of the last entry stored (0: none), when the problem is about the end of the chain. */
  lastSeq?: number;
  /** The checkpoint the chain disagrees with. */
  checkpoint?: number;
}

export interface ChainReport {
  chain: string;
  entries: number;
  /** False for a chain without a head: one written before heads existed, not appended to since. */
  anchored: boolean;
  problems: ChainProblem[];
}

/**
 * Check one chain, given its entries in seq order: every entry must hash to its stored hash,
 * cite the previous entry's hash, and follow it without a gap (a gap is a deleted entry).
 * Nothing here can see the newest entries go: `checkChain` compares the end with the head.
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerdict {
  const broken = firstBreak(entries);
  return broken ? { ok: false, entries: entries.length, firstBadEntry: { id: broken.id, reason: broken.detail } } : { ok: true, entries: entries.length };
}

/**
 * Check one chain against its head: the links between entries (as `verifyChain`), then its end.
 * The last entry must be the one the head names, with the hash the head names; with no head,
 * the chain is unanchored (its truncation cannot be seen), unless entries show a head existed.
 *
 * @example checkChain('view:users', entries, head) // { anchored: true, problems: [{ reason: 'truncated', headSeq: 9, lastSeq: 7, … }] }
 */
export function checkChain(chain: string, entries: readonly AuditEntry[], head: ChainHead | undefined): ChainReport {
  const problems: ChainProblem[] = [];
  const broken = firstBreak(entries);
  if (broken) problems.push({ chain, ...broken });
  const last = entries.at(-1);
  const lastSeq = last?.seq ?? 0;
  if (!head) {
    const written = entries.findLast((e) => e.anchored);
    if (written)
      problems.push({
        chain,
        reason: 'head-lost',
        id: entryId(chain, written.seq + 1),
        detail: `the chain has no head, but entry ${written.seq} was written with one: the head was deleted, and entries after ${written.seq} may have been too`,
        lastSeq,
      });
    return { chain, entries: entries.length, anchored: false, problems };
  }
  const end = { headSeq: head.seq, lastSeq };
  if (head.rebuilt)
    problems.push({
      chain,
      reason: 'head-lost',
      id: entryId(chain, head.rebuilt.fromSeq + 1),
      detail: `the head was found deleted at ${head.rebuilt.at} and rebuilt from entry ${head.rebuilt.fromSeq}: entries after ${head.rebuilt.fromSeq} may have been deleted with it`,
      ...end,
    });
  if (head.seq > lastSeq) {
    const gone = head.seq - lastSeq;
    problems.push({
      chain,
      reason: 'truncated',
      id: entryId(chain, lastSeq + 1),
      detail: `the head names entry ${head.seq} but the last entry stored is ${lastSeq}: the newest ${gone === 1 ? 'entry was' : `${gone} entries were`} deleted`,
      ...end,
    });
  } else if (head.seq < lastSeq) {
    problems.push({ chain, reason: 'head-mismatch', id: entryId(chain, head.seq + 1), detail: `the head names entry ${head.seq} but entries go on to ${lastSeq}: they were not written with it`, ...end });
  } else if (head.hash !== last!.hash) {
    problems.push({ chain, reason: 'head-mismatch', id: last!.id, detail: `entry ${lastSeq} does not have the hash its head names: it was replaced`, ...end });
  }
  return { chain, entries: entries.length, anchored: true, problems };
}

function firstBreak(entries: readonly AuditEntry[]): Pick<ChainProblem, 'reason' | 'id' | 'detail'> | undefined {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const entry of entries) {
    const { hash, ...rest } = entry;
    if (entry.seq !== expectedSeq) return { reason: 'missing', id: entry.id, detail: `expected seq ${expectedSeq}, found ${entry.seq}: an entry is missing` };
    if (entry.prevHash !== prevHash) return { reason: 'unlinked', id: entry.id, detail: 'prevHash does not match the previous entry' };
    if (hashEntry(rest) !== hash) return { reason: 'edited', id: entry.id, detail: 'content does not match its hash: the entry was edited' };
    prevHash = hash;
    expectedSeq++;
  }
  return undefined;
}

function entryId(chain: string, seq: number): string {
  return `${chain}/${seq}`;
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
