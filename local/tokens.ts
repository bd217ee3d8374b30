/**
 * How the local gateway checks bearer tokens: local HS256 tokens (contract/local-tokens.ts,
 * secretVerifier), or, with REWIND_JWT_ISSUER set, what API Gateway's JWT authorizer does
 * (issuerVerifier), accepting nothing else.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LOCAL_AUDIENCE, verifyToken } from '../contract/local-tokens';

// Minting moved to contract/ so that cli/ need not import local/; re-exported for the
// runtime's other callers (bench, examples, test support) until they import it from there.
export { DEFAULT_TOKEN_LIFETIME, DEV_DEFAULT_SECRET, jwtSecret, LOCAL_AUDIENCE, LOCAL_ISSUER, mintToken, verifyToken, type TokenRequest } from '../contract/local-tokens';

/** Checks a bearer token and returns its claims; throws when it is not acceptable. */
export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export function secretVerifier(secret: string): TokenVerifier {
  return (token) => verifyToken(secret, token);
}

export interface TrustedIssuer {
  issuer: string;
  audience: string;
}

/** REWIND_JWT_ISSUER and REWIND_JWT_AUDIENCE: the same pair the stack takes as context. */
export function trustedIssuerFromEnv(env: NodeJS.ProcessEnv = process.env): TrustedIssuer | undefined {
  const issuer = env.REWIND_JWT_ISSUER;
  if (!issuer) return undefined;
  if (!/^https?:\/\/\S+$/.test(issuer)) throw new Error(`REWIND_JWT_ISSUER must be an http(s) URL, got '${issuer}'`);
  return { issuer, audience: env.REWIND_JWT_AUDIENCE || LOCAL_AUDIENCE };
}

/**
 * What API Gateway's JWT authorizer does: find the issuer's JWKS through its OpenID discovery
 * document (which must name the same issuer), then accept only RS256 tokens signed by one of
 * those keys, naming that issuer and audience, and carrying an expiry that has not passed.
 * Discovery happens on first use and is retried after a failure.
 */
export function issuerVerifier(trusted: TrustedIssuer): TokenVerifier {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const res = await fetch(`${trusted.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`issuer discovery answered HTTP ${res.status}`);
    const { issuer, jwks_uri } = (await res.json()) as { issuer?: string; jwks_uri?: string };
    if (issuer !== trusted.issuer) throw new Error(`issuer discovery document names '${issuer}', not the trusted '${trusted.issuer}'`);
    if (!jwks_uri) throw new Error('issuer discovery document has no jwks_uri');
    return createRemoteJWKSet(new URL(jwks_uri));
  };
  return async (token) => {
    keys ??= discover().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    const { payload } = await jwtVerify(token, await keys, { issuer: trusted.issuer, audience: trusted.audience, algorithms: ['RS256'], requiredClaims: ['exp'] });
    return payload;
  };
}
