/**
 * The policy document's life: read (the stored revision, or the default at revision 0) and
 * replaced by an admin (a new immutable revision plus its audit entry, in one transaction).
 */
import type { Deps } from './deps';
import { PolicyConflictError } from './errors';
import type { StoredPolicy } from './model';
import { DEFAULT_POLICY, type PolicyDocument } from './access-policy';
import type { Governance } from './ports';

export type PolicyView = StoredPolicy<PolicyDocument> & { isDefault: boolean };

/**
 * The policy in force.
 *
 * @example (await currentPolicy(deps.governance)).revision // 0 until an admin stores one
 */
export async function currentPolicy(governance: Pick<Governance, 'getPolicy'>): Promise<PolicyView> {
  const stored = await governance.getPolicy();
  if (!stored) return { revision: 0, document: DEFAULT_POLICY, updatedAt: '', updatedBy: 'default', isDefault: true };
  return { ...(stored as StoredPolicy<PolicyDocument>), isDefault: false };
}

export interface PolicyChange {
  document: PolicyDocument;
  expectedRevision?: number;
  reason?: string;
}

/**
 * Store `change.document` as the next revision. With `expectedRevision`, refuses (409) when
 * someone changed the policy since it was read; without it, two concurrent writers still
 * cannot both win (the revision item is written only if absent).
 */
export async function replacePolicy(deps: Pick<Deps, 'governance' | 'clock'>, actor: string, change: PolicyChange): Promise<PolicyView & { auditId: string }> {
  const current = await currentPolicy(deps.governance);
  if (change.expectedRevision !== undefined && change.expectedRevision !== current.revision)
    throw new PolicyConflictError(change.expectedRevision, current.revision);
  const next: StoredPolicy<PolicyDocument> = {
    revision: current.revision + 1,
    document: change.document,
    updatedAt: deps.clock.now().toISOString(),
    updatedBy: actor,
  };
  const audit = await deps.governance.putPolicy(next, {
    actor,
    action: 'policy',
    outcome: 'allowed',
    ...(change.reason ? { reason: change.reason } : {}),
    // The whole document: the audit chain is the policy's tamper-evident history.
    detail: { revisionBefore: current.revision, revisionAfter: next.revision, document: change.document },
  });
  return { ...next, isDefault: false, auditId: audit.id };
}
