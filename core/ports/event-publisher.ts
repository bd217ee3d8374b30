/** The bus that a view's committed changes are announced on (contract/events.ts maps each entry to its events). */
import type { HistoryEntry } from '../model';

export interface HistoryEventPublisher {
  /**
   * Publishes the events of `entries` (each entry's pointer event, then its artifacts'), in
   * order, exactly as the outbox did or would have: same detail, same `detail.eventId`, so a
   * consumer that saw one already deduplicates it. Returns the `eventId`s published, in order;
   * throws when the bus refused one (those before it did land: publishing again is safe).
   */
  publish(entries: readonly HistoryEntry[]): Promise<string[]>;
}
