/**
 * Pointer transitions as pure functions. The use cases decide with these; the store only
 * writes what they return, conditioned on the revision they started from.
 */
import { NoRollbackTargetError } from './errors';
import type { Pointer } from './model';

/** How many earlier stable versions the pointer remembers as rollback targets. */
export const ROLLBACK_DEPTH = 50;

export function emptyPointer(view: string): Pointer {
  return { view, stable: null, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 0, updatedAt: '', updatedBy: '' };
}

interface Stamp {
  actor: string;
  at: string;
}

/**
 * Serve `version` to everyone. The version left behind becomes the first rollback target.
 * An explicit activation clears a version's rolled-back mark: a person chose it again.
 */
export function activatePointer(current: Pointer, version: number, stamp: Stamp): Pointer {
  const previousStable = current.stable === null ? current.previousStable : [...current.previousStable, current.stable];
  return {
    ...current,
    stable: version,
    previousStable: previousStable.slice(-ROLLBACK_DEPTH),
    rolledBack: current.rolledBack.filter((v) => v !== version),
    revision: current.revision + 1,
    updatedAt: stamp.at,
    updatedBy: stamp.actor,
  };
}

/**
 * The version a rollback goes to: `toVersion` when given, otherwise the most recent earlier
 * stable version that was not itself rolled back.
 */
export function rollbackTarget(current: Pointer, toVersion?: number): number {
  if (current.stable === null) throw new NoRollbackTargetError(current.view, 'it has never been activated');
  if (toVersion !== undefined) return toVersion;
  for (let i = current.previousStable.length - 1; i >= 0; i--) {
    const candidate = current.previousStable[i]!;
    if (candidate !== current.stable && !current.rolledBack.includes(candidate)) return candidate;
  }
  throw new NoRollbackTargetError(current.view, `no known-good version was stable before version ${current.stable}`);
}

/**
 * Go back to `target`. The version rolled back from is marked so no automatic rollback
 * chooses it again, and the rollback path is cut back to before the target.
 */
export function rollbackPointer(current: Pointer, target: number, stamp: Stamp): Pointer {
  const from = current.stable;
  const cut = current.previousStable.lastIndexOf(target);
  const previousStable = (cut >= 0 ? current.previousStable.slice(0, cut) : current.previousStable).filter((v) => v !== from);
  const rolledBack = from === null || current.rolledBack.includes(from) ? current.rolledBack : [...current.rolledBack, from];
  return {
    ...current,
    stable: target,
    previousStable,
    rolledBack: rolledBack.filter((v) => v !== target).slice(-ROLLBACK_DEPTH),
    revision: current.revision + 1,
    updatedAt: stamp.at,
    updatedBy: stamp.actor,
  };
}
