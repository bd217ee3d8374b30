/**
 * The one list of HTTP routes. API Gateway routes (infra/) and the local HTTP gateway
 * (local/) are both generated from it; each route names the Lambda entry point in
 * functions/ that serves it, so locally and in AWS the same handler answers.
 */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  path: string;
  /** File under functions/ (without extension) whose `handler` export serves the route. */
  handler: string;
  summary: string;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/views', handler: 'list-views', summary: 'List views and what each serves' },
  { method: 'GET', path: '/views/{view}', handler: 'get-view', summary: "A view's pointer" },
  { method: 'POST', path: '/views/{view}/versions', handler: 'deploy-version', summary: 'Deploy a new version (does not activate unless asked)' },
  { method: 'GET', path: '/views/{view}/versions', handler: 'list-versions', summary: "A view's versions" },
  { method: 'GET', path: '/views/{view}/versions/{version}', handler: 'get-version', summary: 'One version record' },
  { method: 'DELETE', path: '/views/{view}/versions/{version}/online', handler: 'purge-version', summary: "Purge a version's online values (its snapshot stays)" },
  { method: 'POST', path: '/views/{view}/activate', handler: 'activate', summary: 'Point the view at a version' },
  { method: 'POST', path: '/views/{view}/rollback', handler: 'rollback', summary: 'Go back to a known-good version' },
  { method: 'GET', path: '/views/{view}/history', handler: 'get-history', summary: 'Pointer changes, newest first' },
  { method: 'POST', path: '/uploads', handler: 'create-upload', summary: 'A presigned URL for uploading a large data file' },
  { method: 'GET', path: '/online/{view}/{entity}', handler: 'get-online', summary: 'Serve the feature values of one entity' },
  { method: 'GET', path: '/audit', handler: 'list-audit', summary: 'Audit entries, optionally for one view' },
  { method: 'GET', path: '/audit/verify', handler: 'verify-audit', summary: 'Verify the audit hash chains' },
] as const;

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
