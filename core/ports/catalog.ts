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
   * already (nothing to rebuild). Returns the claim's id, or undefined when it is
   * `materialized` already. Two rebuilders may both claim (they write the same rows); the
   * later claim replaces the earlier one's id.
   */
  claimMaterialization(view: string, version: number, at: string): Promise<string | undefined>;
  /**
   * `materializing` under this claim → `materialized` with its row count (or `materialized`
   * already). False when the version was taken meanwhile: by a purge (its rows may be gone)
   * or by a later claim, which may have been made while a purge was deleting, and whose
   * writes are not finished yet: only the claim that wrote after the last delete may mark.
   */
  markMaterialized(view: string, version: number, rows: number, at: string, claim: string): Promise<boolean>;
  /** `purging` → `purged`. False when a rebuild took the version meanwhile. */
  markPurged(view: string, version: number, at: string): Promise<boolean>;
}
