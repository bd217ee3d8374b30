/** Read-side use cases: what a view serves, its versions, its history, its audit trail. */
import { checkChain, type ChainProblem } from './audit-chain';
import type { Deps } from './deps';
import { VersionNotFoundError, ViewNotFoundError } from './errors';
import type { AuditEntry, HistoryEntry, Pointer, VersionRecord, VersionStatus } from './model';
import type { AuditFilter } from './ports';
import { emptyPointer } from './pointer';
import { versionStatus } from './status';

export async function getView(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string): Promise<{ view: string; pointer: Pointer }> {
  const [pointer, exists] = await Promise.all([deps.pointers.getPointer(view), deps.catalog.viewExists(view)]);
  if (!exists) throw new ViewNotFoundError(view);
  return { view, pointer: pointer ?? emptyPointer(view) };
}

export async function listViews(deps: Pick<Deps, 'pointers' | 'catalog'>): Promise<{ view: string; stable: number | null; revision: number }[]> {
  const views = await deps.catalog.listViews();
  const pointers = await Promise.all(views.map((v) => deps.pointers.getPointer(v)));
  return views.map((view, i) => ({ view, stable: pointers[i]?.stable ?? null, revision: pointers[i]?.revision ?? 0 }));
}

export type VersionView = VersionRecord & { status: VersionStatus };

export async function listVersions(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string): Promise<VersionView[]> {
  const { pointer } = await getView(deps, view);
  const records = await deps.catalog.listVersions(view);
  return records.map((r) => ({ ...r, status: versionStatus(r, pointer) }));
}

export async function getVersion(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string, version: number): Promise<VersionView> {
  const { pointer } = await getView(deps, view);
  const record = await deps.catalog.getVersion(view, version);
  if (!record) throw new VersionNotFoundError(view, version);
  const materialization = await deps.catalog.getMaterialization(view, version);
  return { ...record, status: versionStatus(record, pointer), ...(materialization ? { online: materialization.state } : {}) };
}

export async function getHistory(deps: Pick<Deps, 'pointers' | 'catalog'>, view: string, limit: number): Promise<HistoryEntry[]> {
  await getView(deps, view);
  return deps.pointers.history(view, limit);
}

/**
 * Audit entries newest first, optionally only one view's and/or one actor's.
 *
 * @example
 * // what did alice do on payments, and what was she refused?
 * await listAudit(deps, { view: 'payments', actor: 'alice', limit: 50 });
 */
export async function listAudit(deps: Pick<Deps, 'audit' | 'refusals'>, options: AuditFilter): Promise<AuditEntry[]> {
  // Refusals live apart from the chains (core/ports/refusal-log.ts) but are listed with them:
  // the newest `limit` of both, merged by time.
  const [entries, refusals] = await Promise.all([deps.audit.listAudit(options), deps.refusals ? deps.refusals.listRefusals(options) : []]);
  if (refusals.length === 0) return entries;
  return [...entries, ...refusals].sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1)).slice(0, options.limit);
}

export interface AuditVerdict {
  ok: boolean;
  /** Entries checked, in every chain (heads are not entries). */
  entries: number;
  chains: number;
  /** The first problem found, as before heads existed: for clients that read only this. */
  firstBadEntry?: { id: string; reason: string };
  /** Every problem in every chain, in chain order; empty when ok. */
  problems: ChainProblem[];
  /**
   * Chains without a head: written before heads existed and not appended to since (the next
   * append anchors them). Edits and gaps are still checked; deleting their newest entries is not
   * detectable until then. Not a failure.
   */
  unanchored: string[];
}

/**
 * Verify every chain, and every chain's end against its head: each problem is reported, not
 * only the first, so one broken chain cannot hide another.
 *
 * @example
 * const verdict = await verifyAudit(deps);
 * verdict.problems.filter((p) => p.reason === 'truncated'); // chains whose newest entries were deleted
 */
export async function verifyAudit(deps: Pick<Deps, 'audit'>): Promise<AuditVerdict> {
  let entries = 0;
  let chains = 0;
  const problems: ChainProblem[] = [];
  const unanchored: string[] = [];
  for await (const chain of deps.audit.auditChains()) {
    chains++;
    const report = checkChain(chain.chain, chain.entries, chain.head);
    entries += report.entries;
    problems.push(...report.problems);
    if (!report.anchored) unanchored.push(chain.chain);
  }
  const first = problems[0];
  return { ok: !first, entries, chains, ...(first ? { firstBadEntry: { id: first.id, reason: first.detail } } : {}), problems, unanchored };
}
