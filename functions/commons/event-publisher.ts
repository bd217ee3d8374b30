/**
 * Where republished events go: Rewind's bus over EventBridge (REWIND_EVENT_BUS), through the
 * outbox publisher's own mapping and batching (store/eventbridge-outbox.ts); or, in the local
 * runtime, the local outbox relay it installs with {@link useEventPublisher}, which hands them
 * to the same sinks as every other event (local/outbox.ts).
 */
import { config } from '../../contract/config';
import type { HistoryEventPublisher } from '../../core/ports';
import { eventBridgeClient } from '../../store/clients';
import { EventBridgeHistoryPublisher } from '../../store/eventbridge-outbox';

let publisher: HistoryEventPublisher | undefined;

export function useEventPublisher(replacement: HistoryEventPublisher | undefined): void {
  publisher = replacement;
}

/** Built on first use, once per container. */
export function getEventPublisher(): HistoryEventPublisher {
  publisher ??= new EventBridgeHistoryPublisher(eventBridgeClient(), config.eventBusName);
  return publisher;
}
