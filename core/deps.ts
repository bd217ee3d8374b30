import type { Clock, OnlineStore, Registry, SnapshotStore } from './ports';

/** Everything a use case may touch, injected so core/ never constructs an AWS client. */
export interface Deps {
  registry: Registry;
  online: OnlineStore;
  snapshots: SnapshotStore;
  clock: Clock;
}
