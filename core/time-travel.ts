/**
 * The past, read back (issue 12): what a view's pointer was at an instant, and the version
 * records it named. Everything needed is already kept: history entries are immutable, one per
 * revision, in commit order, and version records are never changed or deleted.
 */
import type { Deps } from './deps';
import { BeforeFirstDeployError, ValidationError, ViewNotFoundError } from './errors';
import type { HistoryEntry, Pointer, VersionRecord } from './model';

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
