/**
 * Four eyes on the views that matter (the rules themselves are judged in core/authorization.ts). A tier's policy lists the pointer changes that need an
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
import type { ApprovalRequest } from './requests';
import type { Deps } from './deps';
import { ForbiddenError, VersionNotFoundError, VersionRejectedError, ViewNotFoundError } from './errors';
import { authorizeChange, type ChangeDecision } from './authorization';
import type { ApprovableAction, Approval, Principal, Tier } from './model';
import { isSystemActor } from './access-policy';
import { currentPolicy } from './access-policy-store';

/**
 * Approve one pointer change of `view`. The approver may not approve a version they deployed.
 *
 * @example await approve(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, 'payments', { action: 'activate', version: 7 })
 */
export async function approve(deps: Pick<Deps, 'catalog' | 'governance' | 'clock'>, principal: Principal, view: string, request: ApprovalRequest): Promise<Approval & { auditId: string }> {
  if (!(await deps.catalog.viewExists(view))) throw new ViewNotFoundError(view);
  if (request.version !== undefined) {
    const record = await deps.catalog.getVersion(view, request.version);
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
  const audit = await deps.governance.putApproval(approval, {
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

export async function listApprovals(deps: Pick<Deps, 'catalog' | 'governance' | 'clock'>, view: string, limit: number): Promise<ApprovalState[]> {
  if (!(await deps.catalog.viewExists(view))) throw new ViewNotFoundError(view);
  const now = deps.clock.now().toISOString();
  return (await deps.governance.listApprovals(view, limit)).map((a) => ({ ...a, state: a.usedAt ? 'used' : a.expiresAt <= now ? 'expired' : 'usable' }));
}

/** The approvals a gate looks through: the view's newest. */
export const APPROVALS_SCANNED = 100;

export interface GateInput {
  view: string;
  actor: string;
  action: ApprovableAction;
  tier: Tier;
  version?: number;
  feature?: string;
  breakGlassReason?: string;
}

/**
 * The approval rule alone, reading what it needs (the policy, the view's approvals): for
 * callers outside a request. Requests are judged by core/authorization.ts authorizeChange,
 * from what the use case read in its one round.
 *
 * @example await gate(deps, { view: 'payments', actor: 'dev', action: 'activate', tier: 'critical', version: 7 }) // { approval: {...} }
 */
export async function gate(deps: Pick<Deps, 'governance' | 'clock'>, input: GateInput): Promise<ChangeDecision> {
  if (isSystemActor(input.actor)) return {};
  const [{ document }, approvals] = await Promise.all([currentPolicy(deps.governance), deps.governance.listApprovals(input.view, APPROVALS_SCANNED)]);
  const { actor, ...request } = input;
  return authorizeChange(actor, { ...request, approvals, policy: document, now: deps.clock.now().toISOString() });
}

export { tierOf } from './authorization';
