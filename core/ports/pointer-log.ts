/** The pointer log: one pointer per view and the history of its changes, written together. */
import type { ChainEnd } from './audit-log';
import type { Approval, AuditDraft, AuditEntry, HistoryEntry, Pointer } from '../model';

export interface PointerChange {
  /** The pointer as read; the write is conditioned on its revision (0: no pointer yet). */
  before: Pointer;
  after: Pointer;
  history: Omit<HistoryEntry, 'auditId'>;
  audit: AuditDraft;
  /** An approval this change relies on: marked used in the same transaction, and only if still unused. */
  useApproval?: Approval;
  /** The audit chain's end, read together with the pointer (AuditLog.chainEnd): saves the append its own read. */
  chainEnd?: ChainEnd;
}

export interface CommittedChange {
  pointer: Pointer;
  history: HistoryEntry;
  audit: AuditEntry;
}

export interface PointerLog {
  getPointer(view: string): Promise<Pointer | undefined>;
  /**
   * The only way a pointer changes: pointer (conditioned on `before.revision`), history and
   * audit entry in ONE transaction. Throws RevisionConflictError when the pointer moved.
   */
  commitPointerChange(change: PointerChange): Promise<CommittedChange>;
  /** A view's pointer changes, newest first. */
  history(view: string, limit: number): Promise<HistoryEntry[]>;
}
