/**
 * The local runtime's online table lives in an in-memory DynamoDB Local (local/runtime.ts): online
 * values are derived data, every version's snapshot is in s3rver, and DynamoDB Local's on-disk
 * store writes them many times slower (docs/benchmarks.md). So at every start the table is
 * empty, and this rebuilds it before anything is served:
 *
 * 1. every version's materialization state becomes `purged` (its rows are gone), so a version
 *    that is not served now is re-materialized by the pointer change that serves it again
 *    (`rematerialized` in its response), exactly as after a purge;
 * 2. each view's served versions (stable and candidate, from its pointer) are rebuilt from their
 *    snapshots through the state machine's own rebuild (core/materialize.ts): claimed, written,
 *    marked `materialized`.
 *
 * The gateway answers 503 `Rebuilding` to every request until this has finished, so nothing
 * partial is served and no change lands meanwhile. A start killed during the rebuild leaves
 * nothing to undo: the next start empties the table and does it all again.
 */
import { servedVersions } from '../core/authorization';
import type { Deps } from '../core/deps';
import { ensureMaterialized } from '../core/materialize';
import type { VersionRecord } from '../core/model';
import { forgetMaterializations } from '../store/dynamo-catalog';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RebuildProgress {
  versions: number;
  rows: number;
  totalRows: number;
}

export interface OnlineRebuild {
  /** Served versions rebuilt, and their rows. */
  versions: number;
  rows: number;
  ms: number;
}

export async function rebuildServedOnline(
  deps: Pick<Deps, 'catalog' | 'pointers' | 'online' | 'snapshots' | 'clock'>,
  states: { db: DynamoDBDocumentClient; versionsTable: string },
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<OnlineRebuild> {
  const started = performance.now();
  const views = await forgetMaterializations(states.db, states.versionsTable, deps.clock.now().toISOString());
  const served: VersionRecord[] = [];
  for (const view of [...views.keys()].sort()) {
    const pointer = await deps.pointers.getPointer(view);
    for (const version of servedVersions(pointer ?? undefined)) {
      const record = await deps.catalog.getVersion(view, version);
      if (!record) throw new Error(`the pointer of '${view}' serves version ${version}, which has no record`);
      served.push(record);
    }
  }
  const progress: RebuildProgress = { versions: 0, rows: 0, totalRows: served.reduce((sum, r) => sum + r.snapshot.rows, 0) };
  onProgress(progress);
  for (const record of served) {
    const before = progress.rows;
    const online: Deps['online'] = {
      get: (...a) => deps.online.get(...a),
      getMany: (...a) => deps.online.getMany(...a),
      purge: (...a) => deps.online.purge(...a),
      write: (view, version, rows) => deps.online.write(view, version, rows, (n) => onProgress({ ...progress, rows: (progress.rows = before + n) })),
    };
    // Reset to `purged` just above, so this always rebuilds; nothing else runs meanwhile.
    await ensureMaterialized({ ...deps, online }, record, { state: undefined });
    progress.versions += 1;
    onProgress(progress);
  }
  return { versions: served.length, rows: progress.rows, ms: Math.round(performance.now() - started) };
}
