/**
 * The runbook a person reads (GET /views/{view}/runbook, `rewind runbook <view>`), with today's
 * facts filled in, and the view's verification after its latest rollback (GET /views/{view}).
 */
import { currentPolicy } from './access-policy-store';
import type { Deps } from './deps';
import type { Pointer } from './model';
import type { FollowUpLog } from './ports/follow-ups';
import { rollbackTarget } from './pointer';
import { getView } from './queries';
import { checklist, runbookOf, type Checklist, type FollowUp } from './runbook';

/** After the view's latest pointer change, when it was a rollback: what its runbook found (`pending` while it runs). */
export interface Verification {
  revision: number;
  status: FollowUp['status'] | 'pending';
  at: string;
  awaitingAck?: boolean;
}

/**
 * @example (await viewRunbook(deps, 'orders')).knownGood // 3
 */
export async function viewRunbook(deps: Pick<Deps, 'pointers' | 'catalog' | 'governance'>, followUps: FollowUpLog, view: string): Promise<Checklist & { verification?: Verification }> {
  const { pointer } = await getView(deps, view);
  const serving = pointer.stable;
  const record = serving === null ? undefined : await deps.catalog.getVersion(view, serving);
  const knownGood = knownGoodOf(pointer);
  const previous = knownGood === null ? undefined : await deps.catalog.getVersion(view, knownGood);
  const tier = record?.definition.tier ?? 'standard';
  const policy = (await currentPolicy(deps.governance)).document.tiers[tier];
  const rolesFor = (action: string) => Object.entries(policy.grants).filter(([, actions]) => (actions as string[]).includes(action)).map(([role]) => role);
  const { runbook, declared } = runbookOf(record);
  const models = [...new Set([...(record?.consumers ?? []), ...(previous?.consumers ?? [])])];
  const sources = [...new Map([...(record?.sources ?? []), ...(previous?.sources ?? [])].map((s) => [`${s.uri}#${s.checksum ?? ''}`, { uri: s.uri, ...(s.checksum ? { checksum: s.checksum } : {}) }])).values()];
  const artifacts = [...new Map([...(record?.artifacts ?? []), ...(previous?.artifacts ?? [])].map((a) => [`${a.kind}:${a.name}`, { kind: a.kind, name: a.name }])).values()];
  const verification = await latestVerification(deps, followUps, view);
  return {
    ...checklist(runbook, {
      view,
      serving,
      knownGood,
      mayRollBack: rolesFor('rollback'),
      mayApprove: rolesFor('approve'),
      approvalNeeded: (policy.approvals as string[]).includes('rollback'),
      models,
      sources,
      artifacts,
      declared,
    }),
    ...(verification ? { verification } : {}),
  };
}

/** What a rollback now would restore, or null when nothing would be. */
function knownGoodOf(pointer: Pointer): number | null {
  try {
    return rollbackTarget(pointer);
  } catch {
    return null;
  }
}

/** The newest history entry, when it is a rollback, and its follow-up. */
export async function latestVerification(deps: Pick<Deps, 'pointers'>, followUps: FollowUpLog, view: string): Promise<Verification | undefined> {
  const [newest] = await deps.pointers.history(view, 1);
  if (!newest || newest.action !== 'rollback') return undefined;
  const f = (await followUps.followUps(view, newest.revision, newest.revision)).get(newest.revision);
  return { revision: newest.revision, status: f?.status ?? 'pending', at: f?.finishedAt ?? newest.at, ...(f?.awaitingAck ? { awaitingAck: true } : {}) };
}

/** GET /views/{view}: the pointer, and the verification after its latest rollback when that is the latest change. */
export async function viewWithVerification(deps: Pick<Deps, 'pointers' | 'catalog'>, followUps: FollowUpLog, view: string): Promise<{ view: string; pointer: Pointer; verification?: Verification }> {
  const [found, verification] = await Promise.all([getView(deps, view), latestVerification(deps, followUps, view)]);
  return { ...found, ...(verification ? { verification } : {}) };
}

/** History entries with the follow-up of each rollback among them (GET /views/{view}/history). */
export async function withFollowUps<E extends { revision: number; action: string }>(followUps: FollowUpLog, view: string, entries: E[]): Promise<(E & { followUp?: FollowUp })[]> {
  const rollbacks = entries.filter((e) => e.action === 'rollback').map((e) => e.revision);
  if (rollbacks.length === 0) return entries;
  const found = await followUps.followUps(view, Math.min(...rollbacks), Math.max(...rollbacks));
  return entries.map((e) => (found.has(e.revision) ? { ...e, followUp: found.get(e.revision)! } : e));
}
