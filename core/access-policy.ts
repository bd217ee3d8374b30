/**
 * Who may do what, per tier, as one document (policy as data). The HTTP edge asks `decide`
 * for every request; the pointer-change use cases ask `tierPolicy(...).approvals` whether a
 * change needs a second person. The document lives in the governance store (one immutable item per
 * revision, core/access-policy-store.ts); until someone changes it, DEFAULT_POLICY applies.
 *
 * What the document cannot change, on purpose:
 *  - `administer` (proposing a change to the policy itself, or an admin's break-glass change)
 *    is an admin's, with MFA, always, and `approve-policy` (approving another person's
 *    proposal) an admin's or an approver's, with MFA, always: a policy that locked them out
 *    could never be repaired through the API;
 *  - `republish` (replaying a view's committed events) is an admin's, always;
 *  - system actors (`system:alarm/…`, `system:canary/…`) are not judged by it: the safety net
 *    (automatic rollback) must never wait for a person.
 */
import * as z from 'zod';
import { ForbiddenError, MfaRequiredError } from './errors';
import { APPROVABLE_ACTIONS, TIERS, type ApprovableAction, type Principal, type Tier } from './model';

export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export { ACTIONS, GRANTABLE_ACTIONS, type Action, type GrantableAction } from '../contract/actions';
import { GRANTABLE_ACTIONS, type Action, type GrantableAction } from '../contract/actions';

/** The role that may change the policy (with MFA), whatever the document says. */
export const POLICY_ADMIN_ROLE = 'admin';
/** The roles that may approve another person's policy proposal (with MFA), whatever the document says. */
export const POLICY_APPROVER_ROLES: readonly string[] = ['admin', 'approver'];

export interface TierPolicy {
  /** Role → actions it may take on views of this tier. A role not listed may do nothing. */
  grants: Record<string, GrantableAction[]>;
  /** Actions on this tier that need a token with MFA (`amr` includes `mfa`). */
  mfa: GrantableAction[];
  /** Pointer changes on this tier that need an approval from a second person who may `approve`. */
  approvals: ApprovableAction[];
  /** Of those, the ones a `break-glass` reason may replace the approval for (safety actions). */
  breakGlass: ApprovableAction[];
}

export interface PolicyDocument {
  tiers: Record<Tier, TierPolicy>;
}

const CHANGES: GrantableAction[] = ['deploy', 'activate', 'promote', 'rollback', 'disable', 'enable', 'approve', 'purge', 'break-glass'];
const POINTER_CHANGES: GrantableAction[] = ['deploy', 'activate', 'promote', 'rollback', 'disable', 'enable'];

/**
 * The policy in force until an admin stores another. Standard views: deployers run their own
 * releases. Critical views: every change needs MFA; activation needs an approver who is not
 * the requester; a manual rollback needs an approval or an admin's break-glass reason;
 * a kill switch needs MFA but no approval (switching one bad feature off is a safety action
 * that must not wait); purging online values is an admin's. Approvers approve and read, nothing else; admins do
 * everything except approve (so an admin cannot be both halves of the four eyes).
 */
export const DEFAULT_POLICY: PolicyDocument = {
  tiers: {
    standard: {
      grants: {
        viewer: ['read'],
        deployer: ['read', ...POINTER_CHANGES, 'purge', 'upload'],
        approver: ['read', 'approve'],
        admin: ['read', ...POINTER_CHANGES, 'purge', 'upload', 'break-glass'],
      },
      mfa: [],
      approvals: [],
      breakGlass: [],
    },
    critical: {
      grants: {
        viewer: ['read'],
        deployer: ['read', ...POINTER_CHANGES, 'upload'],
        approver: ['read', 'approve'],
        admin: ['read', ...POINTER_CHANGES, 'purge', 'upload', 'break-glass'],
      },
      mfa: CHANGES,
      approvals: ['activate', 'rollback'],
      breakGlass: ['rollback'],
    },
  },
};

const roleName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'role names start with a letter and contain only letters, digits, _ . : -');
const grantable = z.enum(GRANTABLE_ACTIONS, { error: `must be one of ${GRANTABLE_ACTIONS.join(', ')}` });
const approvable = z.enum(APPROVABLE_ACTIONS, { error: `must be one of ${APPROVABLE_ACTIONS.join(', ')}` });

const TierPolicySchema = z
  .object({
    grants: z.record(roleName, z.array(grantable)),
    mfa: z.array(grantable).default([]),
    approvals: z.array(approvable).default([]),
    breakGlass: z.array(approvable).default([]),
  })
  .strict()
  .superRefine((tier, ctx) => {
    tier.breakGlass.forEach((action, i) => {
      if (!tier.approvals.includes(action))
        ctx.addIssue({ code: 'custom', path: ['breakGlass', i], message: `'${action}' needs no approval on this tier, so there is nothing to break glass for` });
    });
    if (tier.approvals.length > 0 && !Object.values(tier.grants).some((actions) => actions.includes('approve')))
      ctx.addIssue({ code: 'custom', path: ['approvals'], message: 'approvals are required but no role may approve on this tier' });
  });

/** What PUT /policy accepts: a whole document, every tier named. */
export const PolicyDocumentSchema = z
  .object({ tiers: z.object(Object.fromEntries(TIERS.map((t) => [t, TierPolicySchema])) as Record<Tier, typeof TierPolicySchema>).strict() })
  .strict();

export function tierPolicy(policy: PolicyDocument, tier: Tier): TierPolicy {
  return policy.tiers[tier];
}

export function hasMfa(principal: Pick<Principal, 'amr'>): boolean {
  return principal.amr?.includes('mfa') ?? false;
}

export type Decision = { allowed: true } | { allowed: false; code: 'Forbidden' | 'MfaRequired'; reason: string };

/**
 * May `principal` take `action` on a view of `tier`? Roles first, then MFA.
 *
 * @example decide(DEFAULT_POLICY, { sub: 'dev', roles: ['deployer'] }, 'rollback', 'critical')
 * // { allowed: false, code: 'MfaRequired', reason: "rollback on a critical view needs a token with MFA …" }
 */
export function decide(policy: PolicyDocument, principal: Principal, action: Action, tier: Tier): Decision {
  const held = principal.roles.length ? principal.roles.join(', ') : 'no roles';
  if (action === 'administer') {
    if (!principal.roles.includes(POLICY_ADMIN_ROLE))
      return { allowed: false, code: 'Forbidden', reason: `'${principal.sub}' (${held}) may not change the policy: only an ${POLICY_ADMIN_ROLE} may` };
    if (!hasMfa(principal)) return { allowed: false, code: 'MfaRequired', reason: `changing the policy needs a token with MFA (amr must include "mfa"; ${amrOf(principal)})` };
    return { allowed: true };
  }
  if (action === 'approve-policy') {
    if (!principal.roles.some((role) => POLICY_APPROVER_ROLES.includes(role)))
      return { allowed: false, code: 'Forbidden', reason: `'${principal.sub}' (${held}) may not approve a policy change: only an ${POLICY_APPROVER_ROLES.join(' or ')} may` };
    if (!hasMfa(principal)) return { allowed: false, code: 'MfaRequired', reason: `approving a policy change needs a token with MFA (amr must include "mfa"; ${amrOf(principal)})` };
    return { allowed: true };
  }
  if (action === 'republish') {
    // No MFA: it changes no state (the events are those of committed changes, with their ids, which consumers deduplicate on).
    if (!principal.roles.includes(POLICY_ADMIN_ROLE))
      return { allowed: false, code: 'Forbidden', reason: `'${principal.sub}' (${held}) may not republish events: only an ${POLICY_ADMIN_ROLE} may` };
    return { allowed: true };
  }
  const rules = tierPolicy(policy, tier);
  // Own keys only: a role named `constructor` or `__proto__` must grant nothing, not reach Object.prototype.
  if (!principal.roles.some((role) => Object.hasOwn(rules.grants, role) && rules.grants[role]!.includes(action)))
    return { allowed: false, code: 'Forbidden', reason: `'${principal.sub}' (${held}) may not ${action} on a ${tier} view` };
  if (rules.mfa.includes(action) && !hasMfa(principal))
    return { allowed: false, code: 'MfaRequired', reason: `${action} on a ${tier} view needs a token with MFA (amr must include "mfa"; ${amrOf(principal)})` };
  return { allowed: true };
}

/**
 * The decision when it is the same on every tier, so the caller need not look the tier up
 * (serving's `read` is: no extra read on the hot path); undefined when the tier matters.
 */
export function decideWithoutTier(policy: PolicyDocument, principal: Principal, action: Action): Decision | undefined {
  const [first, ...rest] = TIERS.map((tier) => decide(policy, principal, action, tier));
  const same = rest.every((d) => d.allowed === first!.allowed && (d.allowed || d.code === (first as { code: string }).code));
  if (!same) return undefined;
  // Same outcome everywhere; for a refusal, say it without naming one tier.
  return first!.allowed ? first! : { ...first!, reason: first!.reason.replace(/ on a \w+ view/, '') };
}

/** Throws the refusal as a ForbiddenError (or MfaRequiredError) carrying the reason. */
export function enforce(decision: Decision, principal: Principal, action: Action, view?: string): void {
  if (decision.allowed) return;
  const ErrorType = decision.code === 'MfaRequired' ? MfaRequiredError : ForbiddenError;
  throw new ErrorType(decision.reason, principal.sub, action, view);
}

/** Whether a role grant allows `action` on `tier` (MFA aside). */
export function can(principal: Principal, action: Action, policy: PolicyDocument = DEFAULT_POLICY, tier: Tier = 'standard'): boolean {
  const decision = decide(policy, { ...principal, amr: ['mfa'] }, action, tier);
  return decision.allowed;
}

/** Refuse unless `principal` may take `action` on `tier` (default: a standard view). */
export function authorize(principal: Principal, action: Action, policy: PolicyDocument = DEFAULT_POLICY, tier: Tier = 'standard', view?: string): void {
  enforce(decide(policy, principal, action, tier), principal, action, view);
}

/** Actors that are Rewind itself; no token can carry one (functions/http/principal.ts refuses them). */
export const SYSTEM_ACTOR_PREFIX = 'system:';

export function isSystemActor(actor: string): boolean {
  return actor.startsWith(SYSTEM_ACTOR_PREFIX);
}

function amrOf(principal: Pick<Principal, 'amr'>): string {
  return principal.amr?.length ? `this token's amr is [${principal.amr.join(', ')}]` : 'this token has no amr claim';
}
