/**
 * A machine identity's access token from an OIDC issuer: the OAuth 2.0 client-credentials grant
 * (RFC 6749 §4.4) at the token endpoint the issuer's discovery document names
 * (`<issuer>/.well-known/openid-configuration`, `token_endpoint`). The scheduled drill
 * (functions/scheduled-drill.ts) calls the stack's own API with it: the API's JWT authorizer
 * accepts only that issuer's tokens.
 *
 * The client authenticates with HTTP Basic (`client_secret_basic`, what every issuer accepts;
 * the secret is never put in a URL). A token is cached until a minute before it expires.
 * Errors name what failed (discovery, the grant, the answer) without the secret.
 */
export interface ClientCredentials {
  /** The issuer as the API trusts it (`rewind:jwtIssuer`), with or without its trailing slash. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes to ask for (Cognito: a resource server's `<id>/<scope>`). */
  scope?: string;
  /** An `audience` parameter, for issuers that put the API's audience in `aud` only when asked (Auth0). */
  audience?: string;
}

export type TokenSource = () => Promise<string>;

export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TokenRequestError(`${what} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof body !== 'object' || body === null) throw new TokenRequestError(`${what} answered ${response.status} with ${text.slice(0, 200)}`);
  if (!response.ok) {
    const b = body as { error?: unknown; error_description?: unknown };
    throw new TokenRequestError(`${what} refused (${response.status}): ${String(b.error ?? 'error')}${b.error_description ? `: ${String(b.error_description)}` : ''}`);
  }
  return body as Record<string, unknown>;
}

/** The issuer's token endpoint, from its discovery document. */
export async function tokenEndpoint(issuer: string, http: typeof fetch = fetch): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const doc = await json(await http(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) }), `the issuer's discovery document ${url}`);
  const endpoint = doc.token_endpoint;
  if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) throw new TokenRequestError(`the issuer's discovery document ${url} names no token_endpoint`);
  return endpoint;
}

/**
 * @example const token = clientCredentialsTokenSource({ issuer, clientId, clientSecret }); await token() // 'eyJ…'
 */
export function clientCredentialsTokenSource(credentials: ClientCredentials, options: { fetch?: typeof fetch; now?: () => number } = {}): TokenSource {
  const http = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let cached: { token: string; until: number } | undefined;
  let endpoint: string | undefined;
  return async () => {
    if (cached && now() < cached.until) return cached.token;
    endpoint ??= await tokenEndpoint(credentials.issuer, http);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (credentials.scope) form.set('scope', credentials.scope);
    if (credentials.audience) form.set('audience', credentials.audience);
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
    const body = await json(
      await http(endpoint, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString(), signal: AbortSignal.timeout(10_000) }),
      `the token endpoint ${endpoint}`,
    );
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') throw new TokenRequestError(`the token endpoint ${endpoint} answered without an access_token`);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
    cached = { token, until: now() + Math.max(0, expiresIn - 60) * 1000 };
    return token;
  };
}
