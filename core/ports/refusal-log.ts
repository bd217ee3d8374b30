/**
 * The refusal log: every refused request (403), append-only, apart from the audit chains.
 *
 * A refusal changes nothing, so it needs no place in a view's hash chain, and it must not
 * take one: every chain append is a conditional write on the chain's head, and a client
 * flooding refused requests at a view would make that head hot enough that the view's next
 * pointer change (an automatic rollback included) gives up as "too contended" (issue 15
 * item 6). Refusals are written here with no head to contend on; `GET /audit` merges them
 * back into the listing (core/queries.ts listAudit) in the audit entries' shape.
 */
import type { AuditDraft, AuditEntry } from '../model';
import type { AuditFilter } from './audit-log';

/** What is recorded of one refusal: an audit draft whose outcome is `denied`. */
export type RefusalDraft = AuditDraft & { outcome: 'denied' };

/** The chain name refusal entries carry when listed with the audit entries: they are in no hash chain. */
export const REFUSALS_CHAIN = 'refusals';

export interface RefusalLog {
  /**
   * Records one refusal. Under a flood from one principal the adapter may fold it into a
   * per-principal, per-minute aggregate entry (`detail.count`, `detail.aggregated: true`)
   * instead of an entry of its own: the count stays exact, the table stays small.
   */
  recordRefusal(draft: RefusalDraft): Promise<void>;
  /**
   * Refusals newest first, as audit entries (`chain` REFUSALS_CHAIN, `seq` 0, no hashes),
   * filtered like `AuditLog.listAudit`.
   */
  listRefusals(options: AuditFilter): Promise<AuditEntry[]>;
}
