/**
 * The bake: a candidate started with `bakeSeconds` is promoted automatically once that long
 * has passed since it started (at its current exposure) and no alarm about the view has been
 * in ALARM since. A scheduled function runs this every minute (locally: a periodic runner),
 * so it must be idempotent: the promotion is conditioned on the pointer revision that was
 * judged, and a candidate that is gone, changed or already promoted is left alone.
 *
 * A clean alarm over a canary nobody called is no evidence: a candidate is promoted only once
 * its served sample since the trial started holds `minBakeSamples` rows (its monitor policy,
 * core/validation/tolerances.ts `bakeHasEvidence`); until then it waits, and says why.
 *
 * An alarm during the bake normally rolls the view back on its own (functions/alarm-rollback,
 * which drops the candidate); the alarm check here covers what that does not: an alarm that
 * was already in ALARM when the canary started (CloudWatch only announces transitions), or
 * one the rollback declined to act on.
 */
import type { Deps } from './deps';
import { InvalidStateError, RevisionConflictError } from './errors';
import { promoteCandidate } from './pointer-changes';
import type { SampleStore } from './sampling';
import { bakeHasEvidence, monitorPolicyOf } from './validation/tolerances';

/** Most sample batches read for one bake's evidence (a day of 20 s flushes from a few containers). */
const MAX_BAKE_BATCHES = 20_000;

/**
 * Whether the candidate served enough to be judged: its sampled rows since the trial started
 * against its policy's `minBakeSamples`. Reading stops as soon as the count is reached.
 */
async function bakeEvidence(deps: Pick<Deps, 'catalog'>, samples: Pick<SampleStore, 'recent'>, view: string, version: number, since: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const record = await deps.catalog.getVersion(view, version);
  const monitor = monitorPolicyOf(record?.validation);
  if (monitor.minBakeSamples === 0) return { ok: true };
  const batches = await samples.recent(view, version, since, MAX_BAKE_BATCHES);
  return bakeHasEvidence({ samples: batches.reduce((n, b) => n + b.rows.length, 0) }, monitor);
}

/** Port: what the alarms about a view say (CloudWatch in AWS, the local evaluator locally). */
export interface AlarmStatus {
  /**
   * Names of the alarms about `view` that are in ALARM now, or entered ALARM at or after
   * `since`; empty when none. Throws when it cannot tell (then nothing is promoted).
   */
  alarmsSince(view: string, since: Date): Promise<string[]>;
}

/** Who promotes after a bake (a system actor: no approval, core/approvals.ts). */
export const BAKE_ACTOR = 'system:canary/bake';

export type BakeOutcome =
  | { view: string; action: 'promoted'; version: number; revision: number; auditId?: string }
  | { view: string; action: 'waiting'; version: number; dueAt: string }
  /** Not promoted: an alarm, an unknown alarm state, too little evidence (minBakeSamples), or a pointer that moved. */
  | { view: string; action: 'held'; version: number; why: string };

/**
 * Promote every candidate whose bake has passed cleanly.
 *
 * @example await promoteBakedCandidates(deps, alarms) // [{ view: 'user_profile', action: 'promoted', version: 3, revision: 7 }]
 */
export async function promoteBakedCandidates(deps: Deps, alarms: AlarmStatus, samples?: Pick<SampleStore, 'recent'>): Promise<BakeOutcome[]> {
  const outcomes: BakeOutcome[] = [];
  const now = deps.clock.now();
  for (const view of await deps.catalog.listViews()) {
    const pointer = await deps.pointers.getPointer(view);
    const candidate = pointer?.candidate;
    if (!pointer || !candidate || candidate.bakeSeconds === undefined) continue;
    const startedAt = new Date(candidate.startedAt);
    const dueAt = new Date(startedAt.getTime() + candidate.bakeSeconds * 1000);
    if (now < dueAt) {
      outcomes.push({ view, action: 'waiting', version: candidate.version, dueAt: dueAt.toISOString() });
      continue;
    }
    if (samples) {
      const evidence = await bakeEvidence(deps, samples, view, candidate.version, candidate.startedAt);
      if (!evidence.ok) {
        outcomes.push({ view, action: 'held', version: candidate.version, why: evidence.reason });
        continue;
      }
    }
    let firing: string[];
    try {
      firing = await alarms.alarmsSince(view, startedAt);
    } catch (error) {
      outcomes.push({ view, action: 'held', version: candidate.version, why: `alarm state unknown: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (firing.length > 0) {
      outcomes.push({ view, action: 'held', version: candidate.version, why: `alarm(s) in ALARM since the ${candidate.strategy} started: ${firing.join(', ')}` });
      continue;
    }
    try {
      const result = await promoteCandidate(deps, BAKE_ACTOR, view, {
        expectedRevision: pointer.revision,
        reason: `${candidate.strategy} of version ${candidate.version} baked ${candidate.bakeSeconds} s with no alarm`,
      });
      outcomes.push({ view, action: 'promoted', version: candidate.version, revision: result.pointer.revision, ...(result.auditId ? { auditId: result.auditId } : {}) });
    } catch (error) {
      // Someone moved the pointer since it was read (promoted, rolled back, widened): they acted.
      if (error instanceof RevisionConflictError || error instanceof InvalidStateError)
        outcomes.push({ view, action: 'held', version: candidate.version, why: `the pointer moved meanwhile (${error.message})` });
      else throw error;
    }
  }
  return outcomes;
}
