/**
 * The EventPublisher port over EventBridge: Rewind's events other than pointer changes (whose
 * outbox is the history table's stream, functions/publish-pointer-events.ts) go to Rewind's
 * bus with the same source, in the order given, ten per PutEvents call.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { POINTER_EVENT_SOURCE } from '../contract/rules';
import type { EventPublisher, RewindEvent } from '../core/artifacts';

const MAX_ENTRIES_PER_PUT = 10;

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    /** Read on first publish, so a function that never publishes needs no bus name. */
    private readonly busName: () => string,
  ) {}

  async publish(events: readonly RewindEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_PUT) {
      const chunk = events.slice(start, start + MAX_ENTRIES_PER_PUT);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName(),
            Source: POINTER_EVENT_SOURCE,
            DetailType: e.detailType,
            Time: new Date(e.time),
            Detail: JSON.stringify({ eventId: e.eventId, ...e.detail }),
          })),
        }),
      );
      // Stop at the first failure: later events must not overtake it (order is data → models → dashboards).
      if (out.FailedEntryCount) {
        const failed = (out.Entries ?? []).find((e) => e.ErrorCode !== undefined);
        throw new Error(`EventBridge refused an event: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim());
      }
    }
  }
}
