/**
 * The one decision point (DESIGN invariant 11). Every permission a request needs is decided
 * here, from one reading of the policy per request: the role and MFA for the route's action at
 * the tier it acts on, the `break-glass` permission, the approval a tier asks for, and the
 * activation a deploy with `activate: true` implies.
 *
 * Two moments, one set of rules:
 *  - {@link RequestAuthorization}, made by the HTTP edge for every request: what can be judged
 *    before the use case runs (the role alone when every tier answers the same, else the
 *    view's tier: its pointer read once);
 *  - {@link authorizeChange}, called by the pointer-change use cases once they know what the
 *    pointer will serve: the tier judged is that of every version served before or after the
 *    change, so a request cannot pick a lower tier by what it names or leaves out (issue 10
 *    finding 4: a rollback with `{ reason }` alone lands on the same version as `toVersion`).
 *
 * Rewind's own actors (`system:alarm/…`, `system:canary/…`) are judged by nothing: the safety
 * net must never wait for a person.
 */
import type { Deps } from './deps';
import { ApprovalRequiredError, InvalidStateError } from './errors';
import type { ApprovableAction, Approval, Pointer, Principal, Tier, VersionRecord } from './model';
import { decide, decideWithoutTier, enforce, isSystemActor, tierPolicy, type Action, type PolicyDocument } from './access-policy';

/**
 * A person making a request: their verified claims, and the policy they are judged by once it
 * is read (once per request: by the edge; for a pointer change, by the use case in its one
 * round of reads, alongside the pointer, or the revision its container judged by last, which
 * the change's transaction checks is still the newest).
 */
export interface Caller {
  principal: Principal;
  policy?: PolicyDocument;
}

/** A caller whose policy has been read. */
export type JudgedCaller = Required<Caller>;

/**
 * Who moves a pointer: a person (judged here), or a name: Rewind's own actors, and callers
 * that judged the request themselves (unit tests), whose changes still pass the approval gate.
 */
export type Actor = string | Caller;

export function actorName(actor: Actor): string {
  return typeof actor === 'string' ? actor : actor.principal.sub;
}

/** A view is as critical as the most critical version involved (so a tier cannot be lowered around the rules). */
export function tierOf(records: readonly (Pick<VersionRecord, 'definition'> | undefined)[]): Tier {
  return records.some((r) => r?.definition.tier === 'critical') ? 'critical' : 'standard';
}

/** The versions a pointer serves: stable and candidate. */
export function servedVersions(pointer: Pick<Pointer, 'stable' | 'candidate'> | undefined): number[] {
  return [pointer?.stable, pointer?.candidate?.version].filter((v): v is number => typeof v === 'number');
}

export interface TierHints {
  /** Versions the request names (the one it approves, the one it activates). */
  versions?: readonly number[];
  /** A tier the request declares (a deploy's definition). */
  tier?: Tier;
}

/**
 * The edge's half: one per request. `require` judges an action at the view's tier, reading
 * the pointer (and the records it names) at most once however many actions are judged.
 *
 * @example
 * const auth = new RequestAuthorization(deps, caller, 'payments', () => ({ tier: body.definition.tier }));
 * await auth.require('deploy'); if (body.activate) await auth.requireActivationOnDeploy();
 */
export class RequestAuthorization {
  private tier: Promise<Tier> | undefined;

  constructor(
    private readonly deps: Pick<Deps, 'pointers' | 'catalog'>,
    readonly caller: JudgedCaller,
    readonly view: string | undefined,
    private readonly hints: () => TierHints = () => ({}),
  ) {}

  /** The decision when the tier does not change it (no read at all); undefined when it does. */
  early(action: Action): boolean {
    const decision = decideWithoutTier(this.caller.policy, this.caller.principal, action);
    if (!decision) return false;
    enforce(decision, this.caller.principal, action, this.view);
    return true;
  }

  async require(action: Action): Promise<void> {
    if (this.early(action)) return;
    enforce(decide(this.caller.policy, this.caller.principal, action, await this.viewTier()), this.caller.principal, action, this.view);
  }

  /**
   * `activate: true` on a deploy is an activation too: the caller must be allowed it, and the
   * tier must not need an approval, which a version cannot have before it exists. Refused
   * before anything is written.
   */
  async requireActivationOnDeploy(): Promise<void> {
    await this.require('activate');
    const tier = await this.viewTier();
    if (!tierPolicy(this.caller.policy, tier).approvals.includes('activate')) return;
    const view = this.view ?? '';
    throw new ApprovalRequiredError(
      `'${view}' is ${tier}: activating a version needs a second person's approval, which a version cannot have before it exists. ` +
        `Deploy without "activate": true, have an approver POST /views/${view}/approvals for the new version, then activate it`,
      this.caller.principal.sub,
      'activate',
      view,
    );
  }

  /** The most critical of what the view serves now, the versions the request names and the tier it declares. */
  viewTier(): Promise<Tier> {
    return (this.tier ??= (async () => {
      const hints = this.hints();
      if (hints.tier === 'critical' || !this.view) return hints.tier ?? 'standard';
      const view = this.view;
      const pointer = await this.deps.pointers.getPointer(view);
      const versions = new Set([...servedVersions(pointer), ...(hints.versions ?? [])]);
      return tierOf(await Promise.all([...versions].map((v) => this.deps.catalog.getVersion(view, v))));
    })());
  }
}

/**
 * What a pointer change can be judged on as soon as its pointer is read, before the use case
 * decides anything (so a caller who may not act learns nothing about the view's state): each
 * action at the tier of what the view serves now and the versions the request names.
 * {@link authorizeChange} then judges the change itself, at the tier of what it will serve.
 */
export async function authorizeBeforeChange(
  deps: Pick<Deps, 'catalog'>,
  caller: JudgedCaller,
  view: string,
  pointer: Pointer | undefined,
  actions: readonly Action[],
  named: readonly number[],
): Promise<void> {
  let tier: Tier | undefined;
  for (const action of actions) {
    const early = decideWithoutTier(caller.policy, caller.principal, action);
    if (!early) {
      tier ??= tierOf(await Promise.all([...new Set([...servedVersions(pointer), ...named])].map((v) => deps.catalog.getVersion(view, v))));
      enforce(decide(caller.policy, caller.principal, action, tier), caller.principal, action, view);
    } else enforce(early, caller.principal, action, view);
  }
}

/** What a pointer change asks for, as the use case found it. */
export interface ChangeRequest {
  view: string;
  /** The route's action (`activate` for a canary or shadow start too). */
  action: ApprovableAction;
  /** The tier of every version served before or after the change: {@link tierOf}. */
  tier: Tier;
  /** The version the change serves (activate, promote) or returns to (rollback). */
  version?: number;
  feature?: string;
  /** Given instead of an approval: needs the `break-glass` permission, and a tier that allows it for this action. */
  breakGlassReason?: string;
  /** The view's newest approvals, read when {@link needsApproval} says the decision looks at them (else empty). */
  approvals: readonly Approval[];
  /** The approval was given already (a trial's start): role and MFA are judged, no second approval is asked. */
  startApproved?: boolean;
  /** The policy in force for this request: read once, or remembered and checked by the commit. */
  policy: PolicyDocument;
  /** ISO time of the change. */
  now: string;
}

export interface ChangeDecision {
  /** The approval the change relies on: the commit marks it used. */
  approval?: Approval;
  breakGlass?: true;
}

/**
 * A pointer change's transaction found a policy revision after the one the change was judged
 * by (PointerChange.policyRevision): nothing was written, and the change is judged again by
 * the revision in force (core/pointer-changes.ts), so no change lands under superseded rules.
 */
export class PolicySupersededError extends InvalidStateError {
  constructor(
    readonly view: string,
    readonly judgedBy: number,
  ) {
    super(`the access policy changed (a revision after ${judgedBy} is in force) while the change of '${view}' was decided; nothing was changed, try again`);
  }
}

/**
 * Whether {@link authorizeChange} will look at the view's approvals: only for a person (or a
 * named caller) making a change the tier lists under `approvals`, without a trial's approved
 * start or a break-glass reason (which replaces an approval, or is refused whatever the
 * approvals say). The use case reads approvals only then.
 */
export function needsApproval(actor: Actor, request: Pick<ChangeRequest, 'action' | 'tier' | 'policy' | 'startApproved' | 'breakGlassReason'>): boolean {
  if (isSystemActor(actorName(actor)) || request.startApproved || request.breakGlassReason !== undefined) return false;
  return tierPolicy(request.policy, request.tier).approvals.includes(request.action);
}

/**
 * Let a pointer change through, or refuse it: a ForbiddenError (MfaRequiredError,
 * ApprovalRequiredError), which the edge audits. Role and MFA first (for a person), then
 * break-glass, then the tier's approval rule.
 *
 * @example authorizeChange(caller, { view: 'payments', action: 'rollback', tier: 'critical', version: 1, approvals, policy, now })
 */
export function authorizeChange(actor: Actor, request: ChangeRequest): ChangeDecision {
  const name = actorName(actor);
  if (isSystemActor(name)) return {};
  const { policy } = request;
  if (typeof actor !== 'string') {
    enforce(decide(policy, actor.principal, request.action, request.tier), actor.principal, request.action, request.view);
    // Going without an approval is its own permission (an admin's, by default).
    if (request.breakGlassReason !== undefined) enforce(decide(policy, actor.principal, 'break-glass', request.tier), actor.principal, 'break-glass', request.view);
  }
  const rules = tierPolicy(policy, request.tier);
  if (!rules.approvals.includes(request.action) || request.startApproved) return {};
  if (request.breakGlassReason !== undefined) {
    if (rules.breakGlass.includes(request.action)) return { breakGlass: true };
    throw new ApprovalRequiredError(
      `break-glass does not apply to ${request.action} on a ${request.tier} view: it needs an approval (break-glass is for ${rules.breakGlass.join(', ') || 'nothing'})`,
      name,
      request.action,
      request.view,
    );
  }
  const { now } = request;
  const usable = request.approvals.find(
    (a) =>
      !a.usedAt &&
      a.expiresAt > now &&
      a.action === request.action &&
      (a.version === undefined || a.version === request.version) &&
      (a.feature === undefined || a.feature === request.feature) &&
      a.approver !== name,
  );
  if (usable) return { approval: usable };
  const own = request.approvals.some((a) => !a.usedAt && a.expiresAt > now && a.action === request.action && a.approver === name);
  const what = `${request.action}${request.version !== undefined ? ` of version ${request.version}` : ''}${request.feature ? ` of feature '${request.feature}'` : ''}`;
  const alternative = rules.breakGlass.includes(request.action) ? ", or an admin's breakGlassReason" : '';
  throw new ApprovalRequiredError(
    `${what} on '${request.view}' (tier ${request.tier}) needs an approval from a second person${own ? ` (your own approval does not count)` : ''}: ` +
      `POST /views/${request.view}/approvals { "action": "${request.action}"${request.version !== undefined ? `, "version": ${request.version}` : ''} }${alternative}`,
    name,
    request.action,
    request.view,
  );
}
