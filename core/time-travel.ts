/**
 * The past, read back (issue 12): what a view's pointer was at an instant, and the version
 * records it named. Everything needed is already kept: history entries are immutable, one per
 * revision, in commit order, and version records are never changed or deleted.
 */
import type { Deps } from './deps';
import { route } from './canary';
import { BeforeFirstDeployError, NothingServedError, ValidationError, ViewNotFoundError } from './errors';
import type { FeatureValue, HistoryEntry, Pointer, VersionRecord } from './model';
import { servedBody, type ServedFeatures } from './serving';

export interface PointerAsOf {
  view: string;
  at: string;
  /**
   * The pointer committed at that instant (stable, candidate with strategy and percent,
   * disabled features, revision); null after the first deploy and before the first activation.
   */
  pointer: Pointer | null;
  /** The history entry that set it (null with no pointer). */
  setBy: HistoryEntry | null;
  /** The records of the versions it named, stable first, then the candidate. */
  versions: VersionRecord[];
  /**
   * For up to this long after `setBy.at`, a server holding a cached pointer may still have
   * served the one before it (REWIND_POINTER_CACHE_MS).
   */
  servingCacheMs: number;
}

/**
 * The pointer in force at `at`: the newest history entry committed at or before it, found by
 * binary search over revisions (history is keyed by revision, and revisions are committed in
 * time order), so the cost is O(log revisions) reads, never a scan of the history.
 */
export async function pointerAsOf(deps: Pick<Deps, 'pointers' | 'catalog' | 'clock'>, view: string, at: string, servingCacheMs: number): Promise<PointerAsOf> {
  const instant = Date.parse(at);
  if (instant > deps.clock.now().getTime()) throw new ValidationError('query.at', 'is in the future: the past only');
  const [current, exists] = await Promise.all([deps.pointers.getPointer(view), deps.catalog.viewExists(view)]);
  if (!exists) throw new ViewNotFoundError(view);
  const setBy = await newestEntryAtOrBefore(deps, view, current?.revision ?? 0, instant);
  if (!setBy) {
    const firstDeployedAt = (await deps.catalog.listVersions(view)).map((v) => v.createdAt).sort()[0]!;
    if (instant < Date.parse(firstDeployedAt)) throw new BeforeFirstDeployError(view, at, firstDeployedAt);
    return { view, at, pointer: null, setBy: null, versions: [], servingCacheMs };
  }
  const named = [setBy.after.stable, setBy.after.candidate?.version].filter((v): v is number => typeof v === 'number');
  const versions = (await Promise.all(named.map((v) => deps.catalog.getVersion(view, v)))).filter((r): r is VersionRecord => r !== undefined);
  return { view, at, pointer: setBy.after, setBy, versions, servingCacheMs };
}

async function newestEntryAtOrBefore(deps: Pick<Deps, 'pointers'>, view: string, newestRevision: number, instant: number): Promise<HistoryEntry | undefined> {
  let low = 1;
  let high = newestRevision;
  let found: HistoryEntry | undefined;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const entry = await deps.pointers.historyEntry(view, middle);
    // Every revision up to the pointer's exists (each is written in its change's transaction).
    if (!entry) throw new Error(`history of '${view}' has no revision ${middle} though the pointer is at ${newestRevision}`);
    if (Date.parse(entry.at) <= instant) {
      found = entry;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** What `GET /online/{view}/{entity}` answered at `at`, recomputed, and where the values were read from. */
export interface ServedAsOf extends ServedFeatures {
  at: string;
  /** The pointer revision in force at `at`. */
  revision: number;
  /** `online` while the version is materialized (its rows are immutable), `snapshot` otherwise (its verified Parquet file). */
  servedFrom: 'online' | 'snapshot';
}

/**
 * Exactly what a request for `entity` at `at` was served: the version and arm the pointer in
 * force routed it to (the canary split is a hash, core/canary.ts, so it is recomputed, not
 * stored), its disabled features as their defaults, and the values of that version: online
 * rows are written once per version and never changed, so while the version is materialized
 * they are what was served; otherwise they come from its snapshot, checked against its sha256.
 */
export async function servedAsOf(
  deps: Pick<Deps, 'pointers' | 'catalog' | 'clock' | 'online' | 'snapshots'>,
  view: string,
  entity: string,
  at: string,
  servingCacheMs: number,
): Promise<ServedAsOf> {
  const asOf = await pointerAsOf(deps, view, at, servingCacheMs);
  if (!asOf.pointer || asOf.pointer.stable === null) throw new NothingServedError(view, at);
  const { version, arm } = route(asOf.pointer, entity);
  const record = asOf.versions.find((r) => r.version === version)!;
  let stored: Record<string, FeatureValue> | undefined;
  let servedFrom: ServedAsOf['servedFrom'] = 'online';
  if ((await deps.catalog.getMaterialization(view, version))?.state === 'materialized') {
    stored = await deps.online.get(view, version, entity);
    // A purge may have started between the two reads: only a version still materialized
    // after the read vouches for "no row" (a row that was read is right either way).
    if (stored === undefined && (await deps.catalog.getMaterialization(view, version))?.state !== 'materialized') servedFrom = 'snapshot';
  } else servedFrom = 'snapshot';
  if (servedFrom === 'snapshot') stored = (await deps.snapshots.read(record.snapshot, record.definition)).find((row) => row.entity === entity)?.values;
  const served = servedBody(asOf.pointer, { version, entity, ...(arm ? { arm } : {}) }, record.definition, stored);
  return { ...served, at, revision: asOf.pointer.revision, servedFrom };
}
