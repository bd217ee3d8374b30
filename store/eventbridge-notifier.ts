/**
 * A Notifier that puts each escalation on Rewind's event bus as `RewindEscalation` (detail: the
 * notice with its context). The stack routes that detail-type to the ops topic (SNS) with a
 * rule, so the page carries the whole context without the functions holding an SNS client;
 * anything else on the bus (a chat bridge, an incident tool) can subscribe to the same event.
 * Never throws: a failed put is logged by the caller's logger.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { POINTER_EVENT_SOURCE } from '../contract/rules';
import type { Notice, Notifier } from '../core/notifier';

export const ESCALATION_DETAIL_TYPE = 'RewindEscalation';

export class EventBridgeNotifier implements Notifier {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly onError: (error: unknown, notice: Notice) => void = () => undefined,
  ) {}

  async notify(notice: Notice): Promise<void> {
    try {
      const out = await this.client.send(
        new PutEventsCommand({ Entries: [{ EventBusName: this.busName, Source: POINTER_EVENT_SOURCE, DetailType: ESCALATION_DETAIL_TYPE, Detail: JSON.stringify(notice).slice(0, 250_000) }] }),
      );
      if (out.FailedEntryCount) this.onError(new Error(out.Entries?.[0]?.ErrorMessage ?? 'PutEvents refused the entry'), notice);
    } catch (error) {
      this.onError(error, notice);
    }
  }
}
