/** Read-side use cases: what a view serves, its versions, its history, its audit trail. */
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

// The audit verdict grew checks beyond the table (signed checkpoints, history citations) and
// moved next to them; callers keep importing it from here.
export { verifyAudit, type AuditVerdict } from './audit-checkpoint-verify';
