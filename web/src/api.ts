/**
 * The console's only way out: HTTP to the Rewind API with the signed-in token. The token lives
 * in this module's memory only (never localStorage): a reload signs out. A 401 ends the
 * session and sends the user back to sign-in; every other refusal becomes an ApiError carrying
 * the API's own code, message and field, which the pages show as they are.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  sub: string;
  roles: string[];
  mfa: boolean;
  /** Epoch ms, from the token's `exp`. */
  expiresAt?: number;
}

let apiUrl = '';
let session: Session | undefined;
const listeners = new Set<(s: Session | undefined, why?: string) => void>();

export function configureApi(url: string): void {
  apiUrl = url.replace(/\/+$/, '');
}

/** Reads the claims the console needs from a JWT (display only: the API verifies the token). */
export function sessionFromToken(token: string): Session {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new ApiError(0, 'BadToken', 'that is not a JWT (three dot-separated parts)');
  let claims: { sub?: string; roles?: unknown; amr?: unknown; exp?: number };
  try {
    claims = JSON.parse(atob(parts[1]!.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1]!.length / 4) * 4, '=')));
  } catch {
    throw new ApiError(0, 'BadToken', "the token's payload is not readable JSON");
  }
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.replace(/^\[|\]$/g, '').split(/[ ,]+/).filter(Boolean) : []);
  return {
    token: token.trim(),
    sub: claims.sub ?? '(no sub)',
    roles: list(claims.roles),
    mfa: list(claims.amr).includes('mfa'),
    ...(claims.exp ? { expiresAt: claims.exp * 1000 } : {}),
  };
}

export function currentSession(): Session | undefined {
  return session;
}

export function setSession(next: Session | undefined, why?: string): void {
  session = next;
  for (const l of listeners) l(next, why);
}

export function onSessionChange(listener: (s: Session | undefined, why?: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  if (!session) throw new ApiError(401, 'Unauthenticated', 'sign in first');
  let res: Response;
  try {
    res = await fetch(`${apiUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${session.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'Unreachable', `could not reach the Rewind API at ${apiUrl || location.origin}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  const refusal = new ApiError(res.status, error?.code ?? `HTTP${res.status}`, error?.message ?? `the API answered ${res.status} ${res.statusText}`, error?.field);
  if (res.status === 401) setSession(undefined, `signed out: ${refusal.message}`);
  throw refusal;
}

/** `/views/a b` with each dynamic segment encoded. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}
