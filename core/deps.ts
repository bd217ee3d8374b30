import type { ArtifactInvalidator } from './artifacts';
import type { AuditLog, Clock, Governance, OnlineStore, PointerLog, SnapshotStore, VersionCatalog } from './ports';
import type { RefusalLog } from './ports/refusal-log';

/**
 * Everything a use case may touch, injected so core/ never constructs an AWS client. A use
 * case names what it uses with `Pick<Deps, …>`; serving, for one, gets catalog, pointers,
 * online and clock only.
 */
export interface Deps {
  catalog: VersionCatalog;
  pointers: PointerLog;
  audit: AuditLog;
  /** Where refused requests are recorded (apart from the chains); absent: on the audit log itself (in-memory tests). */
  refusals?: RefusalLog;
  governance: Governance;
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
