/** Port: where each rollback's follow-up is kept, keyed like its history entry (store/dynamo-follow-ups.ts). */
import type { FollowUp } from '../runbook';

export interface FollowUpLog {
  /**
   * Stores the follow-up of the rollback at (view, revision), once: a second write for the same
   * rollback changes nothing and returns false. History and audit entries are never updated.
   */
  recordFollowUp(view: string, revision: number, followUp: FollowUp): Promise<boolean>;
  /** The follow-ups of the rollbacks between two revisions (inclusive), by revision. */
  followUps(view: string, fromRevision: number, toRevision: number): Promise<Map<number, FollowUp>>;
}
