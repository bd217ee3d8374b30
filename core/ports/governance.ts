/** Governance: the policy document's revisions and the four-eyes approvals. */
import type { Approval, AuditDraft, AuditEntry, PolicyProposal, StoredPolicy } from '../model';

export interface Governance {
  /** The newest stored policy revision; undefined until someone stores one. */
  getPolicy(): Promise<StoredPolicy | undefined>;
  /**
   * Stores a new policy revision with its audit entry in one transaction. Revisions are never
   * overwritten: throws PolicyConflictError when `policy.revision` exists already.
   */
  putPolicy(policy: StoredPolicy, audit: AuditDraft, applies?: AppliedProposal): Promise<AuditEntry>;
  /** Stores a policy proposal with its audit entry in one transaction (ids are never reused). */
  putPolicyProposal(proposal: PolicyProposal, audit: AuditDraft): Promise<AuditEntry>;
  getPolicyProposal(id: string): Promise<PolicyProposal | undefined>;
  /** The newest proposals first, applied or not. */
  listPolicyProposals(limit: number): Promise<PolicyProposal[]>;
  /** Stores an approval with its audit entry in one transaction. */
  putApproval(approval: Approval, audit: AuditDraft): Promise<AuditEntry>;
  /** A view's approvals, newest first. */
  listApprovals(view: string, limit: number): Promise<Approval[]>;
}

/**
 * The proposal a policy revision puts in force: marked applied in the revision's own
 * transaction, on condition that it exists and was not applied yet (else InvalidStateError),
 * so one proposal becomes at most one revision however many approve it at once.
 */
export interface AppliedProposal {
  id: string;
  applied: NonNullable<PolicyProposal['applied']>;
}
