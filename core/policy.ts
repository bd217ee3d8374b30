/**
 * Who may do what. Kept as data so that it can later be loaded and changed as a document;
 * `can` is the only question the rest of the code asks.
 */
import { ForbiddenError } from './errors';
import type { Principal } from './model';

export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = ['read', 'deploy', 'activate', 'rollback', 'purge', 'upload'] as const;
export type Action = (typeof ACTIONS)[number];

export type PolicyDocument = Record<Role, readonly Action[]>;

export const DEFAULT_POLICY: PolicyDocument = {
  viewer: ['read'],
  deployer: ['read', 'deploy', 'activate', 'rollback', 'purge', 'upload'],
  approver: ['read'],
  admin: ACTIONS,
};

export function can(principal: Principal, action: Action, policy: PolicyDocument = DEFAULT_POLICY): boolean {
  return principal.roles.some((role) => (policy as Record<string, readonly Action[]>)[role]?.includes(action) ?? false);
}

export function authorize(principal: Principal, action: Action, policy: PolicyDocument = DEFAULT_POLICY): void {
  if (!can(principal, action, policy)) {
    const held = principal.roles.length ? principal.roles.join(', ') : 'no roles';
    throw new ForbiddenError(`'${principal.sub}' (${held}) may not ${action}`, principal.sub, action);
  }
}
