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
  refuseFuture(deps, instant, 'query.at');
  const newestRevision = await newestRevisionOf(deps, view);
  const setBy = await newestEntryAtOrBefore(deps, view, newestRevision, instant);
  if (!setBy) {
    const firstDeployedAt = (await deps.catalog.listVersions(view)).map((v) => v.createdAt).sort()[0]!;
    if (instant < Date.parse(firstDeployedAt)) throw new BeforeFirstDeployError(view, at, firstDeployedAt);
    return { view, at, pointer: null, setBy: null, versions: [], servingCacheMs };
  }
  const named = [setBy.after.stable, setBy.after.candidate?.version].filter((v): v is number => typeof v === 'number');
  const versions = (await Promise.all(named.map((v) => deps.catalog.getVersion(view, v)))).filter((r): r is VersionRecord => r !== undefined);
  return { view, at, pointer: setBy.after, setBy, versions, servingCacheMs };
}

/** The past only: an instant after now is refused, naming the field it came in. */
export function refuseFuture(deps: Pick<Deps, 'clock'>, instant: number, field: string): void {
  if (instant > deps.clock.now().getTime()) throw new ValidationError(field, 'is in the future: the past only');
}

/** The view's newest pointer revision (0: never activated); ViewNotFoundError for a view never deployed. */
export async function newestRevisionOf(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string): Promise<number> {
  const [current, exists] = await Promise.all([deps.pointers.getPointer(view), deps.catalog.viewExists(view)]);
  if (!exists) throw new ViewNotFoundError(view);
  return current?.revision ?? 0;
}

/** The newest history entry committed at or before `instant` among revisions 1..newestRevision (undefined: none yet), by binary search. */
export async function newestEntryAtOrBefore(deps: Pick<Deps, 'pointers'>, view: string, newestRevision: number, instant: number): Promise<HistoryEntry | undefined> {
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
  const read = await readVersionValues(deps, view, record, [entity]);
  const served = servedBody(asOf.pointer, { version, entity, ...(arm ? { arm } : {}) }, record.definition, read.values.get(entity));
  return { ...served, at, revision: asOf.pointer.revision, servedFrom: read.servedFrom.get(entity) ?? read.from };
}

/** A version's stored values for some entities, and where each was read from. */
export interface VersionValues {
  values: Map<string, Record<string, FeatureValue>>;
  /** Where the values were read from, for every entity asked about. */
  servedFrom: Map<string, ServedAsOf['servedFrom']>;
  /** Where the read started: `online` while the version was materialized. */
  from: ServedAsOf['servedFrom'];
}

/**
 * The stored values of `entities` in one version, as they were served: online rows are written
 * once per version and never changed, so while the version is materialized they are what was
 * served (one batched read); otherwise they come from its snapshot, verified (the row groups
 * that hold them when the snapshot has an index, store/s3-snapshots.ts). Both the single
 * time-travel lookup and the training sets (core/training-sets.ts) read values here.
 */
export async function readVersionValues(
  deps: Pick<Deps, 'catalog' | 'online' | 'snapshots'>,
  view: string,
  record: VersionRecord,
  entities: readonly string[],
): Promise<VersionValues> {
  const values = new Map<string, Record<string, FeatureValue>>();
  const servedFrom = new Map<string, ServedAsOf['servedFrom']>();
  let fromSnapshot: readonly string[] = entities;
  const materialized = (await deps.catalog.getMaterialization(view, record.version))?.state === 'materialized';
  if (materialized && entities.length > 0) {
    const stored = await deps.online.getMany(
      view,
      entities.map((entity) => ({ version: record.version, entity })),
    );
    const missing: string[] = [];
    entities.forEach((entity, i) => {
      const row = stored[i];
      if (row) values.set(entity, row);
      else missing.push(entity);
      servedFrom.set(entity, 'online');
    });
    // A purge may have started between the two reads: only a version still materialized
    // after the read vouches for "no row" (a row that was read is right either way).
    fromSnapshot = missing.length > 0 && (await deps.catalog.getMaterialization(view, record.version))?.state !== 'materialized' ? missing : [];
  }
  if (fromSnapshot.length > 0) {
    const found = await deps.snapshots.lookup(record.snapshot, record.definition, fromSnapshot);
    for (const entity of fromSnapshot) {
      const row = found.get(entity);
      if (row) values.set(entity, row);
      servedFrom.set(entity, 'snapshot');
    }
  }
  return { values, servedFrom, from: materialized ? 'online' : 'snapshot' };
}
