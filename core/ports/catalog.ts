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
  putMaterialization(state: Materialization): Promise<void>;
}
