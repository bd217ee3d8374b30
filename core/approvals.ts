/**
 * Four eyes on the views that matter. A tier's policy lists the pointer changes that need an
 * approval (DEFAULT_POLICY: activating and rolling back a critical view); such a change goes
 * through only with an unused, unexpired approval from someone other than the person making
 * it, and uses the approval up in the same transaction as the pointer change. For the safety
 * actions the tier lists under `breakGlass` (a rollback), a break-glass reason from a role
 * allowed to `break-glass` (an admin) replaces the approval and is recorded as such.
 *
 * Rewind's own actors (`system:alarm/…` rolling back on an alarm, `system:canary/…`
 * promoting after a bake) need no approval: the safety net must never wait for a person, and
 * a bake only finishes what an approved start began.
 */
import { randomBytes } from 'node:crypto';
import type { ApprovalRequest } from './contracts';
import type { Deps } from './deps';
import { ApprovalRequiredError, ForbiddenError, VersionNotFoundError, VersionRejectedError, ViewNotFoundError } from './errors';
import type { ApprovableAction, Approval, Principal, Tier, VersionRecord } from './model';
import { isSystemActor, tierPolicy } from './policy';
import { currentPolicy } from './policy-store';

/** How many of a view's newest approvals are considered when looking for a usable one. */
const APPROVALS_SCANNED = 100;

/** A view is as critical as the most critical version involved (so a tier cannot be lowered around the rules). */
export function tierOf(records: readonly (Pick<VersionRecord, 'definition'> | undefined)[]): Tier {
  return records.some((r) => r?.definition.tier === 'critical') ? 'critical' : 'standard';
}

export interface TierHints {
  /** Versions the request names (the one it activates, the one it rolls back to). */
  versions?: readonly number[];
  /** A tier the request declares (a deploy's definition). */
  tier?: Tier;
}

/**
 * The tier a request on `view` is judged at: the most critical of the versions it serves now
 * (stable and candidate), the versions the request names, and the tier it declares.
 *
 * @example await viewTier(deps, 'payments', { versions: [7] }) // 'critical'
 */
export async function viewTier(deps: Pick<Deps, 'registry'>, view: string, hints: TierHints = {}): Promise<Tier> {
  if (hints.tier === 'critical') return 'critical';
  const pointer = await deps.registry.getPointer(view);
  const versions = new Set([pointer?.stable, pointer?.candidate?.version, ...(hints.versions ?? [])].filter((v): v is number => typeof v === 'number'));
  const records = await Promise.all([...versions].map((v) => deps.registry.getVersion(view, v)));
  return tierOf(records);
}

/**
 * Approve one pointer change of `view`. The approver may not approve a version they deployed.
 *
 * @example await approve(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, 'payments', { action: 'activate', version: 7 })
 */
export async function approve(deps: Deps, principal: Principal, view: string, request: ApprovalRequest): Promise<Approval & { auditId: string }> {
  if (!(await deps.registry.viewExists(view))) throw new ViewNotFoundError(view);
  if (request.version !== undefined) {
    const record = await deps.registry.getVersion(view, request.version);
    if (!record) throw new VersionNotFoundError(view, request.version);
    if (record.outcome === 'rejected') throw new VersionRejectedError(view, request.version);
    if (record.createdBy === principal.sub)
      throw new ForbiddenError(`'${principal.sub}' deployed version ${request.version} of '${view}' and cannot also approve it: a second person must`, principal.sub, 'approve', view);
  }
  const now = deps.clock.now();
  const approval: Approval = {
    view,
    id: `${now.toISOString()}#${randomBytes(4).toString('hex')}`,
    action: request.action,
    ...(request.version !== undefined ? { version: request.version } : {}),
    ...(request.feature !== undefined ? { feature: request.feature } : {}),
    approver: principal.sub,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    at: now.toISOString(),
    expiresAt: new Date(now.getTime() + request.expiresInSeconds * 1000).toISOString(),
  };
  const audit = await deps.registry.putApproval(approval, {
    actor: principal.sub,
    action: 'approve',
    outcome: 'allowed',
    view,
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
    detail: { approvalId: approval.id, approves: approval.action, version: approval.version, feature: approval.feature, expiresAt: approval.expiresAt },
  });
  return { ...approval, auditId: audit.id };
}

export type ApprovalState = Approval & { state: 'usable' | 'used' | 'expired' };

export async function listApprovals(deps: Deps, view: string, limit: number): Promise<ApprovalState[]> {
  if (!(await deps.registry.viewExists(view))) throw new ViewNotFoundError(view);
  const now = deps.clock.now().toISOString();
  return (await deps.registry.listApprovals(view, limit)).map((a) => ({ ...a, state: a.usedAt ? 'used' : a.expiresAt <= now ? 'expired' : 'usable' }));
}

export interface GateInput {
  view: string;
  actor: string;
  action: ApprovableAction;
  tier: Tier;
  /** The version the change serves (activate, promote) or returns to (rollback). */
  version?: number;
  feature?: string;
  /** Given instead of an approval; the edge has checked the caller may `break-glass`. */
  breakGlassReason?: string;
}

export interface GateResult {
  /** The approval the change relies on: the commit marks it used. */
  approval?: Approval;
  breakGlass?: true;
}

/**
 * Let a pointer change through, or refuse it (ApprovalRequiredError, a 403 that is audited),
 * by the tier's policy.
 *
 * @example await gate(deps, { view: 'payments', actor: 'dev', action: 'activate', tier: 'critical', version: 7 }) // { approval: {...} }
 */
export async function gate(deps: Deps, input: GateInput): Promise<GateResult> {
  if (isSystemActor(input.actor)) return {};
  const { document } = await currentPolicy(deps.registry);
  const rules = tierPolicy(document, input.tier);
  if (!rules.approvals.includes(input.action)) return {};
  if (input.breakGlassReason !== undefined) {
    if (rules.breakGlass.includes(input.action)) return { breakGlass: true };
    throw new ApprovalRequiredError(
      `break-glass does not apply to ${input.action} on a ${input.tier} view: it needs an approval (break-glass is for ${rules.breakGlass.join(', ') || 'nothing'})`,
      input.actor,
      input.action,
      input.view,
    );
  }
  const now = deps.clock.now().toISOString();
  const approvals = await deps.registry.listApprovals(input.view, APPROVALS_SCANNED);
  const usable = approvals.find(
    (a) =>
      !a.usedAt &&
      a.expiresAt > now &&
      a.action === input.action &&
      (a.version === undefined || a.version === input.version) &&
      (a.feature === undefined || a.feature === input.feature) &&
      a.approver !== input.actor,
  );
  if (usable) return { approval: usable };
  const own = approvals.some((a) => !a.usedAt && a.expiresAt > now && a.action === input.action && a.approver === input.actor);
  const what = `${input.action}${input.version !== undefined ? ` of version ${input.version}` : ''}${input.feature ? ` of feature '${input.feature}'` : ''}`;
  const alternative = rules.breakGlass.includes(input.action) ? ", or an admin's breakGlassReason" : '';
  throw new ApprovalRequiredError(
    `${what} on '${input.view}' (tier ${input.tier}) needs an approval from a second person${own ? ` (your own approval does not count)` : ''}: ` +
      `POST /views/${input.view}/approvals { "action": "${input.action}"${input.version !== undefined ? `, "version": ${input.version}` : ''} }${alternative}`,
    input.actor,
    input.action,
    input.view,
  );
}

/**
 * A deploy that activates in the same request cannot have an approval: the version does not
 * exist until the deploy writes it. Refuse before anything is written when the tier needs one.
 *
 * @example await refuseUnapprovableActivation(deps, 'dev', 'payments', 'critical') // throws ApprovalRequiredError
 */
export async function refuseUnapprovableActivation(deps: Pick<Deps, 'registry'>, actor: string, view: string, tier: Tier): Promise<void> {
  if (isSystemActor(actor)) return;
  const { document } = await currentPolicy(deps.registry);
  if (!tierPolicy(document, tier).approvals.includes('activate')) return;
  throw new ApprovalRequiredError(
    `'${view}' is ${tier}: activating a version needs a second person's approval, which a version cannot have before it exists. ` +
      `Deploy without "activate": true, have an approver POST /views/${view}/approvals for the new version, then activate it`,
    actor,
    'activate',
    view,
  );
}
