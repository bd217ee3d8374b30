/**
 * The artifact ports, for the functions that move pointers only: the serving function never
 * changes a pointer, so it never loads the EventBridge client (its bundle stays small).
 *
 * In AWS: artifacts are announced (core/artifacts.ts announceOnly) and their events go to the
 * bus named by REWIND_EVENT_BUS. The local runtime installs its own in-process adapters
 * (local/releases.ts) with {@link useArtifactAdapters}.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EVENT_BUS_ENV } from '../../contract/rules';
import { announceOnly, type ArtifactInvalidator, type EventPublisher } from '../../core/artifacts';
import type { Deps } from '../../core/deps';
import { requireEnv } from '../../store/config';
import { EventBridgePublisher } from '../../store/eventbridge-events';

export interface ArtifactAdapters {
  artifacts: ArtifactInvalidator;
  events: EventPublisher;
}

let adapters: ArtifactAdapters | undefined;
let bus: string | undefined;

/** Replace the adapters (the local runtime; tests). */
export function useArtifactAdapters(replacement: ArtifactAdapters | undefined): void {
  adapters = replacement;
}

/** `deps` with the artifact invalidator and event publisher, built once per container. */
export function withArtifacts(deps: Deps): Deps {
  adapters ??= {
    artifacts: announceOnly,
    events: new EventBridgePublisher(new EventBridgeClient({}), () => (bus ??= requireEnv(EVENT_BUS_ENV))),
  };
  return { ...deps, ...adapters };
}
