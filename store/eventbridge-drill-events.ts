/**
 * `DrillCompleted` (core/drills/events.ts) onto Rewind's bus over EventBridge: what the
 * scheduled drill publishes after its run (functions/scheduled-drill.ts). One PutEvents entry;
 * a failed entry throws naming its error code (the caller logs it: a drill's result is in its
 * stored report and its metrics whatever the bus does).
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DrillCompletedEvent } from '../core/drills/events';

export type DrillEventPublisher = (event: DrillCompletedEvent) => Promise<void>;

export function eventBridgeDrillEvents(client: Pick<EventBridgeClient, 'send'>, busName: string): DrillEventPublisher {
  return async (event) => {
    const out = await client.send(new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) }] }));
    if (out.FailedEntryCount) throw new Error(`the bus ${busName} did not take ${event['detail-type']} ${event.detail.drillId}: ${out.Entries?.[0]?.ErrorCode ?? 'unknown error'} ${out.Entries?.[0]?.ErrorMessage ?? ''}`.trim());
  };
}
