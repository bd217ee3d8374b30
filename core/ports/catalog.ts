/** The version catalog: immutable version records, the per-view counter, materialization state. */
import type { AuditDraft, AuditEntry, Materialization, VersionRecord } from '../model';

export interface VersionCatalog {
  /** Atomically takes the next version number of a view, registering the view if new. */
  nextVersionNumber(view: string, at: string): Promise<number>;
  /** Writes a version record and its audit entry together; a record is never overwritten. */
  putVersion(record: VersionRecord, audit: AuditDraft): Promise<AuditEntry>;
  getVersion(view: string, version: number): Promise<VersionRecord | undefined>;
  listVersions(view: string): Promise<VersionRecord[]>;
  listViews(): Promise<string[]>;
  viewExists(view: string): Promise<boolean>;

  getMaterialization(view: string, version: number): Promise<Materialization | undefined>;
  /**
   * → `materializing`, only if the version is not `materialized` (no state yet, or
   * `materializing`, `purging`, `purged`). Taking a `purging` version stops its purge: every
   * delete batch of a purge is conditioned on `purging`. False when it is `materialized`
   * already (nothing to rebuild). Two rebuilders may both claim: they write the same rows.
   */
  claimMaterialization(view: string, version: number, at: string): Promise<boolean>;
  /** `materializing` → `materialized` with its row count. False when a purge took the version meanwhile (its rows may be gone). */
  markMaterialized(view: string, version: number, rows: number, at: string): Promise<boolean>;
  /** `purging` → `purged`. False when a rebuild took the version meanwhile. */
  markPurged(view: string, version: number, at: string): Promise<boolean>;
}
