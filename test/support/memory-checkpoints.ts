/** In-memory checkpoint store and history citations for unit tests (the signer is the real local-key one, on a temporary directory). */
import type { AuditCheckpoint, CheckpointLog, HistoryCitation, HistoryCitations } from '../../core/ports/audit-checkpoints';
import type { MemoryPointerLog } from './memory';

export class MemoryCheckpointLog implements CheckpointLog {
  /** By seq order; a test may edit or drop one, as someone who could write the store would. */
  readonly stored: AuditCheckpoint[] = [];
  async list() {
    return structuredClone([...this.stored].sort((a, b) => a.seq - b.seq));
  }
  async latest() {
    return (await this.list()).at(-1);
  }
  async put(checkpoint: AuditCheckpoint) {
    if (this.stored.some((c) => c.seq === checkpoint.seq)) throw new Error(`checkpoint ${checkpoint.seq} exists`);
    this.stored.push(structuredClone(checkpoint));
  }
}

/** The memory pointer log's history entries, as the history table's scan yields them. */
export function memoryCitations(pointers: MemoryPointerLog): HistoryCitations {
  return {
    async *citations(): AsyncIterable<HistoryCitation> {
      for (const h of pointers.historyEntries) yield { view: h.view, revision: h.revision, auditId: h.auditId };
    },
  };
}
