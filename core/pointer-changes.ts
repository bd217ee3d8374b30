/**
 * The use cases that move a pointer: activate (all at once, or as a canary or shadow
 * candidate), promote, roll back, and switch a feature off or on. Each reads what it needs in
 * one round (the pointer and the audit chain's head; the policy once per container), decides
 * with the pure transitions in pointer.ts, is judged by core/authorization.ts at the tier of
 * every version served before or after the change (reading the view's approvals only when
 * that tier asks for one), and commits through the one transactional write the pointer log
 * offers (pointer + history + audit, and the approval it uses), whose ConditionChecks are the
 * guards for what was not read: each served version is `materialized`, the policy revision
 * judged by is still the newest. The derived artifacts of the versions
 * involved are planned before the commit, their plan recorded in the history entry (the outbox
 * publishes their events from it), and the in-request part of it done after (artifacts.ts).
 */
import type { ActivateRequest, FeatureSwitchRequest, PromoteRequest, RollbackRequest } from './requests';
import type { Deps } from './deps';
import { APPROVALS_SCANNED } from './approvals';
import { actorName, authorizeBeforeChange, authorizeChange, needsApproval, PolicySupersededError, servedVersions, tierOf, type Actor, type ChangeDecision } from './authorization';
import { planArtifacts, refreshArtifacts, type ArtifactResult } from './artifacts';
import { InvalidStateError, RevisionConflictError, ValidationError, VersionNotFoundError, VersionRejectedError, ViewNotFoundError } from './errors';
import { ensureMaterialized, NotMaterializedError, type Rematerialized } from './materialize';
import type { ApprovableAction, Candidate, Pointer, PointerAction, VersionRecord } from './model';
import { DEFAULT_POLICY, isSystemActor, type PolicyDocument } from './access-policy';
import { currentPolicy, type PolicyView } from './access-policy-store';
import { activatePointer, emptyPointer, promotePointer, rollbackChanges, rollbackPointer, rollbackTarget, startCandidate, switchFeature } from './pointer';
import type { ChainEnd } from './ports';

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
export function activateVersion(deps: Deps, actor: Actor, view: string, request: ActivateRequest): Promise<PointerChangeResult> {
  return retryingLostRaces(deps, request.expectedRevision, (judging) => activateOnce(deps, actor, view, request, judging));
}

async function activateOnce(deps: Deps, actor: Actor, view: string, request: ActivateRequest, judging: Judging): Promise<PointerChangeResult> {
  const round = await readRound(deps, actor, view, { action: 'activate', named: request.version, expectedRevision: request.expectedRevision }, judging);
  // After the round: a caller who may not activate learns nothing, not even whether the version exists.
  const record = await activatableVersion(deps, view, request.version);
  const { current } = round;
  const strategy = request.strategy ?? 'all-at-once';
  const trial = current.candidate;
  // Widening or promoting a trial whose start was approved needs no second approval.
  const startApproved = trial?.version === record.version && trial.approvalId !== undefined;

  if (strategy === 'all-at-once') {
    if (current.stable === record.version && !trial) return unchanged('activate', current, record.version);
    if (trial && trial.version !== record.version)
      throw new InvalidStateError(`version ${trial.version} of '${view}' is on trial (${trial.strategy}); promote it or roll it back before activating version ${record.version}`);
    return move(deps, round, {
      action: 'activate',
      approvable: 'activate',
      actor,
      record,
      reason: request.reason,
      startApproved,
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
  startCandidate(current, candidate, { actor: actorName(actor), at: '' });
  return move(deps, round, {
    action: strategy,
    approvable: 'activate',
    actor,
    record,
    reason: request.reason,
    startApproved,
    detail: { strategy, percent: candidate.percent, ...(candidate.bakeSeconds !== undefined ? { bakeSeconds: candidate.bakeSeconds } : {}) },
    next: (stamp, decision) => {
      const approvalId = decision.approval?.id ?? (trial?.version === candidate.version ? trial.approvalId : undefined);
      return startCandidate(current, { ...candidate, ...(approvalId ? { approvalId } : {}) }, stamp);
    },
  });
}

/**
 * The candidate on trial becomes stable for everyone.
 *
 * @example await promoteCandidate(deps, 'dev', 'user_profile', { reason: 'canary looks good' })
 */
export function promoteCandidate(deps: Deps, actor: Actor, view: string, request: PromoteRequest): Promise<PointerChangeResult> {
  return retryingLostRaces(deps, request.expectedRevision, (judging) => promoteOnce(deps, actor, view, request, judging));
}

async function promoteOnce(deps: Deps, actor: Actor, view: string, request: PromoteRequest, judging: Judging): Promise<PointerChangeResult> {
  const round = await readRound(deps, actor, view, { action: 'promote', expectedRevision: request.expectedRevision }, judging);
  const { current } = round;
  const trial = current.candidate;
  if (!trial) throw new InvalidStateError(`'${view}' has no candidate to promote: start one with POST /views/${view}/activate { "strategy": "canary" | "shadow" }`);
  const record = await activatableVersion(deps, view, trial.version);
  return move(deps, round, { action: 'promote', approvable: 'promote', actor, record, reason: request.reason, next: (stamp) => promotePointer(current, stamp) });
}

/**
 * Go back to a known-good version. During a trial, without `toVersion`, this drops the
 * candidate (marked rolled back) and the stable version keeps serving.
 *
 * Costs one round of reads issued together (the pointer and the audit chain's head; the
 * policy too on a container's first change) and one TransactWriteItems, whose
 * ConditionChecks stand for the materialization states and the policy's revision (nothing
 * reads them unless a check fails); approvals are read only on a tier that asks for one;
 * version records are immutable and cached per container.
 */
export function rollbackView(deps: Deps, actor: Actor, view: string, request: RollbackRequest): Promise<PointerChangeResult> {
  return retryingLostRaces(deps, request.expectedRevision, (judging) => rollbackOnce(deps, actor, view, request, judging));
}

async function rollbackOnce(deps: Deps, actor: Actor, view: string, request: RollbackRequest, judging: Judging): Promise<PointerChangeResult> {
  const round = await readRound(
    deps,
    actor,
    view,
    {
      action: 'rollback',
      breakGlass: request.breakGlassReason !== undefined,
      named: request.toVersion,
      expectedRevision: request.expectedRevision,
    },
    judging,
  );
  const { current } = round;
  const target = rollbackTarget(current, request.toVersion);
  const record = await activatableVersion(deps, view, target);
  // Asking twice for the same rollback is not an error: the second finds it done.
  if (!rollbackChanges(current, target)) return unchanged('rollback', current, target);
  return move(deps, round, {
    action: 'rollback',
    approvable: 'rollback',
    actor,
    record,
    reason: request.reason,
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
export function setFeatureDisabled(deps: Deps, actor: Actor, view: string, feature: string, disabled: boolean, request: FeatureSwitchRequest): Promise<PointerChangeResult> {
  return retryingLostRaces(deps, request.expectedRevision, (judging) => switchOnce(deps, actor, view, feature, disabled, request, judging));
}

async function switchOnce(
  deps: Deps,
  actor: Actor,
  view: string,
  feature: string,
  disabled: boolean,
  request: FeatureSwitchRequest,
  judging: Judging,
): Promise<PointerChangeResult> {
  const action = disabled ? 'disable' : 'enable';
  const round = await readRound(deps, actor, view, { action, breakGlass: request.breakGlassReason !== undefined, expectedRevision: request.expectedRevision }, judging);
  const { current } = round;
  if (current.stable === null) throw new InvalidStateError(`'${view}' serves nothing yet: there is no feature to ${action}`);
  const record = await activatableVersion(deps, view, current.stable);
  const trialRecord = current.candidate ? await deps.catalog.getVersion(view, current.candidate.version) : undefined;
  const declared = new Set([record, trialRecord].flatMap((r) => r?.definition.features.map((f) => f.name) ?? []));
  // Enabling a feature no version declares any more must still be possible, to clean up.
  if (!declared.has(feature) && !(action === 'enable' && current.disabledFeatures.includes(feature)))
    throw new ValidationError('path.feature', `'${feature}' is not a feature of '${view}' (version ${current.stable} declares: ${[...declared].join(', ')})`);
  if (current.disabledFeatures.includes(feature) === disabled) return { ...unchanged(action, current, current.stable), feature };
  return move(deps, round, {
    action,
    approvable: action,
    actor,
    record,
    reason: request.reason,
    breakGlassReason: request.breakGlassReason,
    feature,
    next: (stamp) => switchFeature(current, feature, disabled, stamp),
  });
}

/**
 * How many times a pointer change that named no `expectedRevision` is run again after losing
 * the commit to a concurrent change. The caller asked for an outcome ("roll back", "activate
 * v3"), not for a change of one particular revision, so the decision is made again on the
 * fresh state (its reads, its authorization, its approval): it may then find the work done
 * (`changed: false`) or refuse for what is true now. 409 stays for a stale `expectedRevision`,
 * as documented, and for a change that loses this many races in a row. A change judged by a
 * policy superseded meanwhile is run again too, with or without `expectedRevision` (that
 * names a pointer revision, not a policy's).
 */
export const LOST_RACE_RETRIES = 4;

/** How an attempt of a change comes by the policy it is judged by. */
interface Judging {
  /** Read the stored policy, not the revision this container judged its last change by. */
  fresh: boolean;
  /** Set by the round: the policy is the remembered revision (an answer that writes nothing is given again by the stored one). */
  remembered?: boolean;
}

async function retryingLostRaces(deps: Deps, expectedRevision: number | undefined, attempt: (judging: Judging) => Promise<PointerChangeResult>): Promise<PointerChangeResult> {
  const judging: Judging = { fresh: false };
  for (let lost = 0; ; lost++) {
    try {
      const result = await attempt(judging);
      // Nothing written, so no transaction checked the rules it was judged by, and the
      // remembered revision may be old: the answer is given again by the stored one.
      if (!result.changed && judging.remembered) {
        judging.fresh = true;
        continue;
      }
      return result;
    } catch (error) {
      // A change never lands under superseded rules (its commit's check), and nothing else is
      // answered by them: a refusal, a 404, a 409 given by the remembered revision (which no
      // transaction checked) is given again by the stored policy.
      const superseded = error instanceof PolicySupersededError;
      const unchecked = judging.remembered === true;
      if (superseded) policyJudgedBy.delete(deps.governance);
      if (superseded || unchecked) judging.fresh = true;
      if (lost >= LOST_RACE_RETRIES || (!superseded && !unchecked && (expectedRevision !== undefined || !(error instanceof RevisionConflictError)))) throw error;
    }
  }
}

/**
 * The policy revision each container judged its last change by, per governance port. It
 * costs a change no read: the change's transaction checks that no later revision exists
 * (PointerChange.policyRevision), so a change goes through only by the rules in force when
 * it lands, and a refusal by it is judged again by the stored policy (retryingLostRaces).
 * Policies change seldom; a change after one pays a failed transaction once.
 */
const policyJudgedBy = new WeakMap<Deps['governance'], PolicyView>();

/** The stored policy, remembered for the next change. */
async function readPolicy(governance: Deps['governance']): Promise<PolicyView> {
  const policy = await currentPolicy(governance);
  policyJudgedBy.set(governance, policy);
  return policy;
}

/** What a pointer change reads before deciding, issued together: one round trip. */
interface Round {
  current: Pointer;
  policy: PolicyDocument;
  /** The stored revision `policy` is (absent: one the caller brought, or none for Rewind's own actors). */
  policyRevision?: number;
  /** The audit chain's end, handed to the commit so the append reads nothing more. */
  chainEnd: ChainEnd;
  judging: Judging;
}

/** What the request is judged on before anything else: the route's action, break-glass when asked for, and a version it names. */
interface Asked {
  action: ApprovableAction;
  breakGlass?: boolean;
  named?: number | undefined;
  expectedRevision?: number | undefined;
}

async function readRound(deps: Deps, actor: Actor, view: string, asked: Asked, judging: Judging): Promise<Round> {
  const { named, expectedRevision } = asked;
  const system = isSystemActor(actorName(actor));
  // Brought by the caller, or not needed (Rewind's own actors are not judged); else the
  // revision this container judged by last, or, in the round with the pointer, the stored one.
  const given = typeof actor !== 'string' ? actor.policy : system ? DEFAULT_POLICY : undefined;
  const remembered = given || judging.fresh ? undefined : policyJudgedBy.get(deps.governance);
  judging.remembered = remembered !== undefined;
  // No materialization state is read: the commit's ConditionChecks are the guard (invariant
  // 8), and a version they find not `materialized` is rebuilt then (see `move`). No approvals
  // either: only a change that needs one reads them, once it knows its tier (see `move`).
  const [pointer, chainEnd, stored] = await Promise.all([
    deps.pointers.getPointer(view),
    deps.audit.chainEnd(view),
    given ? undefined : (remembered ?? readPolicy(deps.governance)),
  ]);
  const policy = given ?? stored!.document;
  if (typeof actor !== 'string') {
    const actions = asked.breakGlass ? [asked.action, 'break-glass' as const] : [asked.action];
    await authorizeBeforeChange(deps, { principal: actor.principal, policy }, view, pointer, actions, named === undefined ? [] : [named]);
  }
  // Only a view with no pointer yet needs its catalog entry read: one that has a pointer exists.
  if (!pointer && !(await deps.catalog.viewExists(view))) throw new ViewNotFoundError(view);
  const current = pointer ?? emptyPointer(view);
  if (expectedRevision !== undefined && expectedRevision !== current.revision)
    throw new RevisionConflictError(view, expectedRevision, current.revision, current);
  return { current, policy, ...(stored ? { policyRevision: stored.revision } : {}), chainEnd, judging };
}

async function activatableVersion(deps: Deps, view: string, version: number): Promise<VersionRecord> {
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new VersionNotFoundError(view, version);
  if (record.outcome === 'rejected') throw new VersionRejectedError(view, version);
  return record;
}

function unchanged(action: PointerAction, pointer: Pointer, version: number): PointerChangeResult {
  return { view: pointer.view, action, changed: false, fromVersion: pointer.stable, toVersion: version, pointer };
}

interface Move {
  action: PointerAction;
  /** The action the policy judges (a canary or shadow start is an activation). */
  approvable: ApprovableAction;
  actor: Actor;
  /** The version the change serves (or, for a feature switch, keeps serving). */
  record: VersionRecord;
  reason?: string;
  breakGlassReason?: string | undefined;
  /** The candidate's start was approved already. */
  startApproved?: boolean;
  feature?: string;
  /** Defaults to the stable version before the change. */
  fromVersion?: number | null;
  detail?: Record<string, unknown>;
  next: (stamp: { actor: string; at: string }, decision: ChangeDecision) => Pointer;
}

async function move(deps: Deps, round: Round, m: Move): Promise<PointerChangeResult> {
  const { current } = round;
  const actor = actorName(m.actor);
  const at = deps.clock.now().toISOString();
  // The tier judged is that of every version served before or after the change, whatever the
  // request named: the pointer after is known before anything is decided.
  const after = m.next({ actor, at }, {});
  const served = new Set([...servedVersions(current), ...servedVersions(after)]);
  const records = await Promise.all([...served].map((v) => (v === m.record.version ? m.record : deps.catalog.getVersion(current.view, v))));
  const tier = tierOf([m.record, ...records]);
  const judged = { action: m.approvable, tier, policy: round.policy, ...(m.startApproved ? { startApproved: true } : {}), ...(m.breakGlassReason !== undefined ? { breakGlassReason: m.breakGlassReason } : {}) };
  // Consistent, and read only now that the tier is known: most changes need no approval.
  const approvals = needsApproval(m.actor, judged) ? await deps.governance.listApprovals(current.view, APPROVALS_SCANNED) : [];
  const decision = authorizeChange(m.actor, {
    view: current.view,
    action: m.approvable,
    tier,
    ...(m.approvable === 'disable' || m.approvable === 'enable' ? {} : { version: m.record.version }),
    ...(m.feature ? { feature: m.feature } : {}),
    ...(m.breakGlassReason !== undefined ? { breakGlassReason: m.breakGlassReason } : {}),
    approvals,
    ...(m.startApproved ? { startApproved: true } : {}),
    policy: round.policy,
    now: at,
  });
  const approved = decision;
  const next = m.next({ actor, at }, approved);
  const fromVersion = m.fromVersion === undefined ? current.stable : m.fromVersion;
  const approvalId = approved.approval?.id;
  const breakGlass = approved.breakGlass === true;
  // Decided before the commit so that the history entry carries it: the artifact events are
  // published by the outbox from that entry, never from this request (a crash after the
  // commit would lose them).
  const artifactPlan = await planArtifacts(deps, current.view, current, next);
  const governance = {
    ...(approvalId ? { approvalId } : {}),
    ...(breakGlass ? { breakGlass: true } : {}),
  };
  // Invariant 8: every version `next` serves is fully materialized when the pointer names it.
  // The commit checks each in its transaction: that check is the guard, so nothing is read
  // before it. The first commit assumes they are (a way back is almost always to a version
  // still materialized); one it finds not `materialized` (purged, half-built) fails it, is
  // rebuilt here, and the change commits again. A purge that starts after a rebuild fails the
  // next commit the same way (a purge can only start while the pointer does not name the
  // version), so the loop rebuilds again, up to MATERIALIZATION_ATTEMPTS times.
  const servedAfter = servedVersions(next);
  // From here on, the commit's transaction checks the policy (PolicySupersededError when a
  // later revision exists): what it answers is not given by unchecked rules.
  round.judging.remembered = false;
  let rematerialized: Rematerialized | undefined;
  let unmaterialized: readonly number[] = [];
  for (let rebuilds = 0; ; rebuilds++) {
    try {
      if (rebuilds > 0) {
        const rebuilt = await rebuildServed(deps, m.record, unmaterialized);
        rematerialized ??= rebuilt;
      }
      return await commit(rematerialized, rebuilds);
    } catch (error) {
      if (!(error instanceof NotMaterializedError) || rebuilds >= MATERIALIZATION_ATTEMPTS) throw error;
      unmaterialized = error.versions;
    }
  }

  async function commit(rematerialized: Rematerialized | undefined, rebuilds: number): Promise<PointerChangeResult> {
    // Stamped when the commit is sent, not when the change was decided: a purge measures the
    // staleness bound from this instant (core/purge.ts), and a rebuild before the commit can
    // take long; stamped earlier, a purge could start while servers still cache this pointer's
    // predecessor. The same instant is what time travel answers "in force since".
    const committedAt = deps.clock.now().toISOString();
    const after = m.next({ actor, at: committedAt }, approved);
    const committed = await deps.pointers.commitPointerChange({
      served: servedAfter,
      ...(round.policyRevision !== undefined ? { policyRevision: round.policyRevision } : {}),
      before: current,
      after,
      history: {
        view: current.view,
        revision: next.revision,
        action: m.action,
        actor,
        reason: breakGlass ? `${m.reason ?? ''}${m.reason ? ' ' : ''}(break-glass: ${m.breakGlassReason})` : m.reason,
        at: committedAt,
        fromVersion,
        toVersion: m.record.version,
        before: current.revision === 0 ? null : current,
        after,
        ...(m.feature ? { feature: m.feature } : {}),
        ...governance,
        ...(artifactPlan.length ? { artifacts: artifactPlan } : {}),
      },
      audit: {
        actor,
        action: m.action,
        outcome: 'allowed',
        view: current.view,
        reason: m.reason,
        detail: {
          fromVersion,
          toVersion: m.record.version,
          revisionBefore: current.revision,
          revisionAfter: next.revision,
          ...(m.feature ? { feature: m.feature } : {}),
          ...(m.detail ?? {}),
          ...(approvalId ? { approvalId, approvedBy: approved.approval!.approver } : {}),
          ...(breakGlass ? { breakGlass: true, breakGlassReason: m.breakGlassReason } : {}),
          ...(rematerialized ? { rematerialized } : {}),
        },
      },
      ...(approved.approval ? { useApproval: approved.approval } : {}),
      // Read in the round before; a rebuild took long enough that another writer may have appended since.
      ...(rebuilds > 0 ? {} : { chainEnd: round.chainEnd }),
    });
    // Synchronous, before the response: the in-request invalidations (the serving cache's
    // namespaces, locally), so a rollback returns with its caches already invalidated. The
    // events are not published here: the outbox publishes them from the history entry.
    const artifacts = await refreshArtifacts(deps, committed.history);
    return {
      view: current.view,
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
}

/** A pointer change meets a purge (or a half-built version) this many times in a row before it answers 409. */
const MATERIALIZATION_ATTEMPTS = 3;

/** Rebuilds each of `versions` (found not `materialized` by a commit); what it did for the change's own version (or the first rebuilt). */
async function rebuildServed(deps: Deps, record: VersionRecord, versions: readonly number[]): Promise<Rematerialized | undefined> {
  let first: Rematerialized | undefined;
  for (const version of versions) {
    const target = version === record.version ? record : await activatableVersion(deps, record.view, version);
    // The commit's check found it not `materialized`: no need to read the state again (the claim is conditional).
    const done = await ensureMaterialized(deps, target, { state: undefined });
    if (done && (version === record.version || !first)) first = done;
  }
  return first;
}
