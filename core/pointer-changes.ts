/**
 * Activation and rollback: the two use cases that move a pointer. Both read the pointer,
 * decide with the pure transitions in pointer.ts, and commit through the one transactional
 * write the registry offers.
 */
import type { ActivateRequest, RollbackRequest } from './contracts';
import type { Deps } from './deps';
import { RevisionConflictError, VersionNotFoundError, VersionRejectedError, ViewNotFoundError } from './errors';
import { ensureMaterialized, type Rematerialized } from './materialize';
import type { Pointer, PointerAction, VersionRecord } from './model';
import { activatePointer, emptyPointer, rollbackPointer, rollbackTarget } from './pointer';

export interface PointerChangeResult {
  view: string;
  action: PointerAction;
  /** False when the pointer already said this: nothing was written. */
  changed: boolean;
  fromVersion: number | null;
  toVersion: number;
  pointer: Pointer;
  auditId?: string;
  rematerialized?: Rematerialized;
}

export async function activateVersion(deps: Deps, actor: string, view: string, request: ActivateRequest): Promise<PointerChangeResult> {
  const current = await currentPointer(deps, view, request.expectedRevision);
  const record = await activatableVersion(deps, view, request.version);
  if (current.stable === record.version) return unchanged('activate', current, record.version);
  return move(deps, {
    action: 'activate',
    actor,
    current,
    record,
    reason: request.reason,
    next: (stamp) => activatePointer(current, record.version, stamp),
  });
}

export async function rollbackView(deps: Deps, actor: string, view: string, request: RollbackRequest): Promise<PointerChangeResult> {
  const current = await currentPointer(deps, view, request.expectedRevision);
  const target = rollbackTarget(current, request.toVersion);
  const record = await activatableVersion(deps, view, target);
  // Asking twice for the same rollback is not an error: the second finds it done.
  if (current.stable === target) return unchanged('rollback', current, target);
  return move(deps, {
    action: 'rollback',
    actor,
    current,
    record,
    reason: request.reason,
    next: (stamp) => rollbackPointer(current, target, stamp),
  });
}

async function currentPointer(deps: Deps, view: string, expectedRevision: number | undefined): Promise<Pointer> {
  const [pointer, exists] = await Promise.all([deps.registry.getPointer(view), deps.registry.viewExists(view)]);
  if (!exists) throw new ViewNotFoundError(view);
  const current = pointer ?? emptyPointer(view);
  if (expectedRevision !== undefined && expectedRevision !== current.revision)
    throw new RevisionConflictError(view, expectedRevision, current.revision, current);
  return current;
}

async function activatableVersion(deps: Deps, view: string, version: number): Promise<VersionRecord> {
  const record = await deps.registry.getVersion(view, version);
  if (!record) throw new VersionNotFoundError(view, version);
  if (record.outcome === 'rejected') throw new VersionRejectedError(view, version);
  return record;
}

function unchanged(action: PointerAction, pointer: Pointer, version: number): PointerChangeResult {
  return { view: pointer.view, action, changed: false, fromVersion: pointer.stable, toVersion: version, pointer };
}

interface Move {
  action: PointerAction;
  actor: string;
  current: Pointer;
  record: VersionRecord;
  reason?: string;
  next: (stamp: { actor: string; at: string }) => Pointer;
}

async function move(deps: Deps, m: Move): Promise<PointerChangeResult> {
  const rematerialized = await ensureMaterialized(deps, m.record);
  const at = deps.clock.now().toISOString();
  const after = m.next({ actor: m.actor, at });
  const fromVersion = m.current.stable;
  const committed = await deps.registry.commitPointerChange({
    before: m.current,
    after,
    history: {
      view: m.current.view,
      revision: after.revision,
      action: m.action,
      actor: m.actor,
      reason: m.reason,
      at,
      fromVersion,
      toVersion: m.record.version,
      before: m.current.revision === 0 ? null : m.current,
      after,
    },
    audit: {
      actor: m.actor,
      action: m.action,
      outcome: 'allowed',
      view: m.current.view,
      reason: m.reason,
      detail: {
        fromVersion,
        toVersion: m.record.version,
        revisionBefore: m.current.revision,
        revisionAfter: after.revision,
        ...(rematerialized ? { rematerialized } : {}),
      },
    },
  });
  return {
    view: m.current.view,
    action: m.action,
    changed: true,
    fromVersion,
    toVersion: m.record.version,
    pointer: committed.pointer,
    auditId: committed.audit.id,
    ...(rematerialized ? { rematerialized } : {}),
  };
}
