/**
 * Materialization as a guarded state machine (DESIGN invariant 8, docs/materialization.md):
 *
 *   materializing ──▶ materialized ──▶ purging ──▶ purged
 *        ▲                                │          │
 *        └────────── rebuild ◀────────────┴──────────┘
 *
 * Every transition is a conditional write. Three guards make "served ⇒ every row present":
 *  - a pointer change's transaction checks that each version it will serve is `materialized`;
 *  - a purge starts (→ `purging`) in one transaction with a check that the pointer serves the
 *    version neither as stable nor as candidate, so a purge and a pointer change naming the
 *    same version cannot both land;
 *  - each delete batch of a purge is conditioned on `purging`, so a rebuild's claim
 *    (→ `materializing`) fences off a purge still running (or killed and never resumed):
 *    no row written after the claim is deleted.
 */
import type { Deps } from './deps';
import { InvalidStateError } from './errors';
import type { Materialization, VersionRecord } from './model';

export interface Rematerialized {
  rows: number;
  ms: number;
}

/** A pointer change's transaction found a version it would serve not `materialized` (a purge started after it looked). */
export class NotMaterializedError extends InvalidStateError {
  constructor(
    readonly view: string,
    readonly versions: readonly number[],
  ) {
    super(`version ${versions.join(', ')} of '${view}' is not fully materialized (a purge or a rebuild is under way); nothing was changed, try again`);
  }
}

/** A purge stopped because a rebuild claimed the version: it is being served again, or about to be. */
export class PurgeInterruptedError extends InvalidStateError {
  constructor(view: string, version: number) {
    super(`the purge of version ${version} of '${view}' was stopped: a rollback or activation is re-materializing it`);
  }
}

/**
 * Make sure a version's online values all exist before the pointer moves to it. A version that
 * is not `materialized` (purged, half-purged by an interrupted purge, or half-built by an
 * interrupted rebuild) is rebuilt from its snapshot (checked against its sha256), so a way
 * back to an old version is still safe, only slower; the caller reports that it happened.
 *
 * Two concurrent rebuilds of one version both claim it and both write: the rows are the same
 * immutable snapshot, so the writes are idempotent. Only the latest claim may mark it
 * `materialized`: an earlier claimer's rows may have been deleted by a purge that ran between
 * the two claims, and only the later one writes every row after the last delete. Claiming
 * without exclusion needs no lease that a killed process would leave behind. A purge that
 * starts meanwhile makes the mark fail: the rebuild throws NotMaterializedError and the
 * pointer change retries (or answers 409), never serving the holes.
 */
export async function ensureMaterialized(
  deps: Pick<Deps, 'catalog' | 'online' | 'snapshots' | 'clock'>,
  record: VersionRecord,
  /** The state as known already (a pointer change's commit found it not `materialized`): saves reading it again. */
  known?: { state: Materialization | undefined },
): Promise<Rematerialized | undefined> {
  const { view, version } = record;
  const state = known ? known.state : await deps.catalog.getMaterialization(view, version);
  // Only a state read as `materialized` skips the rebuild; the commit re-checks it in its transaction.
  if (state?.state === 'materialized') return undefined;
  const started = performance.now();
  const claim = await deps.catalog.claimMaterialization(view, version, deps.clock.now().toISOString());
  if (claim === undefined) return undefined;
  const rows = await deps.snapshots.read(record.snapshot, record.definition);
  const written = await deps.online.write(view, version, rows);
  if (!(await deps.catalog.markMaterialized(view, version, written, deps.clock.now().toISOString(), claim))) throw new NotMaterializedError(view, [version]);
  return { rows: written, ms: Math.round(performance.now() - started) };
}
