/**
 * Pointer transitions as pure functions. The use cases decide with these; the store only
 * writes what they return, conditioned on the revision they started from.
 */
import { InvalidStateError, NoRollbackTargetError } from './errors';
import type { Candidate, Pointer } from './model';

/** How many earlier stable versions the pointer remembers as rollback targets. */
export const ROLLBACK_DEPTH = 50;

export function emptyPointer(view: string): Pointer {
  return { view, stable: null, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 0, updatedAt: '', updatedBy: '' };
}

interface Stamp {
  actor: string;
  at: string;
}

function stamped(pointer: Pointer, current: Pointer, stamp: Stamp): Pointer {
  return { ...pointer, revision: current.revision + 1, updatedAt: stamp.at, updatedBy: stamp.actor };
}

/** The pointer without a candidate (the field is left out, not nulled: stored items stay small). */
function withoutCandidate(pointer: Pointer): Pointer {
  const { candidate: _candidate, ...rest } = pointer;
  return rest;
}

/**
 * Serve `version` to everyone. The version left behind becomes the first rollback target.
 * An explicit activation clears a version's rolled-back mark: a person chose it again. A
 * candidate, if any, is gone: everyone now gets `version`.
 */
export function activatePointer(current: Pointer, version: number, stamp: Stamp): Pointer {
  const previousStable = current.stable === null ? current.previousStable : [...current.previousStable, current.stable];
  return stamped(
    {
      ...withoutCandidate(current),
      stable: version,
      previousStable: previousStable.slice(-ROLLBACK_DEPTH),
      rolledBack: current.rolledBack.filter((v) => v !== version),
    },
    current,
    stamp,
  );
}

/**
 * Put `candidate.version` on trial next to the stable version (canary or shadow). Starting it
 * again with other settings (a wider canary, a shadow turned canary) restarts its bake: the
 * bake measures time spent at the current exposure.
 */
export function startCandidate(current: Pointer, candidate: Omit<Candidate, 'startedAt' | 'startedBy'>, stamp: Stamp): Pointer {
  if (current.stable === null) throw new InvalidStateError(`'${current.view}' serves nothing yet: activate a first version all at once before trying one next to it`);
  if (candidate.version === current.stable) throw new InvalidStateError(`version ${candidate.version} of '${current.view}' is already stable`);
  if (current.candidate && current.candidate.version !== candidate.version)
    throw new InvalidStateError(
      `version ${current.candidate.version} of '${current.view}' is on trial (${current.candidate.strategy}); promote it or roll it back before trying version ${candidate.version}`,
    );
  return stamped(
    {
      ...current,
      candidate: { ...candidate, startedAt: stamp.at, startedBy: stamp.actor },
      rolledBack: current.rolledBack.filter((v) => v !== candidate.version),
    },
    current,
    stamp,
  );
}

/** The candidate becomes stable for everyone; the old stable version is the rollback target. */
export function promotePointer(current: Pointer, stamp: Stamp): Pointer {
  if (!current.candidate) throw new InvalidStateError(`'${current.view}' has no candidate to promote`);
  return activatePointer(current, current.candidate.version, stamp);
}

/**
 * The version a rollback goes to: `toVersion` when given; during a trial, the stable version
 * (the candidate is dropped); otherwise the most recent earlier stable version that was not
 * itself rolled back.
 */
export function rollbackTarget(current: Pointer, toVersion?: number): number {
  if (current.stable === null) throw new NoRollbackTargetError(current.view, 'it has never been activated');
  if (toVersion !== undefined) return toVersion;
  if (current.candidate) return current.stable;
  for (let i = current.previousStable.length - 1; i >= 0; i--) {
    const candidate = current.previousStable[i]!;
    if (candidate !== current.stable && !current.rolledBack.includes(candidate)) return candidate;
  }
  throw new NoRollbackTargetError(current.view, `no known-good version was stable before version ${current.stable}`);
}

/**
 * Go back to `target`. The version(s) rolled back from (the candidate on trial, and the
 * stable version when the target is another) are marked so no automatic rollback chooses
 * them again, and the rollback path is cut back to before the target.
 */
export function rollbackPointer(current: Pointer, target: number, stamp: Stamp): Pointer {
  const abandoned = [current.candidate?.version, current.stable === target ? null : current.stable].filter(
    (v): v is number => v !== null && v !== undefined && v !== target,
  );
  const rolledBack = [...current.rolledBack, ...abandoned.filter((v) => !current.rolledBack.includes(v))].filter((v) => v !== target).slice(-ROLLBACK_DEPTH);
  const base = withoutCandidate(current);
  if (current.stable === target) return stamped({ ...base, rolledBack }, current, stamp);
  const cut = current.previousStable.lastIndexOf(target);
  const previousStable = (cut >= 0 ? current.previousStable.slice(0, cut) : current.previousStable).filter((v) => v !== current.stable);
  return stamped({ ...base, stable: target, previousStable, rolledBack }, current, stamp);
}

/** Whether a rollback to `target` would change anything. */
export function rollbackChanges(current: Pointer, target: number): boolean {
  return current.stable !== target || Boolean(current.candidate);
}

/**
 * Switch one feature off (served as its declared default, or null) or back on. Applies to
 * both arms of a trial; the rest of the view keeps serving.
 */
export function switchFeature(current: Pointer, feature: string, disabled: boolean, stamp: Stamp): Pointer {
  const others = current.disabledFeatures.filter((f) => f !== feature);
  return stamped({ ...current, disabledFeatures: disabled ? [...others, feature] : others }, current, stamp);
}
