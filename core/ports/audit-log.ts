/** The audit log: hash-chained entries, one chain per view plus a global one. */
import type { AuditDraft, AuditEntry, ChainHead } from '../model';

/** Which audit entries `AuditLog.listAudit` returns. */
export interface AuditFilter {
  view?: string;
  /** Exact match on `AuditEntry.actor`. */
  actor?: string;
  limit: number;
}

/** One audit chain as stored: its entries in seq order, and its head (absent on a chain written before heads existed). */
export interface AuditChain {
  chain: string;
  entries: AuditEntry[];
  head?: ChainHead;
}

/**
 * The end of a chain as read before an append: its head and its newest entry
 * (core/audit-chain.ts appendToChain follows them). One read ahead of a write saves a round
 * trip; a stale one costs a retry, never a fork (the append is conditioned on it).
 */
export interface ChainEnd {
  head?: ChainHead;
  newest?: AuditEntry;
}

export interface AuditLog {
  /**
   * Appends to the draft's chain. Every append (here and inside the other ports' audited
   * writes) writes the entry and the chain's head together, each under a condition, so
   * concurrent appends neither fork the chain nor leave the head behind it.
   */
  appendAudit(draft: AuditDraft): Promise<AuditEntry>;
  /**
   * Audit entries, newest first: one view's chain when `view` is given, else every chain
   * ordered by `at`. `actor` keeps only the entries whose actor is exactly that, and still
   * returns up to `limit` of them however many other entries are newer. Entries only: never a head.
   */
  listAudit(options: AuditFilter): Promise<AuditEntry[]>;
  /** Every chain with its head, entries in seq order; a head whose entries are all gone is a chain with none. */
  auditChains(): AsyncIterable<AuditChain>;
  /** The end of the chain `view`'s entries go on (the global chain without a view), to pass to an audited write. */
  chainEnd(view: string | undefined): Promise<ChainEnd>;
}
