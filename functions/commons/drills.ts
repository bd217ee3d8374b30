/**
 * The drill reports' store (the drills table), built once per container, and where
 * `DrillCompleted` (core/drills/events.ts) goes when POST /drills stores a report: the local
 * runtime installs its bus here ({@link useDrillEvents}); on AWS nothing is installed, as the
 * scheduled drill publishes its own run's event on the stack's bus (functions/scheduled-drill.ts)
 * and the API functions hold no PutEvents grant (every other event leaves through the outbox).
 */
import { config } from '../../contract/config';
import type { DrillCompletedEvent } from '../../core/drills/events';
import type { DrillStore } from '../../core/ports/drills';
import { DynamoDrillStore } from '../../store/dynamo-drills';
import { documentClient } from './dynamo';

let store: DrillStore | undefined;
let drillEvents: ((event: DrillCompletedEvent) => void | Promise<void>) | undefined;

export function getDrillStore(): DrillStore {
  store ??= new DynamoDrillStore(documentClient(), config.tableName('drills'));
  return store;
}

/** The local runtime's bus for `DrillCompleted` (undefined: none, as on AWS). */
export function useDrillEvents(publish: ((event: DrillCompletedEvent) => void | Promise<void>) | undefined): void {
  drillEvents = publish;
}

export function getDrillEvents(): ((event: DrillCompletedEvent) => void | Promise<void>) | undefined {
  return drillEvents;
}
