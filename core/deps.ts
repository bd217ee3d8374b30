import type { ArtifactInvalidator } from './artifacts';
import type { Clock, OnlineStore, Registry, SnapshotStore } from './ports';

/** Everything a use case may touch, injected so core/ never constructs an AWS client. */
export interface Deps {
  registry: Registry;
  online: OnlineStore;
  snapshots: SnapshotStore;
  clock: Clock;
  /**
   * Plans and refreshes versions' derived artifacts around a pointer change (core/artifacts.ts);
   * absent: every artifact is left to its owner (`requested`), asked by its event. The events
   * themselves are never published from here: the history outbox publishes them.
   */
  artifacts?: ArtifactInvalidator;
}
