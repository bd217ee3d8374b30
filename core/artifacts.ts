/**
 * Derived artifacts: what is built from a version's values outside Rewind's own tables — a
 * cache namespace in front of serving, a model's pre-joined feature-vector table, a dashboard.
 * A pointer change makes them stale, so after every committed change Rewind refreshes the
 * artifacts of the versions involved, in dependency order (data → models → dashboards: a
 * model's table is rebuilt from fresh data, a dashboard drawn from fresh models), and emits
 * one event per artifact saying what was done.
 *
 * It runs after the commit (the pointer change never waits on, or fails because of, an
 * artifact) and before the request returns, so when a rollback returns its caches are already
 * invalidated. A failed artifact stops the tiers after it (rebuilding a model on stale data
 * would only hide the failure): those are reported `skipped`, and every outcome is in the
 * response, the log and the artifact's event.
 */
import type { Deps } from './deps';
import { ARTIFACT_TIERS, type DerivedArtifact, type HistoryEntry, type VersionRecord } from './model';

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
  serves: { stable: number | null; candidate?: number };
  /** Position in the refresh order, from 0. */
  order: number;
}

/**
 * - invalidated: done before the request returned (e.g. a cache namespace flushed);
 * - requested: the artifact's owner is asked to rebuild it, by its event;
 * - failed: the invalidator threw (the event says so);
 * - skipped: an artifact of an earlier tier failed, so this one was not touched.
 */
export type ArtifactStatus = 'invalidated' | 'requested' | 'failed' | 'skipped';

export interface ArtifactOutcome {
  status: ArtifactStatus;
  detail?: string;
}

export interface ArtifactResult extends ArtifactOutcome {
  kind: DerivedArtifact['kind'];
  name: string;
  tier: DerivedArtifact['tier'];
  order: number;
}

/** Port: invalidates (or asks for the rebuild of) one artifact. Must be idempotent per (view, revision, artifact). */
export interface ArtifactInvalidator {
  refresh(request: ArtifactRefresh): Promise<ArtifactOutcome>;
}

/** An event Rewind publishes (other than pointer changes, whose outbox is the history stream). */
export interface RewindEvent {
  detailType: string;
  /** Stable per logical event, so consumers can deduplicate redeliveries. */
  eventId: string;
  time: string;
  detail: Record<string, unknown>;
}

/** Port: publishes events, in the order given. */
export interface EventPublisher {
  publish(events: readonly RewindEvent[]): Promise<void>;
}

export const ARTIFACT_EVENT = 'FeatureArtifactRefreshed';

/**
 * The invalidator for artifacts Rewind does not hold itself (the AWS default): it does
 * nothing but say so, and the artifact's event is the request its owner acts on (an
 * EventBridge rule on `detail.artifact.name`).
 */
export const announceOnly: ArtifactInvalidator = {
  refresh: async () => ({ status: 'requested', detail: `the ${ARTIFACT_EVENT} event asks the artifact's owner to refresh it` }),
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

/**
 * Refresh the artifacts of every version a committed change touched (the versions before and
 * after it: stable and candidate on both sides), then publish one event per artifact.
 * Never throws: the change is committed, and what went wrong is in the results.
 *
 * @example await refreshArtifacts(deps, committed.history) // [{ name: 'user-cache', status: 'invalidated', … }]
 */
export async function refreshArtifacts(deps: Deps, entry: Omit<HistoryEntry, 'auditId'> & { auditId?: string }): Promise<ArtifactResult[]> {
  // What goes live first, then what was left: within a tier, that is the refresh order.
  const versions = new Set<number>();
  for (const p of [entry.after, entry.before]) {
    if (p?.stable != null) versions.add(p.stable);
    if (p?.candidate) versions.add(p.candidate.version);
  }
  if (versions.size === 0) return [];
  const records = (await Promise.all([...versions].map((v) => deps.registry.getVersion(entry.view, v)))).filter((r): r is VersionRecord => r !== undefined);
  const plan = artifactPlan(records);
  if (plan.length === 0) return [];

  const serves = { stable: entry.after.stable, ...(entry.after.candidate ? { candidate: entry.after.candidate.version } : {}) };
  const results: ArtifactResult[] = [];
  let failedTier: number | undefined;
  for (const [order, { artifact, declaredBy }] of plan.entries()) {
    const tierIndex = ARTIFACT_TIERS.indexOf(artifact.tier);
    let outcome: ArtifactOutcome;
    if (failedTier !== undefined && tierIndex > failedTier) {
      outcome = { status: 'skipped', detail: `an artifact of tier '${ARTIFACT_TIERS[failedTier]}' failed; refresh it, then this` };
    } else if (!deps.artifacts) {
      outcome = { status: 'failed', detail: 'no artifact invalidator is configured' };
    } else {
      try {
        outcome = await deps.artifacts.refresh({ view: entry.view, revision: entry.revision, action: entry.action, artifact, declaredBy, serves, order });
      } catch (error) {
        outcome = { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
      }
    }
    if (outcome.status === 'failed') failedTier ??= tierIndex;
    results.push({ kind: artifact.kind, name: artifact.name, tier: artifact.tier, order, ...outcome });
  }

  const events: RewindEvent[] = results.map((r) => ({
    detailType: ARTIFACT_EVENT,
    eventId: `${entry.view}#${entry.revision}#${r.kind}#${r.name}`,
    time: entry.at,
    detail: {
      view: entry.view,
      revision: entry.revision,
      action: entry.action,
      fromVersion: entry.fromVersion,
      toVersion: entry.toVersion,
      serves,
      ...(entry.auditId ? { auditId: entry.auditId } : {}),
      artifact: { kind: r.kind, name: r.name, tier: r.tier },
      order: r.order,
      status: r.status,
      ...(r.detail ? { detail: r.detail } : {}),
    },
  }));
  if (deps.events) {
    try {
      await deps.events.publish(events);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      for (const r of results) r.detail = r.detail ? `${r.detail}; event not published: ${why}` : `event not published: ${why}`;
    }
  }
  return results;
}
