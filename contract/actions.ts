/**
 * The vocabulary of actions that routes, rules and events name: shared by the stack (routes,
 * event rules), the runtime (core/access-policy.ts grants them, core/model.ts records them) and the
 * CLI. Kept here so that contract/ imports nothing from core/ (the CDK app loads no domain code).
 */

/** Actions a policy document grants. */
export const GRANTABLE_ACTIONS = [
  'read',
  'deploy',
  'activate',
  'promote',
  'rollback',
  'disable',
  'enable',
  'approve',
  'purge',
  'upload',
  /** Roll back (or switch a feature) without an approval, giving a reason that is recorded as such. */
  'break-glass',
] as const;
export type GrantableAction = (typeof GRANTABLE_ACTIONS)[number];

/**
 * Every action a route can require: the grantable ones, and those the policy document cannot
 * grant: proposing a change to the policy itself (`administer`) and approving someone else's
 * proposal (`approve-policy`), so that no document can lock out the people who repair it; and
 * replaying a view's committed pointer events onto the bus (`republish`), an operator's repair
 * after the outbox skipped records, an admin's whatever the document says.
 */
export const ACTIONS = [...GRANTABLE_ACTIONS, 'administer', 'approve-policy', 'republish'] as const;
export type Action = (typeof ACTIONS)[number];

/** One per kind of pointer change; each history entry (and so each event) carries one. */
export const POINTER_ACTIONS = ['activate', 'canary', 'shadow', 'promote', 'rollback', 'disable', 'enable'] as const;
export type PointerAction = (typeof POINTER_ACTIONS)[number];
