import type { Deps } from './deps';
import type { Materialization, VersionRecord } from './model';

export interface Rematerialized {
  rows: number;
  ms: number;
}

/**
 * Make sure a version's online values exist before the pointer moves to it. A purged
 * version is rebuilt from its snapshot (checked against its sha256), so rollback to an old
 * version is still safe, only slower; the caller reports that it happened.
 */
export async function ensureMaterialized(
  deps: Pick<Deps, 'catalog' | 'online' | 'snapshots' | 'clock'>,
  record: VersionRecord,
  /** The state as read already (in the caller's round of reads): saves reading it again. */
  known?: { state: Materialization | undefined },
): Promise<Rematerialized | undefined> {
  const state = known ? known.state : await deps.catalog.getMaterialization(record.view, record.version);
  if (state?.state !== 'purged') return undefined;
  const started = performance.now();
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const written = await deps.online.write(record.view, record.version, rows);
  await deps.catalog.putMaterialization({
    view: record.view,
    version: record.version,
    state: 'materialized',
    rows: written,
    updatedAt: deps.clock.now().toISOString(),
  });
  return { rows: written, ms: Math.round(performance.now() - started) };
}
