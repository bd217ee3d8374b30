import type { Deps } from './deps';
import { VersionNotFoundError } from './errors';
import { PurgeInterruptedError } from './materialize';

/**
 * Free the online storage of a version nobody is served, in three steps (core/materialize.ts):
 * → `purging` together with the check that the pointer serves it neither as stable nor as
 * candidate (and the audit entry), then the deletes (each batch conditioned on `purging`),
 * then → `purged`. Its snapshot stays, so a later rollback to it re-materializes it.
 *
 * Resumable and idempotent: a purge killed half-way leaves `purging`, never `materialized`,
 * and a second DELETE runs it again from the start (deleting a row that is gone is a no-op).
 */
export async function purgeOnline(deps: Deps, actor: string, view: string, version: number): Promise<{ deleted: number; auditId: string }> {
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new VersionNotFoundError(view, version);
  const audit = await deps.pointers.beginPurge({
    view,
    version,
    at: deps.clock.now().toISOString(),
    audit: { actor, action: 'purge', outcome: 'allowed', view, detail: { version, rows: record.snapshot.rows } },
  });
  // Rows are keyed one partition per entity, so the snapshot (checked against its sha256)
  // is the list of what to delete.
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const deleted = await deps.online.purge(view, version, rows.map((r) => r.entity));
  if (!(await deps.catalog.markPurged(view, version, deps.clock.now().toISOString()))) throw new PurgeInterruptedError(view, version);
  return { deleted, auditId: audit.id };
}
