/**
 * The one list of HTTP routes. API Gateway routes (infra/) and the local HTTP gateway
 * (local/) are both generated from it; each route names the Lambda entry point in
 * functions/ that serves it, so locally and in AWS the same handler answers.
 */
import type { Action } from './actions';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  path: string;
  /** File under functions/ (without extension) whose `handler` export serves the route. */
  handler: string;
  /** What the caller must be allowed to do (core/access-policy.ts); the handler enforces it. */
  action: Action;
  summary: string;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/views', handler: 'list-views', action: 'read', summary: 'List views and what each serves' },
  { method: 'GET', path: '/views/{view}', handler: 'get-view', action: 'read', summary: "A view's pointer" },
  { method: 'POST', path: '/views/{view}/versions', handler: 'deploy-version', action: 'deploy', summary: 'Deploy a new version (does not activate unless asked)' },
  { method: 'POST', path: '/views/{view}/plan', handler: 'plan-version', action: 'deploy', summary: 'Validate a deploy request against the baseline and report; writes nothing' },
  { method: 'GET', path: '/views/{view}/versions', handler: 'list-versions', action: 'read', summary: "A view's versions" },
  { method: 'GET', path: '/views/{view}/versions/{version}', handler: 'get-version', action: 'read', summary: 'One version record' },
  {
    method: 'GET',
    path: '/views/{view}/versions/{version}/blast-radius',
    handler: 'get-blast-radius',
    action: 'read',
    summary: 'When a version was served and to what share, the models consuming it, requests sampled, artifacts refreshed from it (?format=md: Markdown)',
  },
  { method: 'DELETE', path: '/views/{view}/versions/{version}/online', handler: 'purge-version', action: 'purge', summary: "Purge a version's online values (its snapshot stays)" },
  { method: 'POST', path: '/views/{view}/activate', handler: 'activate', action: 'activate', summary: 'Point the view at a version' },
  { method: 'POST', path: '/views/{view}/rollback', handler: 'rollback', action: 'rollback', summary: 'Go back to a known-good version (during a canary or shadow: drop the candidate)' },
  { method: 'POST', path: '/views/{view}/promote', handler: 'promote', action: 'promote', summary: 'Make the canary or shadow candidate stable for everyone' },
  { method: 'POST', path: '/views/{view}/features/{feature}/disable', handler: 'disable-feature', action: 'disable', summary: 'Kill switch: serve one feature as its declared default' },
  { method: 'POST', path: '/views/{view}/features/{feature}/enable', handler: 'enable-feature', action: 'enable', summary: 'Serve a disabled feature again' },
  { method: 'POST', path: '/views/{view}/approvals', handler: 'create-approval', action: 'approve', summary: "Approve a pointer change of a view whose tier needs a second person" },
  { method: 'GET', path: '/views/{view}/approvals', handler: 'list-approvals', action: 'read', summary: "A view's approvals, newest first, with whether each is usable" },
  { method: 'GET', path: '/policy', handler: 'get-policy', action: 'read', summary: 'The policy document in force: roles × tiers × actions, MFA and approvals' },
  {
    method: 'PUT',
    path: '/policy',
    handler: 'put-policy',
    action: 'administer',
    summary: "Propose a new policy document (admin with MFA; audited): 202 with the proposal and what it would change. With breakGlassReason: in force at once (200), recorded",
  },
  { method: 'GET', path: '/policy/proposals', handler: 'list-policy-proposals', action: 'read', summary: 'Policy proposals, newest first: pending, stale or applied, with what each would change' },
  {
    method: 'POST',
    path: '/policy/proposals/{id}/approve',
    handler: 'approve-policy-proposal',
    action: 'approve-policy',
    summary: 'Put a policy proposal in force as the next revision (an admin or approver with MFA other than its proposer; audited)',
  },
  {
    method: 'GET',
    path: '/views/{view}/drift',
    handler: 'get-drift',
    action: 'read',
    summary: "The drift monitor's per-feature figures over time (?since=, ?until=: ISO, default the last 3 h) for the versions served now, and each feature's status against its alarm thresholds",
  },
  { method: 'POST', path: '/drills', handler: 'put-drill', action: 'deploy', summary: 'Store a drill report (the drill runner posts it; audited as a drill; a failed drill escalates)' },
  { method: 'GET', path: '/drills', handler: 'list-drills', action: 'read', summary: 'Drill reports, newest first: scenario, load, time to detect and to recover, requests served bad' },
  { method: 'GET', path: '/drills/{id}', handler: 'get-drill', action: 'read', summary: 'One drill report (?format=md: Markdown; ?format=html: a self-contained page with the SVG timeline and latency)' },
  {
    method: 'GET',
    path: '/views/{view}/runbook',
    handler: 'get-runbook',
    action: 'read',
    summary: "The view's runbook as a checklist with today's facts: known-good version, who may roll back and approve, models, sources, the commands (?format=md: Markdown)",
  },
  { method: 'GET', path: '/views/{view}/history', handler: 'get-history', action: 'read', summary: 'Pointer changes, newest first' },
  { method: 'GET', path: '/views/{view}/as-of', handler: 'get-view-as-of', action: 'read', summary: 'Time travel: the pointer in force at ?at=<ISO 8601> and the version records it named' },
  {
    method: 'GET',
    path: '/views/{view}/as-of/online/{entity}',
    handler: 'get-online-as-of',
    action: 'read',
    summary: 'Time travel: what GET /online/{view}/{entity} served at ?at=<ISO 8601>, from the online store or the verified snapshot (GET /online/{view}/{entity}?at= redirects here)',
  },
  {
    method: 'POST',
    path: '/views/{view}/training-sets',
    handler: 'create-training-set',
    action: 'read',
    summary: 'An "as served" training set: for each (entity, instant) row, inline or in an uploaded CSV/Parquet file, the features served then, and the version and arm that served them, as a Parquet file in S3',
  },
  { method: 'GET', path: '/views/{view}/training-sets/{id}', handler: 'get-training-set', action: 'read', summary: 'A stored training set: a short-lived download URL for its Parquet file' },
  { method: 'GET', path: '/lineage/sources', handler: 'get-source-lineage', action: 'read', summary: 'Lineage of a source (?uri=): every version that read it, which are served now, the models they feed' },
  { method: 'GET', path: '/lineage/views/{view}', handler: 'get-view-lineage', action: 'read', summary: "Lineage of a view: each version's upstream (sources, transformation) and downstream (models, artifacts)" },
  { method: 'GET', path: '/lineage/models/{model}', handler: 'get-model-lineage', action: 'read', summary: 'Lineage of a model: the views and versions it consumes, what of it is served now, and their sources' },
  {
    method: 'POST',
    path: '/sources/revert',
    handler: 'revert-source',
    // Each view's rollback is judged on its own, at its tier, by the rollback use case.
    action: 'rollback',
    summary: 'Roll back every view served from a source (uri or checksum) to its newest earlier version without it, one incident (dryRun: plan only)',
  },
  { method: 'GET', path: '/incidents/{id}', handler: 'get-incident', action: 'read', summary: 'An incident (a source revert): what was reverted, what was not and why, with blast radii' },
  { method: 'POST', path: '/uploads', handler: 'create-upload', action: 'upload', summary: 'A presigned URL for uploading a large data file' },
  { method: 'GET', path: '/online/{view}/{entity}', handler: 'get-online', action: 'read', summary: 'Serve the feature values of one entity' },
  { method: 'GET', path: '/audit', handler: 'list-audit', action: 'read', summary: 'Audit entries, newest first, optionally for one view and/or one actor' },
  { method: 'GET', path: '/audit/verify', handler: 'verify-audit', action: 'read', summary: 'Verify the audit hash chains' },
  { method: 'POST', path: '/audit/checkpoints', handler: 'create-audit-checkpoint', action: 'administer', summary: "Sign and store a checkpoint of every audit chain's end now (admin with MFA)" },
  {
    method: 'POST',
    path: '/events/republish',
    handler: 'republish-events',
    action: 'republish',
    summary: "Publish again the events of a view's committed changes from a revision (admin; audited): after stream records went to the outbox's failure queue",
  },
  // `/batch`, not Google-style `:batch`: API Gateway HTTP API path parameters must be whole
  // segments, so `/online/{view}:batch` cannot be a route (and the local gateway matches
  // segments too). `batch` is no entity of this route: a GET /online/{view}/batch still reads entity "batch".
  { method: 'GET', path: '/jobs/{id}', handler: 'get-job', action: 'read', summary: 'A deploy job: status, phase, chunks done/total, rows written, rows/s, started, updated, error' },
  { method: 'GET', path: '/views/{view}/jobs', handler: 'list-jobs', action: 'read', summary: "A view's deploy jobs, newest first" },
  { method: 'POST', path: '/jobs/{id}/cancel', handler: 'cancel-job', action: 'deploy', summary: 'Cancel a running deploy job: no version is recorded and its online rows are deleted (409 once it has ended)' },
  { method: 'POST', path: '/online/{view}/batch', handler: 'get-online-batch', action: 'read', summary: 'Serve the feature values of up to 100 entities in one read' },
] as const;

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** The route served by a handler file; handlers look up their own action here. */
export function routeForHandler(handler: string): RouteSpec {
  const route = ROUTES.find((r) => r.handler === handler);
  if (!route) throw new Error(`no route is served by functions/${handler}`);
  return route;
}
