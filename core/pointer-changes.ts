/**
 * The use cases that move a pointer: activate (all at once, or as a canary or shadow
 * candidate), promote, roll back, and switch a feature off or on. Each reads the pointer,
 * decides with the pure transitions in pointer.ts, passes the tier's approval gate
 * (approvals.ts), and commits through the one transactional write the registry offers
 * (pointer + history + audit, and the approval it uses). The derived artifacts of the versions
 * involved are planned before the commit, their plan recorded in the history entry (the outbox
 * publishes their events from it), and the in-request part of it done after (artifacts.ts).
 */
import type { ActivateRequest, FeatureSwitchRequest, PromoteRequest, RollbackRequest } from './contracts';
import type { Deps } from './deps';
import { gate, tierOf, type GateResult } from './approvals';
import { planArtifacts, refreshArtifacts, type ArtifactResult } from './artifacts';
import { InvalidStateError, RevisionConflictError, ValidationError, VersionNotFoundError, VersionRejectedError, ViewNotFoundError } from './errors';
import { ensureMaterialized, type Rematerialized } from './materialize';
import type { ApprovableAction, Candidate, Pointer, PointerAction, Tier, VersionRecord } from './model';
import { activatePointer, emptyPointer, promotePointer, rollbackChanges, rollbackPointer, rollbackTarget, startCandidate, switchFeature } from './pointer';

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
  /** The approval this change used. */
  approvalId?: string;
  /** Made without an approval by an admin's break-glass reason. */
  breakGlass?: boolean;
  /** disable / enable: the feature switched. */
  feature?: string;
  /** What happened to the derived artifacts of the versions involved, in refresh order. */
  artifacts?: ArtifactResult[];
}

/**
 * Serve `request.version`: to everyone (`all-at-once`, the default), to `percent` of entities
 * (`canary`), or to nobody but the drift monitor (`shadow`).
 *
 * @example await activateVersion(deps, 'dev', 'user_profile', { version: 3, strategy: 'canary', percent: 10, bakeSeconds: 3600 })
 */
export async function activateVersion(deps: Deps, actor: string, view: string, request: ActivateRequest): Promise<PointerChangeResult> {
  const current = await currentPointer(deps, view, request.expectedRevision);
  const record = await activatableVersion(deps, view, request.version);
  const strategy = request.strategy ?? 'all-at-once';
  const trial = current.candidate;

  if (strategy === 'all-at-once') {
    if (current.stable === record.version && !trial) return unchanged('activate', current, record.version);
    if (trial && trial.version !== record.version)
      throw new InvalidStateError(`version ${trial.version} of '${view}' is on trial (${trial.strategy}); promote it or roll it back before activating version ${record.version}`);
    const approved = await gateUnlessStartApproved(deps, actor, current, record, trial);
    return move(deps, {
      action: 'activate',
      actor,
      current,
      record,
      reason: request.reason,
      gate: approved,
      next: (stamp) => activatePointer(current, record.version, stamp),
    });
  }

  const candidate: Omit<Candidate, 'startedAt' | 'startedBy'> = {
    version: record.version,
    strategy,
    percent: strategy === 'canary' ? request.percent! : 0,
    ...(request.bakeSeconds !== undefined ? { bakeSeconds: request.bakeSeconds } : {}),
  };
  if (trial && trial.version === candidate.version && trial.strategy === candidate.strategy && trial.percent === candidate.percent && trial.bakeSeconds === candidate.bakeSeconds)
    return unchanged(strategy, current, record.version);
  // Refuse what the pure transition would refuse before asking anyone for an approval.
  startCandidate(current, candidate, { actor, at: '' });
  const approved = await gateUnlessStartApproved(deps, actor, current, record, trial);
  const approvalId = approved.approval?.id ?? (trial?.version === candidate.version ? trial.approvalId : undefined);
  return move(deps, {
    action: strategy,
    actor,
    current,
    record,
    reason: request.reason,
    gate: approved,
    detail: { strategy, percent: candidate.percent, ...(candidate.bakeSeconds !== undefined ? { bakeSeconds: candidate.bakeSeconds } : {}) },
    next: (stamp) => startCandidate(current, { ...candidate, ...(approvalId ? { approvalId } : {}) }, stamp),
  });
}

/**
 * The candidate on trial becomes stable for everyone.
 *
 * @example await promoteCandidate(deps, 'dev', 'user_profile', { reason: 'canary looks good' })
 */
export async function promoteCandidate(deps: Deps, actor: string, view: string, request: PromoteRequest): Promise<PointerChangeResult> {
  const current = await currentPointer(deps, view, request.expectedRevision);
  const trial = current.candidate;
  if (!trial) throw new InvalidStateError(`'${view}' has no candidate to promote: start one with POST /views/${view}/activate { "strategy": "canary" | "shadow" }`);
  const record = await activatableVersion(deps, view, trial.version);
  const tier = await tierFor(deps, current, record);
  const approved = await gate(deps, { view, actor, action: 'promote', tier, version: record.version });
  return move(deps, { action: 'promote', actor, current, record, reason: request.reason, gate: approved, next: (stamp) => promotePointer(current, stamp) });
}

/**
 * Go back to a known-good version. During a trial, without `toVersion`, this drops the
 * candidate (marked rolled back) and the stable version keeps serving.
 */
export async function rollbackView(deps: Deps, actor: string, view: string, request: RollbackRequest): Promise<PointerChangeResult> {
  const current = await currentPointer(deps, view, request.expectedRevision);
  const target = rollbackTarget(current, request.toVersion);
  const record = await activatableVersion(deps, view, target);
  // Asking twice for the same rollback is not an error: the second finds it done.
  if (!rollbackChanges(current, target)) return unchanged('rollback', current, target);
  const tier = await tierFor(deps, current, record);
  const approved = await gate(deps, { view, actor, action: 'rollback', tier, version: target, ...breakGlass(request.breakGlassReason) });
  return move(deps, {
    action: 'rollback',
    actor,
    current,
    record,
    reason: request.reason,
    gate: approved,
    breakGlassReason: request.breakGlassReason,
    // What the rollback leaves: the candidate when only it is dropped, the stable version otherwise.
    fromVersion: current.stable === target ? (current.candidate?.version ?? null) : current.stable,
    next: (stamp) => rollbackPointer(current, target, stamp),
  });
}

/**
 * Kill switch: serve `feature` as its declared default (or null) from now on (`disabled`
 * true), or serve its values again (false). The rest of the view is untouched.
 *
 * @example await setFeatureDisabled(deps, 'oncall', 'user_profile', 'avg_basket', true, { reason: 'upstream job wrote zeros' })
 */
export async function setFeatureDisabled(
  deps: Deps,
  actor: string,
  view: string,
  feature: string,
  disabled: boolean,
  request: FeatureSwitchRequest,
): Promise<PointerChangeResult> {
  const action = disabled ? 'disable' : 'enable';
  const current = await currentPointer(deps, view, request.expectedRevision);
  if (current.stable === null) throw new InvalidStateError(`'${view}' serves nothing yet: there is no feature to ${action}`);
  const record = await activatableVersion(deps, view, current.stable);
  const trialRecord = current.candidate ? await deps.registry.getVersion(view, current.candidate.version) : undefined;
  const declared = new Set([record, trialRecord].flatMap((r) => r?.definition.features.map((f) => f.name) ?? []));
  // Enabling a feature no version declares any more must still be possible, to clean up.
  if (!declared.has(feature) && !(action === 'enable' && current.disabledFeatures.includes(feature)))
    throw new ValidationError('path.feature', `'${feature}' is not a feature of '${view}' (version ${current.stable} declares: ${[...declared].join(', ')})`);
  if (current.disabledFeatures.includes(feature) === disabled) return { ...unchanged(action, current, current.stable), feature };
  const tier = tierOf([record, trialRecord]);
  const approved = await gate(deps, { view, actor, action, tier, feature, ...breakGlass(request.breakGlassReason) });
  return move(deps, {
    action,
    actor,
    current,
    record,
    reason: request.reason,
    gate: approved,
    breakGlassReason: request.breakGlassReason,
    feature,
    next: (stamp) => switchFeature(current, feature, disabled, stamp),
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

/** The tier of the view as this change sees it: the most critical of the versions it touches. */
async function tierFor(deps: Deps, current: Pointer, target: VersionRecord): Promise<Tier> {
  const others = [current.stable, current.candidate?.version].filter((v): v is number => v != null && v !== target.version);
  const records = await Promise.all(others.map((v) => deps.registry.getVersion(current.view, v)));
  return tierOf([target, ...records]);
}

/**
 * The approval gate for serving `record`, except when it is the candidate whose start was
 * already approved: widening or promoting an approved trial needs no second approval.
 */
async function gateUnlessStartApproved(deps: Deps, actor: string, current: Pointer, record: VersionRecord, trial: Candidate | null | undefined): Promise<GateResult> {
  if (trial?.version === record.version && trial.approvalId) return {};
  const tier = await tierFor(deps, current, record);
  const action: ApprovableAction = 'activate';
  return gate(deps, { view: current.view, actor, action, tier, version: record.version });
}

function breakGlass(reason: string | undefined): { breakGlassReason?: string } {
  return reason === undefined ? {} : { breakGlassReason: reason };
}

function unchanged(action: PointerAction, pointer: Pointer, version: number): PointerChangeResult {
  return { view: pointer.view, action, changed: false, fromVersion: pointer.stable, toVersion: version, pointer };
}

interface Move {
  action: PointerAction;
  actor: string;
  current: Pointer;
  /** The version the change serves (or, for a feature switch, keeps serving). */
  record: VersionRecord;
  reason?: string;
  gate: GateResult;
  breakGlassReason?: string;
  feature?: string;
  /** Defaults to the stable version before the change. */
  fromVersion?: number | null;
  detail?: Record<string, unknown>;
  next: (stamp: { actor: string; at: string }) => Pointer;
}

async function move(deps: Deps, m: Move): Promise<PointerChangeResult> {
  const rematerialized = await ensureMaterialized(deps, m.record);
  const at = deps.clock.now().toISOString();
  const after = m.next({ actor: m.actor, at });
  const fromVersion = m.fromVersion === undefined ? m.current.stable : m.fromVersion;
  const approvalId = m.gate.approval?.id;
  const breakGlass = m.gate.breakGlass === true;
  // Decided before the commit so that the history entry carries it: the artifact events are
  // published by the outbox from that entry, never from this request (a crash after the
  // commit would lose them).
  const artifactPlan = await planArtifacts(deps, m.current.view, m.current, after);
  const governance = {
    ...(approvalId ? { approvalId } : {}),
    ...(breakGlass ? { breakGlass: true } : {}),
  };
  const committed = await deps.registry.commitPointerChange({
    before: m.current,
    after,
    history: {
      view: m.current.view,
      revision: after.revision,
      action: m.action,
      actor: m.actor,
      reason: breakGlass ? `${m.reason ?? ''}${m.reason ? ' ' : ''}(break-glass: ${m.breakGlassReason})` : m.reason,
      at,
      fromVersion,
      toVersion: m.record.version,
      before: m.current.revision === 0 ? null : m.current,
      after,
      ...(m.feature ? { feature: m.feature } : {}),
      ...governance,
      ...(artifactPlan.length ? { artifacts: artifactPlan } : {}),
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
        ...(m.feature ? { feature: m.feature } : {}),
        ...(m.detail ?? {}),
        ...(approvalId ? { approvalId, approvedBy: m.gate.approval!.approver } : {}),
        ...(breakGlass ? { breakGlass: true, breakGlassReason: m.breakGlassReason } : {}),
        ...(rematerialized ? { rematerialized } : {}),
      },
    },
    ...(m.gate.approval ? { useApproval: m.gate.approval } : {}),
  });
  // Synchronous, before the response: the in-request invalidations (the serving cache's
  // namespaces, locally), so a rollback returns with its caches already invalidated. The
  // events are not published here: the outbox publishes them from the history entry.
  const artifacts = await refreshArtifacts(deps, committed.history);
  return {
    view: m.current.view,
    action: m.action,
    changed: true,
    fromVersion,
    toVersion: m.record.version,
    pointer: committed.pointer,
    auditId: committed.audit.id,
    ...(rematerialized ? { rematerialized } : {}),
    ...governance,
    ...(m.feature ? { feature: m.feature } : {}),
    ...(artifacts.length ? { artifacts } : {}),
  };
}
