import type { Deps } from './deps';
import { InvalidStateError, VersionNotFoundError } from './errors';

/**
 * Free the online storage of a version nobody is served. Its snapshot stays, so a later
 * rollback to it re-materializes it. Refused for the version being served.
 */
export async function purgeOnline(deps: Deps, actor: string, view: string, version: number): Promise<{ deleted: number; auditId: string }> {
  const [record, pointer] = await Promise.all([deps.catalog.getVersion(view, version), deps.pointers.getPointer(view)]);
  if (!record) throw new VersionNotFoundError(view, version);
  if (pointer?.stable === version) throw new InvalidStateError(`version ${version} of '${view}' is being served; activate or roll back to another first`);
  // Rows are keyed one partition per entity, so the snapshot (checked against its sha256)
  // is the list of what to delete.
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const deleted = await deps.online.purge(view, version, rows.map((r) => r.entity));
  const at = deps.clock.now().toISOString();
  await deps.catalog.putMaterialization({ view, version, state: 'purged', rows: 0, updatedAt: at });
  const audit = await deps.audit.appendAudit({ actor, action: 'purge', outcome: 'allowed', view, detail: { version, deleted } });
  return { deleted, auditId: audit.id };
}
