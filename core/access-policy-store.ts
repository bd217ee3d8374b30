/**
 * The policy document's life: read (the stored revision, or the default at revision 0),
 * proposed by an admin, and put in force by a second person (issue 10 item 5: a change to who
 * may roll back must itself be audited and approved by someone other than its author), or at
 * once by an admin's break-glass reason, recorded as such. Every step is one transaction with
 * its audit entry.
 */
import { randomBytes } from 'node:crypto';
import type { Deps } from './deps';
import { ForbiddenError, InvalidStateError, PolicyConflictError, PolicyProposalNotFoundError } from './errors';
import type { PolicyProposal, Principal, StoredPolicy, Tier } from './model';
import { DEFAULT_POLICY, type PolicyDocument, type TierPolicy } from './access-policy';
import type { AppliedProposal, Governance } from './ports';

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
  /** An admin's reason to put the document in force at once, without a second person; recorded. */
  breakGlassReason?: string;
}

/** One difference between two documents: a list of a tier (a role's grants, mfa, approvals, breakGlass) and what it gains and loses. */
export interface PolicyDifference {
  tier: Tier;
  /** `grants.<role>`, `mfa`, `approvals` or `breakGlass`. */
  list: string;
  added: string[];
  removed: string[];
}

/**
 * What putting `after` in force instead of `before` would change, list by list (a role
 * missing on one side has no grants there).
 *
 * @example policyDifferences(DEFAULT_POLICY, stricter) // [{ tier: 'standard', list: 'mfa', added: ['rollback'], removed: [] }]
 */
export function policyDifferences(before: PolicyDocument, after: PolicyDocument): PolicyDifference[] {
  const out: PolicyDifference[] = [];
  for (const tier of Object.keys(after.tiers) as Tier[]) {
    const a: TierPolicy | undefined = before.tiers[tier];
    const b = after.tiers[tier];
    const lists: [string, readonly string[], readonly string[]][] = [
      ...[...new Set([...Object.keys(a?.grants ?? {}), ...Object.keys(b.grants)])]
        .sort()
        .map((role): [string, readonly string[], readonly string[]] => [
          `grants.${role}`,
          a && Object.hasOwn(a.grants, role) ? a.grants[role]! : [],
          Object.hasOwn(b.grants, role) ? b.grants[role]! : [],
        ]),
      ['mfa', a?.mfa ?? [], b.mfa],
      ['approvals', a?.approvals ?? [], b.approvals],
      ['breakGlass', a?.breakGlass ?? [], b.breakGlass],
    ];
    for (const [list, was, is] of lists) {
      const added = is.filter((x) => !was.includes(x));
      const removed = was.filter((x) => !is.includes(x));
      if (added.length || removed.length) out.push({ tier, list, added, removed });
    }
  }
  return out;
}

export type ProposalView = PolicyProposal<PolicyDocument> & {
  /** What it would change in (or, once applied, changed from) the revision it was proposed on. */
  changes: PolicyDifference[];
  state: 'pending' | 'applied' | 'stale';
};

/** What PUT /policy answers: a proposal (202), or, with an admin's break-glass reason, the revision now in force (200). */
export type PolicyChangeResult = ({ kind: 'proposed'; auditId: string } & ProposalView) | ({ kind: 'applied'; auditId: string; breakGlass: true } & PolicyView);

/**
 * PUT /policy: propose `change.document` for a second person to approve, or, with a
 * `breakGlassReason` (an admin's, with MFA, as the edge judged), put it in force at once.
 * With `expectedRevision`, refuses (409) when the policy in force is another revision.
 *
 * @example await changePolicy(deps, 'root', { document, reason: 'MFA for every rollback' }) // { kind: 'proposed', id, changes, … }
 */
export async function changePolicy(deps: Pick<Deps, 'governance' | 'clock'>, actor: string, change: PolicyChange): Promise<PolicyChangeResult> {
  const current = await currentPolicy(deps.governance);
  if (change.expectedRevision !== undefined && change.expectedRevision !== current.revision)
    throw new PolicyConflictError(change.expectedRevision, current.revision);
  if (change.breakGlassReason !== undefined) {
    const stored = await storeRevision(deps, current, change.document, actor, {
      ...(change.reason ? { reason: change.reason } : {}),
      detail: { breakGlass: true, breakGlassReason: change.breakGlassReason },
    });
    return { kind: 'applied', breakGlass: true, ...stored };
  }
  const now = deps.clock.now().toISOString();
  const proposal: PolicyProposal<PolicyDocument> = {
    // URL-safe (it is a path segment) and sortable by time, like approval ids.
    id: `${now.replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`,
    baseRevision: current.revision,
    document: change.document,
    proposedBy: actor,
    proposedAt: now,
    ...(change.reason ? { reason: change.reason } : {}),
  };
  const changes = policyDifferences(current.document, change.document);
  const audit = await deps.governance.putPolicyProposal(proposal, {
    actor,
    action: 'policy-proposal',
    outcome: 'allowed',
    ...(change.reason ? { reason: change.reason } : {}),
    // The whole document: the audit chain is the policy's tamper-evident history.
    detail: { proposalId: proposal.id, baseRevision: current.revision, document: change.document, changes },
  });
  return { kind: 'proposed', auditId: audit.id, ...proposal, changes, state: 'pending' };
}

/**
 * POST /policy/proposals/{id}/approve: a second person (an admin or approver with MFA, as the
 * edge judged; never the proposer) puts a proposal in force as the next revision. Refused
 * (409) when it was applied already, or when the policy in force is no longer the revision it
 * was proposed on: applying it then would silently undo the change made meanwhile.
 *
 * @example await approvePolicyProposal(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, id, { reason: 'reviewed' })
 */
export async function approvePolicyProposal(
  deps: Pick<Deps, 'governance' | 'clock'>,
  principal: Principal,
  id: string,
  request: { reason?: string | undefined },
): Promise<PolicyView & { auditId: string; proposalId: string; proposedBy: string; changes: PolicyDifference[] }> {
  const [proposal, current] = await Promise.all([deps.governance.getPolicyProposal(id), currentPolicy(deps.governance)]);
  if (!proposal) throw new PolicyProposalNotFoundError(id);
  const document = proposal.document as PolicyDocument;
  if (proposal.proposedBy === principal.sub)
    throw new ForbiddenError(`'${principal.sub}' proposed this policy change and cannot also approve it: a second person must`, principal.sub, 'approve-policy');
  if (proposal.applied) throw new InvalidStateError(`policy proposal '${id}' was applied already, as revision ${proposal.applied.revision}`);
  if (proposal.baseRevision !== current.revision)
    throw new InvalidStateError(
      `policy proposal '${id}' was made against revision ${proposal.baseRevision}, but revision ${current.revision} is in force now: propose the change again on top of it`,
    );
  const changes = policyDifferences(current.document, document);
  const at = deps.clock.now().toISOString();
  const applied: AppliedProposal = {
    id,
    applied: { revision: current.revision + 1, approvedBy: principal.sub, approvedAt: at, ...(request.reason ? { reason: request.reason } : {}) },
  };
  const stored = await storeRevision(
    deps,
    current,
    document,
    principal.sub,
    {
      ...(proposal.reason ? { reason: proposal.reason } : {}),
      detail: { proposalId: id, proposedBy: proposal.proposedBy, approvedBy: principal.sub, ...(request.reason ? { approvalReason: request.reason } : {}), changes },
    },
    applied,
    at,
  );
  return { ...stored, proposalId: id, proposedBy: proposal.proposedBy, changes };
}

/**
 * GET /policy/proposals: newest first, each with whether it can still be approved (`pending`;
 * `stale` when another revision came into force since) and what it would change in the
 * revision in force now.
 */
export async function listPolicyProposals(deps: Pick<Deps, 'governance'>, limit: number): Promise<ProposalView[]> {
  const [proposals, current] = await Promise.all([deps.governance.listPolicyProposals(limit), currentPolicy(deps.governance)]);
  return proposals.map((p) => {
    const document = p.document as PolicyDocument;
    const state = p.applied ? 'applied' : p.baseRevision === current.revision ? 'pending' : 'stale';
    return { ...p, document, state, changes: policyDifferences(current.document, document) } as ProposalView;
  });
}

/**
 * Store `document` as the revision after `current`. Two concurrent writers cannot both win:
 * the revision item is written only if absent (PolicyConflictError for the loser).
 */
async function storeRevision(
  deps: Pick<Deps, 'governance' | 'clock'>,
  current: PolicyView,
  document: PolicyDocument,
  actor: string,
  audit: { reason?: string; detail: Record<string, unknown> },
  applies?: AppliedProposal,
  at = deps.clock.now().toISOString(),
): Promise<PolicyView & { auditId: string }> {
  const next: StoredPolicy<PolicyDocument> = { revision: current.revision + 1, document, updatedAt: at, updatedBy: actor };
  const entry = await deps.governance.putPolicy(
    next,
    {
      actor,
      action: 'policy',
      outcome: 'allowed',
      ...(audit.reason ? { reason: audit.reason } : {}),
      detail: { revisionBefore: current.revision, revisionAfter: next.revision, document, ...audit.detail },
    },
    applies,
  );
  return { ...next, isDefault: false, auditId: entry.id };
}
