/** GET /audit/verify: every chain, its head, the signed checkpoints and the history's citations. */
import { checkChain, type ChainProblem } from './audit-chain';
import { checkAgainstCheckpoints, checkCheckpoints, checkCitations } from './audit-checkpoint';
import type { AuditChain, AuditLog } from './ports/audit-log';
import type { AuditAnchor, AuditCheckpoint, HistoryCitation } from './ports/audit-checkpoints';

export interface AuditVerdict {
  ok: boolean;
  /** Entries checked, in every chain (heads are not entries). */
  entries: number;
  chains: number;
  /** The first problem found, as before heads existed: for clients that read only this. */
  firstBadEntry?: { id: string; reason: string };
  /** Every problem in every chain, in chain order, then the checkpoints' and the history's; empty when ok. */
  problems: ChainProblem[];
  /**
   * Chains without a head: written before heads existed and not appended to since (the next
   * append anchors them). Edits and gaps are still checked; deleting their newest entries is not
   * detectable until then. Not a failure.
   */
  unanchored: string[];
  /** Present when checked against the checkpoints: how many, and the newest that verified. */
  checkpoints?: { count: number; latest?: Pick<AuditCheckpoint, 'seq' | 'at' | 'keyId'> };
}

/**
 * Verify every chain, and every chain's end against its head: each problem is reported, not
 * only the first, so one broken chain cannot hide another. With the anchor, also that every
 * chain still extends the signed checkpoints, that those form an unbroken signed chain, and
 * that every history entry's audit entry exists.
 *
 * @example
 * const verdict = await verifyAudit(deps, anchor);
 * verdict.problems.filter((p) => p.reason === 'rewritten'); // chains rewritten with their heads
 */
export async function verifyAudit(deps: { audit: Pick<AuditLog, 'auditChains'> }, anchor?: AuditAnchor): Promise<AuditVerdict> {
  // What outlives the table first, the chains last: a checkpoint or a history entry read now
  // names entries that exist when the chains are read after it (appends only extend a chain,
  // and a history entry is written in one transaction with its audit entry).
  const checkpoints = anchor ? await anchor.checkpoints.list() : [];
  const citations: HistoryCitation[] = [];
  if (anchor) for await (const citation of anchor.citations.citations()) citations.push(citation);
  const chains: AuditChain[] = [];
  for await (const chain of deps.audit.auditChains()) chains.push(chain);

  let entries = 0;
  const problems: ChainProblem[] = [];
  const unanchored: string[] = [];
  for (const chain of chains) {
    const report = checkChain(chain.chain, chain.entries, chain.head);
    entries += report.entries;
    problems.push(...report.problems);
    if (!report.anchored) unanchored.push(chain.chain);
  }
  let checked: AuditVerdict['checkpoints'];
  if (anchor) {
    const { problems: ofCheckpoints, trusted } = await checkCheckpoints(checkpoints, anchor.keys);
    problems.push(...checkAgainstCheckpoints(chains, trusted), ...ofCheckpoints, ...checkCitations(citations, chains));
    const latest = trusted.at(-1);
    checked = { count: checkpoints.length, ...(latest ? { latest: { seq: latest.seq, at: latest.at, keyId: latest.keyId } } : {}) };
  }
  const first = problems[0];
  return {
    ok: !first,
    entries,
    chains: chains.length,
    ...(first ? { firstBadEntry: { id: first.id, reason: first.detail } } : {}),
    problems,
    unanchored,
    ...(checked ? { checkpoints: checked } : {}),
  };
}
