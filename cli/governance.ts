/**
 * The governance commands: approvals (a second person's yes to one pointer change) and the
 * policy document (roles × tiers × actions, MFA, approvals, break-glass). Same shape as
 * commands.ts: call the API, describe the answer as data for `--json` and as text.
 */
import { APPROVABLE_ACTIONS, type ApprovableAction } from '../core/model';
import type { ApprovalBody, ApprovalState, PolicyDifference, PolicyView, ProposalView, RewindClient } from './client';
import type { Output } from './commands';
import { UsageError } from './errors';
import { keyValues, table, version, when } from './format';
import { loadPolicyFile, type LoadedPolicyFile } from './policy-file';

/** What may be approved (the server's list). */
export const APPROVAL_ACTIONS = APPROVABLE_ACTIONS;

export interface ApproveOptions {
  /** Default activate. */
  action?: ApprovableAction;
  /** disable / enable: the feature approved. */
  feature?: string;
  reason?: string;
  expiresInSeconds?: number;
}

/**
 * The approval request the command line asks for; contradictions are usage errors, found
 * before sending.
 *
 * @example approvalRequest(7, { reason: 'reviewed the diff' }) // { action: 'activate', version: 7, reason: 'reviewed the diff' }
 */
export function approvalRequest(versionNumber: number | undefined, options: ApproveOptions = {}): ApprovalBody {
  const action = options.action ?? 'activate';
  if (action === 'activate' && versionNumber === undefined) throw new UsageError('approve: an activation is approved for one version: rewind approve <view> <version>');
  if (options.feature !== undefined && action !== 'disable' && action !== 'enable') throw new UsageError('--feature: only a disable or enable approval names a feature');
  return {
    action,
    ...(versionNumber !== undefined ? { version: versionNumber } : {}),
    ...(options.feature !== undefined ? { feature: options.feature } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.expiresInSeconds !== undefined ? { expiresInSeconds: options.expiresInSeconds } : {}),
  };
}

export async function approve(client: RewindClient, view: string, versionNumber: number | undefined, options: ApproveOptions = {}): Promise<Output> {
  const approval = await client.approve(view, approvalRequest(versionNumber, options));
  return {
    data: approval,
    text:
      `approved ${approval.action} of ${view} ${target(approval)}: usable once, by someone other than ${approval.approver}, until ${when(approval.expiresAt)}` +
      ` (approval ${approval.id}, audit ${approval.auditId})`,
  };
}

export async function approvals(client: RewindClient, view: string, limit?: number): Promise<Output> {
  const result = await client.approvals(view, limit);
  return { data: result, text: result.approvals.length ? approvalsTable(result.approvals) : `${view} has no approvals` };
}

export function approvalsTable(list: readonly ApprovalState[]): string {
  return table(
    ['ID', 'ACTION', 'TARGET', 'APPROVER', 'STATE', 'EXPIRES', 'REASON'],
    list.map((a) => [
      a.id,
      a.action,
      target(a),
      a.approver,
      a.state === 'used' ? `used by ${a.usedBy ?? '?'}${a.usedRevision !== undefined ? ` (rev ${a.usedRevision})` : ''}` : a.state,
      when(a.expiresAt),
      a.reason,
    ]),
    { maxCellWidth: 60 },
  );
}

/** What an approval is for: a version, a feature, or any. */
function target(a: { version?: number; feature?: string }): string {
  return [a.version !== undefined ? version(a.version) : '', a.feature ?? ''].filter(Boolean).join(' ') || 'any version';
}

export async function policyGet(client: RewindClient): Promise<Output> {
  const policy = await client.getPolicy();
  return { data: policy, text: describePolicy(policy) };
}

export function describePolicy(policy: PolicyView): string {
  const head = policy.isDefault
    ? `policy revision ${policy.revision}: the default (no policy stored yet)`
    : `policy revision ${policy.revision} · changed ${when(policy.updatedAt)} by ${policy.updatedBy}`;
  const list = (actions: readonly string[]) => (actions.length ? actions.join(', ') : '-');
  const tiers = Object.entries(policy.document.tiers).map(([tier, p]) => {
    const rows: [string, string][] = [
      ...Object.entries(p.grants).map(([role, actions]): [string, string] => [role, list(actions)]),
      ['MFA for', list(p.mfa)],
      ['approval for', list(p.approvals)],
      ['break-glass for', list(p.breakGlass)],
    ];
    return `${tier}\n${keyValues(rows)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}`;
  });
  return [head, ...tiers].join('\n\n');
}

export interface PolicySetOptions {
  expectedRevision?: number;
  reason?: string;
  /** Admins: put it in force at once, without a second person (recorded as break-glass). */
  breakGlass?: string;
}

/**
 * Propose the document of a policy file (a path, or one loadPolicyFile read) as the next
 * policy: it takes effect when another admin or approver with MFA runs `rewind policy approve
 * <id>`, or at once with an admin's --break-glass reason. When the file is the output of
 * `rewind policy get --json` and no --expected-revision is given, the revision it was read at
 * is expected: a policy changed since then is refused (409) rather than overwritten.
 */
export async function policySet(client: RewindClient, file: string | LoadedPolicyFile, options: PolicySetOptions = {}): Promise<Output> {
  const { document, readAtRevision } = typeof file === 'string' ? await loadPolicyFile(file) : file;
  const expectedRevision = options.expectedRevision ?? readAtRevision;
  const result = await client.putPolicy({
    document,
    ...(expectedRevision !== undefined ? { expectedRevision } : {}),
    ...(options.reason !== undefined ? { reason: options.reason } : {}),
    ...(options.breakGlass !== undefined ? { breakGlassReason: options.breakGlass } : {}),
  });
  if (result.kind === 'applied')
    return { data: result, text: `stored policy revision ${result.revision} at once by break-glass (was ${result.revision - 1}; audit ${result.auditId})` };
  return {
    data: result,
    text: [
      `proposed policy change ${result.id} on revision ${result.baseRevision} (audit ${result.auditId}); nothing is in force yet`,
      describeChanges(result.changes),
      `a second person (admin or approver, with MFA) puts it in force: rewind policy approve ${result.id}`,
    ].join('\n'),
  };
}

/** Put someone else's policy proposal in force. */
export async function policyApprove(client: RewindClient, id: string, options: { reason?: string } = {}): Promise<Output> {
  const stored = await client.approvePolicy(id, options.reason !== undefined ? { reason: options.reason } : {});
  return {
    data: stored,
    text: `approved ${stored.proposalId} by ${stored.proposedBy}: policy revision ${stored.revision} is in force (audit ${stored.auditId})\n${describeChanges(stored.changes)}`,
  };
}

export async function policyProposals(client: RewindClient, limit?: number): Promise<Output> {
  const { proposals } = await client.policyProposals(limit);
  if (!proposals.length) return { data: { proposals }, text: 'no policy proposals' };
  const rows = proposals.map((p: ProposalView) => [p.id, p.state, `r${p.baseRevision}`, p.proposedBy, when(p.proposedAt), p.reason ?? '', p.changes.length ? `${p.changes.length} change(s)` : 'no change']);
  return { data: { proposals }, text: table(['id', 'state', 'on', 'by', 'at', 'reason', 'changes'], rows) };
}

/** One line per list that changes, e.g. `  critical grants.deployer: - rollback`. */
export function describeChanges(changes: readonly PolicyDifference[]): string {
  if (!changes.length) return '  no change to the policy in force';
  return changes
    .map((c) => `  ${c.tier} ${c.list}: ${[...c.added.map((a) => `+ ${a}`), ...c.removed.map((r) => `- ${r}`)].join(', ')}`)
    .join('\n');
}
