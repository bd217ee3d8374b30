import type { Deps } from './deps';
import type { VersionRecord } from './model';

export interface Rematerialized {
  rows: number;
  ms: number;
}

/**
 * Make sure a version's online values exist before the pointer moves to it. A purged
 * version is rebuilt from its snapshot (checked against its sha256), so rollback to an old
 * version is still safe, only slower; the caller reports that it happened.
 */
export async function ensureMaterialized(deps: Deps, record: VersionRecord): Promise<Rematerialized | undefined> {
  const state = await deps.registry.getMaterialization(record.view, record.version);
  if (state?.state !== 'purged') return undefined;
  const started = performance.now();
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const written = await deps.online.write(record.view, record.version, rows);
  await deps.registry.putMaterialization({
    view: record.view,
    version: record.version,
    state: 'materialized',
    rows: written,
    updatedAt: deps.clock.now().toISOString(),
  });
  return { rows: written, ms: Math.round(performance.now() - started) };
}
