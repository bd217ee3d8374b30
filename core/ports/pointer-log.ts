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
  /**
   * The versions `after` serves (stable and candidate): the transaction checks that each is
   * `materialized` (invariant 8) and throws NotMaterializedError when one is not.
   */
  served: readonly number[];
  /**
   * The access-policy revision the change was judged by (0: the default, none stored): the
   * transaction checks that no later revision exists and throws PolicySupersededError when one
   * does, so a change never lands under rules superseded after they were read. Absent when the
   * change was judged by no stored policy (Rewind's own actors, a caller that brought its own).
   */
  policyRevision?: number;
}

/** A purge's first step: the version moves to `purging`, audited, only while the pointer is at `revision` and serves it neither as stable nor as candidate. */
export interface PurgeStart {
  view: string;
  version: number;
  /** The pointer revision the purge decided on (0: the view was never activated); any other refuses it. */
  revision: number;
  at: string;
  audit: AuditDraft;
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
  /**
   * ONE transaction: a check that the view's pointer names `version` neither as stable nor as
   * candidate, the version's materialization set to `purging` (from any state: a second
   * purge resumes the first; a rebuild under way loses its `materialized` mark and retries),
   * and the audit entry. Throws InvalidStateError when the pointer serves the version.
   */
  beginPurge(start: PurgeStart): Promise<AuditEntry>;
  /** A view's pointer changes, newest first. */
  history(view: string, limit: number): Promise<HistoryEntry[]>;
  /** One pointer change by its revision (1 … the pointer's revision), or undefined. */
  historyEntry(view: string, revision: number): Promise<HistoryEntry | undefined>;
  /** A view's pointer changes with revisions `from`..`to` (inclusive), oldest first: what a republish replays. */
  historyRange(view: string, from: number, to: number): Promise<HistoryEntry[]>;
}
