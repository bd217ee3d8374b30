/**
 * Derived artifacts: what is built from a version's values outside Rewind's own tables — a
 * cache namespace in front of serving, a model's pre-joined feature-vector table, a dashboard.
 * A pointer change makes them stale, so every committed change refreshes the artifacts of the
 * versions involved, in dependency order (data → models → dashboards: a model's table is
 * rebuilt from fresh data, a dashboard drawn from fresh models), with one event per artifact.
 *
 * Two halves, on either side of the commit:
 * - before it, {@link planArtifacts} decides which artifacts, in which order, and what will be
 *   done to each (refreshed by Rewind in the request, or requested from its owner). The plan
 *   goes into the change's history entry, in the change's own transaction, and the outbox
 *   (the history table's stream → functions/publish-pointer-events) publishes the pointer
 *   event and then one `FeatureArtifactRefreshed` event per planned artifact from that entry:
 *   a crash after the commit cannot lose them (DESIGN invariant 5).
 * - after it, and before the request returns, {@link refreshArtifacts} does the part that
 *   must be synchronous: the artifacts planned `invalidated` (locally, the serving cache
 *   namespaces) are refreshed in the request, so when a rollback returns its caches are
 *   already invalidated. It never publishes anything. A failure there stops the in-request
 *   refreshes of the tiers after it (rebuilding a model on stale data would only hide the
 *   failure: those are `skipped`), and it is reported in the response; the pointer change
 *   stands (it is committed), and the events say what was planned.
 */
import type { VersionCatalog } from './ports';
import { ARTIFACT_TIERS, type DerivedArtifact, type HistoryEntry, type PlannedArtifact, type Pointer, type VersionRecord } from './model';

/** One artifact to refresh for one pointer change. */
export interface ArtifactRefresh {
  view: string;
  /** The pointer revision the change produced: with `view`, an idempotency key for the refresh. */
  revision: number;
  action: HistoryEntry['action'];
  artifact: DerivedArtifact;
  /** The version(s) that declared it. */
  declaredBy: number[];
  /** What the view serves after the change. */
  serves: Serves;
  /** Position in the refresh order, from 0. */
  order: number;
}

/** The versions a view serves after a change: what a cache of its values may admit. */
export interface Serves {
  stable: number | null;
  candidate?: number;
}

/**
 * - invalidated: done before the request returned (e.g. a cache namespace flushed);
 * - requested: the artifact's owner is asked to rebuild it, by its event;
 * - failed: the in-request refresh threw (the pointer change stands);
 * - skipped: an artifact of an earlier tier failed in the request, so this one was not touched.
 */
export type ArtifactStatus = 'invalidated' | 'requested' | 'failed' | 'skipped';

export interface ArtifactOutcome {
  status: ArtifactStatus;
  detail?: string;
}

/** What a plan says will be done to an artifact: decided before the commit, without acting. */
export interface PlannedOutcome {
  status: PlannedArtifact['status'];
  detail?: string;
}

export interface ArtifactResult extends ArtifactOutcome {
  kind: DerivedArtifact['kind'];
  name: string;
  tier: DerivedArtifact['tier'];
  order: number;
}

/** Port: refreshes (or leaves to its owner) one artifact. */
/**
 * What planning and refreshing read: the version records involved, and the invalidator the
 * runtime wired (core/deps.ts names this module's invalidator, so this module does not name
 * the whole bag back).
 */
export interface ArtifactDeps {
  catalog: Pick<VersionCatalog, 'getVersion'>;
  artifacts?: ArtifactInvalidator;
}

export interface ArtifactInvalidator {
  /**
   * Before the commit, and without acting: will this invalidator refresh `artifact` itself in
   * the request (`invalidated`), or leave it to its owner, asked by the artifact's event
   * (`requested`)? Recorded in the history entry; the event reports it.
   */
  plan(artifact: DerivedArtifact): PlannedOutcome;
  /** After the commit, for the artifacts it planned `invalidated`. Must be idempotent per (view, revision, artifact). */
  refresh(request: ArtifactRefresh): Promise<ArtifactOutcome>;
}

/** The detail-type of the event published (through the history outbox) for each planned artifact. */
export const ARTIFACT_EVENT = 'FeatureArtifactRefreshed';

/**
 * The invalidator for artifacts Rewind does not hold itself (the AWS default): it does
 * nothing but say so, and the artifact's event is the request its owner acts on (an
 * EventBridge rule on `detail.artifact.name`).
 */
const ANNOUNCED = { status: 'requested', detail: `the ${ARTIFACT_EVENT} event asks the artifact's owner to refresh it` } as const;
export const announceOnly: ArtifactInvalidator = {
  plan: () => ANNOUNCED,
  refresh: async () => ANNOUNCED,
};

/**
 * The artifacts to refresh, in order: by tier (data, model, dashboard), then in the order the
 * versions declared them; one entry per (kind, name) however many versions declared it.
 *
 * @example artifactPlan([v2, v1]).map((a) => a.name) // ['user-cache', 'churn-vectors', 'churn-dashboard']
 */
export function artifactPlan(records: readonly Pick<VersionRecord, 'version' | 'artifacts'>[]): { artifact: DerivedArtifact; declaredBy: number[] }[] {
  const byKey = new Map<string, { artifact: DerivedArtifact; declaredBy: number[]; seq: number }>();
  let seq = 0;
  for (const record of records)
    for (const artifact of record.artifacts ?? []) {
      const key = `${artifact.kind}\0${artifact.name}`;
      const seen = byKey.get(key);
      if (seen) {
        if (!seen.declaredBy.includes(record.version)) seen.declaredBy.push(record.version);
      } else byKey.set(key, { artifact, declaredBy: [record.version], seq: seq++ });
    }
  return [...byKey.values()]
    .sort((a, b) => ARTIFACT_TIERS.indexOf(a.artifact.tier) - ARTIFACT_TIERS.indexOf(b.artifact.tier) || a.seq - b.seq)
    .map(({ artifact, declaredBy }) => ({ artifact, declaredBy }));
}

/** @example servesOf({ stable: 1, candidate: { version: 2, … }, … }) // { stable: 1, candidate: 2 } */
export function servesOf(after: Pick<Pointer, 'stable' | 'candidate'>): Serves {
  return { stable: after.stable, ...(after.candidate ? { candidate: after.candidate.version } : {}) };
}

/**
 * The refresh plan of a change from `before` to `after`, decided before it commits: the
 * artifacts of every version on either side (stable and candidate), in order, each with what
 * will be done to it (`deps.artifacts`' answer; with no invalidator, its owner is asked).
 * Reading the version records before the commit is safe: a version never changes.
 *
 * @example await planArtifacts(deps, 'v', current, after) // [{ name: 'user-cache', order: 0, status: 'invalidated', … }]
 */
export async function planArtifacts(deps: ArtifactDeps, view: string, before: Pointer | null, after: Pointer): Promise<PlannedArtifact[]> {
  // What goes live first, then what was left: within a tier, that is the refresh order.
  const versions = new Set<number>();
  for (const p of [after, before]) {
    if (p?.stable != null) versions.add(p.stable);
    if (p?.candidate) versions.add(p.candidate.version);
  }
  if (versions.size === 0) return [];
  const records = (await Promise.all([...versions].map((v) => deps.catalog.getVersion(view, v)))).filter((r): r is VersionRecord => r !== undefined);
  const invalidator = deps.artifacts ?? announceOnly;
  return artifactPlan(records).map(({ artifact, declaredBy }, order) => {
    let planned: PlannedOutcome;
    try {
      planned = invalidator.plan(artifact);
    } catch (error) {
      // An artifact never stops a pointer change: its owner is asked instead.
      planned = { status: 'requested', detail: `could not plan an in-request refresh: ${error instanceof Error ? error.message : String(error)}` };
    }
    return { kind: artifact.kind, name: artifact.name, tier: artifact.tier, order, declaredBy, status: planned.status, ...(planned.detail ? { detail: planned.detail } : {}) };
  });
}

/**
 * The synchronous half, after the commit and before the response: refresh the artifacts the
 * committed entry's plan marks `invalidated`, in order, and report every planned artifact.
 * Publishes nothing (the outbox does, from the same entry). Never throws: the change is
 * committed, and what went wrong is in the results.
 *
 * @example await refreshArtifacts(deps, committed.history) // [{ name: 'user-cache', status: 'invalidated', … }]
 */
export async function refreshArtifacts(deps: ArtifactDeps, entry: HistoryEntry): Promise<ArtifactResult[]> {
  const serves = servesOf(entry.after);
  const results: ArtifactResult[] = [];
  let failedTier: number | undefined;
  for (const { declaredBy, ...planned } of entry.artifacts ?? []) {
    const { kind, name, tier, order } = planned;
    const tierIndex = ARTIFACT_TIERS.indexOf(tier);
    const afterFailure = failedTier !== undefined && tierIndex > failedTier;
    if (planned.status === 'requested') {
      // Its committed event asks the owner whatever happens here: say so, and what failed before it.
      const note = afterFailure ? `an artifact of tier '${ARTIFACT_TIERS[failedTier!]}' failed in the request` : undefined;
      const detail = [planned.detail, note].filter(Boolean).join('; ');
      results.push({ kind, name, tier, order, status: 'requested', ...(detail ? { detail } : {}) });
      continue;
    }
    let outcome: ArtifactOutcome;
    if (afterFailure) {
      outcome = { status: 'skipped', detail: `an artifact of tier '${ARTIFACT_TIERS[failedTier!]}' failed; refresh it, then this` };
    } else if (!deps.artifacts) {
      outcome = { status: 'failed', detail: 'no artifact invalidator is configured in this function' };
    } else {
      try {
        outcome = await deps.artifacts.refresh({ view: entry.view, revision: entry.revision, action: entry.action, artifact: { kind, name, tier }, declaredBy, serves, order });
      } catch (error) {
        outcome = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
      }
    }
    if (outcome.status === 'failed') failedTier ??= tierIndex;
    results.push({ kind, name, tier, order, ...outcome });
  }
  return results;
}
