/** Port: where a rollback's follow-up is kept, on its own history entry (store/dynamo-follow-ups.ts). */
import type { FollowUp } from '../runbook';

export interface FollowUpLog {
  /**
   * Sets `followUp` on the history entry (view, revision). Written after the change committed,
   * by the runbook runner only; the pointer, the entry's other fields and its audit entry are
   * untouched (the outbox publishes on INSERT only, so this publishes nothing again).
   */
  recordFollowUp(view: string, revision: number, followUp: FollowUp): Promise<void>;
}
