import type { Deps } from './deps';
import { InvalidStateError, RecentlyServedError, VersionNotFoundError } from './errors';
import { PurgeInterruptedError } from './materialize';
import type { AuditEntry, HistoryEntry, Pointer, VersionRecord } from './model';

/** Pointer changes read back to find when a version stopped being served: more than this inside one cache bound is refused outright. */
const HISTORY_LOOKBACK = 50;

export interface PurgeOptions {
  /**
   * How long a server may keep serving a pointer it has cached (REWIND_POINTER_CACHE_MS): a
   * version stops being read only this long after the change that stopped serving it.
   */
  servingCacheMs: number;
}

const serves = (pointer: Pointer | null | undefined, version: number) => pointer?.stable === version || pointer?.candidate?.version === version;

/**
 * Free the online storage of a version nobody is served, in three steps (core/materialize.ts):
 * → `purging` together with the check that the pointer is still at the revision read here
 * and serves the version neither as stable nor as candidate (and the audit entry), then the
 * deletes (each batch conditioned on `purging`), then → `purged`. Its snapshot stays, so a
 * later rollback to it re-materializes it.
 *
 * "Nobody is served" includes servers holding a cached pointer: a version that stopped being
 * served less than `servingCacheMs` ago is refused (409), so a purge right after the rollback
 * away from a version can never delete rows a server is still reading. The pointer's history
 * says when each version stopped being served; the revision check in the transaction makes
 * sure no change landed between that read and the purge's start.
 *
 * Resumable and idempotent: a purge killed half-way leaves `purging`, never `materialized`,
 * and a second DELETE runs it again from the start (deleting a row that is gone is a no-op).
 * A version over the synchronous limit is purged by a job instead (core/jobs/purge.ts), with
 * the same first step (beginCheckedPurge) and the same fenced deletes, a chunk at a time.
 */
export async function purgeOnline(deps: Deps, actor: string, view: string, version: number, options: PurgeOptions): Promise<{ deleted: number; auditId: string }> {
  const { record, audit } = await beginCheckedPurge(deps, actor, view, version, options);
  // Rows are keyed one partition per entity, so the snapshot (checked against its sha256)
  // is the list of what to delete.
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const deleted = await deps.online.purge(view, version, rows.map((r) => r.entity));
  if (!(await deps.catalog.markPurged(view, version, deps.clock.now().toISOString()))) throw new PurgeInterruptedError(view, version);
  return { deleted, auditId: audit.id };
}

/**
 * A purge's first step, shared by the synchronous purge above and a purge job's start
 * (core/jobs/purge.ts): every check (the record exists, not served, not served inside the
 * cache bound, the pointer's revision unchanged since the history was read) and → `purging`
 * with its audit entry, in one transaction. A refused purge writes nothing.
 */
export async function beginCheckedPurge(
  deps: Pick<Deps, 'catalog' | 'pointers' | 'clock'>,
  actor: string,
  view: string,
  version: number,
  options: PurgeOptions,
  audit: { action?: string; detail?: Record<string, unknown> } = {},
): Promise<{ record: VersionRecord; audit: AuditEntry }> {
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new VersionNotFoundError(view, version);
  const recent = await deps.pointers.history(view, HISTORY_LOOKBACK);
  const now = deps.clock.now();
  assertNotRecentlyServed(view, version, recent, now, options.servingCacheMs);
  const entry = await deps.pointers.beginPurge({
    view,
    version,
    revision: recent[0]?.revision ?? 0,
    at: now.toISOString(),
    audit: { actor, action: audit.action ?? 'purge', outcome: 'allowed', view, detail: { version, rows: record.snapshot.rows, ...audit.detail } },
  });
  return { record, audit: entry };
}

/** Throws when the pointer serves the version now, or served it at any moment inside the last cache bound. */
function assertNotRecentlyServed(view: string, version: number, newestFirst: readonly HistoryEntry[], now: Date, servingCacheMs: number): void {
  if (serves(newestFirst[0]?.after, version))
    throw new InvalidStateError(`version ${version} of '${view}' is being served (stable or candidate); activate, promote or roll back to another first`);
  const since = now.getTime() - servingCacheMs;
  for (const entry of newestFirst) {
    if (Date.parse(entry.at) <= since) return;
    if (serves(entry.before, version)) throw new RecentlyServedError(view, version, entry.at, servingCacheMs);
  }
  // Every change read is inside the bound: one further back may have stopped serving it.
  if (newestFirst.length >= HISTORY_LOOKBACK)
    throw new InvalidStateError(`the pointer of '${view}' changed more than ${HISTORY_LOOKBACK} times in the last ${servingCacheMs} ms; purge version ${version} once it is quiet`);
}
