/**
 * How the console gets a token. `config.json` beside the bundle says which way:
 * - `local` (the local runtime writes it): paste a token minted by `rewind token`;
 * - `oidc` (the stack writes it): authorization code + PKCE against the issuer the API's JWT
 *   authorizer trusts. Only the PKCE verifier and state cross the redirect (sessionStorage,
 *   deleted on return); the token itself is kept in memory only.
 */
import { ApiError, sessionFromToken, setSession } from './api';

export interface ConsoleConfig {
  mode: 'local' | 'oidc';
  /** The API's base URL; '' for the same origin (the local runtime). */
  apiUrl: string;
  oidc?: { issuer: string; clientId: string; scopes?: string; tokenField?: 'id_token' | 'access_token' };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch(new URL('config.json', document.baseURI));
  if (!res.ok) throw new ApiError(res.status, 'NoConfig', `the console's config.json could not be read (${res.status})`);
  return (await res.json()) as ConsoleConfig;
}

export function signInWithToken(token: string): void {
  setSession(sessionFromToken(token));
}

const PENDING = 'rewind-console-pkce';

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function redirectUri(): string {
  return new URL('./', document.baseURI).href;
}

async function discovery(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const res = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new ApiError(res.status, 'OidcDiscovery', `the issuer's discovery document could not be read (${res.status})`);
  return res.json();
}

export async function beginOidcSignIn(oidc: NonNullable<ConsoleConfig['oidc']>): Promise<void> {
  const { authorization_endpoint } = await discovery(oidc.issuer);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scopes ?? 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** On the return from the issuer (`?code=&state=`): exchanges the code; false when this is no return. */
export async function completeOidcSignIn(oidc: NonNullable<ConsoleConfig['oidc']>): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const pending = sessionStorage.getItem(PENDING);
  if (!code && !params.get('error')) return false;
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', redirectUri() + location.hash);
  if (params.get('error')) throw new ApiError(401, 'OidcError', `the issuer refused the sign-in: ${params.get('error_description') ?? params.get('error')}`);
  const { verifier, state } = pending ? (JSON.parse(pending) as { verifier: string; state: string }) : { verifier: '', state: '' };
  if (!verifier || params.get('state') !== state) throw new ApiError(401, 'OidcState', 'the sign-in answer does not match the request this tab made; sign in again');
  const { token_endpoint } = await discovery(oidc.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri(), client_id: oidc.clientId, code_verifier: verifier }),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, string>;
  const token = body[oidc.tokenField ?? 'access_token'];
  if (!res.ok || !token) throw new ApiError(res.status, 'OidcToken', `the issuer gave no token: ${body.error_description ?? body.error ?? res.status}`);
  signInWithToken(token);
  return true;
}
