import type { ArtifactInvalidator, EventPublisher } from './artifacts';
import type { Clock, OnlineStore, Registry, SnapshotStore } from './ports';

/** Everything a use case may touch, injected so core/ never constructs an AWS client. */
export interface Deps {
  registry: Registry;
  online: OnlineStore;
  snapshots: SnapshotStore;
  clock: Clock;
  /** Refreshes versions' derived artifacts after a pointer change (core/artifacts.ts); absent: they are reported failed. */
  artifacts?: ArtifactInvalidator;
  /** Where artifact events go; absent: none are published. */
  events?: EventPublisher;
}
