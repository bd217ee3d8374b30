/**
 * Source-level revert (issue 12, item 6): a source turned out bad; every view whose served
 * version (stable or candidate) read it goes back to its newest earlier version that did not.
 * Each view's change is its own rollback through the one pointer-change use case
 * (core/pointer-changes.ts `rollbackView`), so each is judged by every guard a rollback has
 * (role, tier, MFA, approvals, break-glass) and is one transaction; a view refused or failed
 * does not stop the others. They are tied together by one incident, recorded before the first
 * change (so a crash midway leaves an incident saying what was planned) and again at the end
 * with every view's outcome. A view with no such earlier version is not changed: the incident
 * names it and offers the kill switch for the features the source feeds, without using it.
 */
import { randomUUID } from 'node:crypto';
import { actorName, type Caller } from './authorization';
import type { Deps } from './deps';
import { ForbiddenError, RewindError } from './errors';
import type { Pointer, VersionRecord } from './model';
import type { Incident, IncidentLog, IncidentView } from './ports/incidents';
import { rollbackView } from './pointer-changes';
import type { SourceRevertRequest } from './requests';

/** Whether a version read the source: its URI (and checksum, when both are given), or any source with that checksum. */
export function readsSource(record: Pick<VersionRecord, 'sources'>, match: Pick<SourceRevertRequest, 'uri' | 'checksum'>): boolean {
  return record.sources.some((s) => (match.uri === undefined || s.uri === match.uri) && (match.checksum === undefined || s.checksum === match.checksum));
}

/**
 * The features a source feeds in a version: those its transformation's column lineage names
 * the source for, or every feature when the transformation declares none (the source then
 * feeds the whole view).
 */
export function featuresFedBy(record: Pick<VersionRecord, 'definition' | 'transformation' | 'sources'>, match: Pick<SourceRevertRequest, 'uri' | 'checksum'>): string[] {
  const lineage = record.transformation?.columnLineage;
  const all = record.definition.features.map((f) => f.name);
  if (!lineage || Object.keys(lineage).length === 0) return all;
  const uris = new Set(record.sources.filter((s) => readsSource({ sources: [s] }, match)).map((s) => s.uri));
  return all.filter((f) => (lineage[f] ?? []).some((input) => uris.has(input.source)));
}

/** What the revert will do to one view, decided from its pointer and records alone. */
export type ViewPlan = Omit<IncidentView, 'outcome'> & { outcome: 'revert' | 'no-target' };

/**
 * The plan for one view, or undefined when nothing it serves read the source. The target is
 * the newest version older than the stable one that was accepted and did not read the source,
 * skipping versions this view was rolled back from already (as an automatic rollback does:
 * they were bad for a reason of their own). When only the candidate read it, the target is the
 * stable version (the rollback drops the candidate).
 */
export function planView(pointer: Pointer, records: readonly VersionRecord[], match: Pick<SourceRevertRequest, 'uri' | 'checksum'>): ViewPlan | undefined {
  const byVersion = new Map(records.map((r) => [r.version, r]));
  const bad = (v: number | null | undefined) => v !== null && v !== undefined && byVersion.has(v) && readsSource(byVersion.get(v)!, match);
  const candidate = pointer.candidate?.version ?? null;
  const badServed = [pointer.stable, candidate].filter((v): v is number => bad(v));
  if (badServed.length === 0) return undefined;
  const base = { view: pointer.view, servedBefore: { stable: pointer.stable, candidate }, readSource: badServed, fromVersion: bad(pointer.stable) ? pointer.stable : candidate };
  if (!bad(pointer.stable)) return { ...base, outcome: 'revert', toVersion: pointer.stable!, why: `only the candidate v${candidate} read the source: dropping it keeps v${pointer.stable}` };
  const target = records
    .filter((r) => r.version < pointer.stable! && r.outcome === 'ready' && !readsSource(r, match) && !pointer.rolledBack.includes(r.version))
    .sort((a, b) => b.version - a.version)[0];
  if (target) return { ...base, outcome: 'revert', toVersion: target.version, why: `v${target.version} is the newest earlier version that did not read the source` };
  const features = [...new Set(badServed.flatMap((v) => featuresFedBy(byVersion.get(v)!, match)))];
  return {
    ...base,
    outcome: 'no-target',
    why: `no earlier accepted version of '${pointer.view}' did without the source`,
    killSwitch: { features, routes: features.map((f) => `POST /views/${pointer.view}/features/${f}/disable`) },
  };
}

export interface SourceRevertOptions {
  /** Attached to each reverted view after its commit (bounded by the caller; undefined: left out). */
  blastRadius?: (view: string, version: number) => Promise<unknown>;
}

/**
 * Plans every view, and (unless `dryRun`) records the incident, rolls each view back in turn
 * and records the outcome. A dry run reads only: no incident, no pointer change.
 *
 * @example await revertSource(deps, incidents, caller, { uri: 's3://lake/events', reason: 'bad export', dryRun: false })
 */
export async function revertSource(deps: Deps, incidents: IncidentLog, caller: Caller, request: SourceRevertRequest, options: SourceRevertOptions = {}): Promise<Incident> {
  const plans: ViewPlan[] = [];
  for (const view of await deps.catalog.listViews()) {
    const [pointer, records] = await Promise.all([deps.pointers.getPointer(view), deps.catalog.listVersions(view)]);
    const plan = pointer ? planView(pointer, records, request) : undefined;
    if (plan) plans.push(plan);
  }
  const now = () => deps.clock.now().toISOString();
  const incident: Incident = {
    id: request.dryRun ? null : `inc-${now().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    kind: 'source-revert',
    source: { ...(request.uri !== undefined ? { uri: request.uri } : {}), ...(request.checksum !== undefined ? { checksum: request.checksum } : {}) },
    reason: request.reason,
    actor: actorName(caller),
    createdAt: now(),
    dryRun: request.dryRun,
    status: request.dryRun ? 'planned' : 'in-progress',
    reverted: plans.filter((p) => p.outcome === 'revert').map((p) => ({ ...p, outcome: request.dryRun ? 'would-revert' : 'pending' })),
    notReverted: plans.filter((p) => p.outcome === 'no-target').map((p) => ({ ...p, outcome: 'no-target' })),
  };
  if (request.dryRun) return incident;
  await incidents.put(incident);

  const reverted: IncidentView[] = [];
  for (const plan of incident.reverted) {
    const outcome = await revertOne(deps, caller, request, incident.id!, plan);
    if (outcome.outcome === 'reverted') {
      const report = options.blastRadius && plan.fromVersion !== null ? await options.blastRadius(plan.view, plan.fromVersion) : undefined;
      reverted.push({ ...outcome, ...(report !== undefined ? { blastRadius: report } : {}) });
    } else incident.notReverted.push(outcome);
  }
  const done: Incident = { ...incident, reverted, status: 'done', completedAt: now() };
  await incidents.put(done);
  return done;
}

/** One view's rollback, as its own pointer transaction; a refusal or failure is its outcome, not the incident's end. */
async function revertOne(deps: Deps, caller: Caller, request: SourceRevertRequest, incidentId: string, plan: IncidentView): Promise<IncidentView> {
  const what = request.uri ?? `checksum ${request.checksum}`;
  const reason = `${request.reason} [incident ${incidentId}: source ${what}]`.slice(0, 1000);
  try {
    const result = await rollbackView(deps, caller, plan.view, {
      toVersion: plan.toVersion!,
      reason,
      ...(request.breakGlassReason !== undefined ? { breakGlassReason: request.breakGlassReason } : {}),
    });
    return { ...plan, outcome: result.changed ? 'reverted' : 'already', ...(result.auditId ? { auditId: result.auditId } : {}), revision: result.pointer.revision };
  } catch (error) {
    if (!(error instanceof RewindError)) throw error;
    // A refusal inside the incident is audited like one at the edge, each view on its own.
    if (error instanceof ForbiddenError) await recordRefusal(deps, caller, error, plan.view);
    return { ...plan, outcome: error instanceof ForbiddenError ? 'refused' : 'failed', why: error.message, error: { code: error.code, message: error.message } };
  }
}

async function recordRefusal(deps: Deps, caller: Caller, error: ForbiddenError, view: string): Promise<void> {
  const draft = {
    actor: actorName(caller),
    action: error.action,
    outcome: 'denied' as const,
    view: error.view ?? view,
    reason: error.message,
    detail: { routeKey: 'POST /sources/revert', roles: caller.principal.roles, code: error.code },
  };
  if (deps.refusals) await deps.refusals.recordRefusal(draft);
  else await deps.audit.appendAudit(draft);
}
