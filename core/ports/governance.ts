/** Governance: the policy document's revisions and the four-eyes approvals. */
import type { Approval, AuditDraft, AuditEntry, StoredPolicy } from '../model';

export interface Governance {
  /** The newest stored policy revision; undefined until someone stores one. */
  getPolicy(): Promise<StoredPolicy | undefined>;
  /**
   * Stores a new policy revision with its audit entry in one transaction. Revisions are never
   * overwritten: throws PolicyConflictError when `policy.revision` exists already.
   */
  putPolicy(policy: StoredPolicy, audit: AuditDraft): Promise<AuditEntry>;
  /** Stores an approval with its audit entry in one transaction. */
  putApproval(approval: Approval, audit: AuditDraft): Promise<AuditEntry>;
  /** A view's approvals, newest first. */
  listApprovals(view: string, limit: number): Promise<Approval[]>;
}
