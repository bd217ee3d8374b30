/**
 * Local bearer tokens: HS256 JWTs signed with REWIND_JWT_SECRET. In AWS the API Gateway
 * JWT authorizer verifies tokens from the configured issuer instead; the claims the
 * handlers read (`sub`, `roles`, `amr`) are the same. With REWIND_JWT_ISSUER set, the local
 * gateway does what that authorizer does (issuerVerifier) and accepts nothing else.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export const LOCAL_ISSUER = 'rewind-local';
export const LOCAL_AUDIENCE = 'rewind';
/** Used only by the local runtime, and announced loudly when it is. */
export const DEV_DEFAULT_SECRET = 'rewind-local-dev-secret-do-not-use-in-aws';

export function jwtSecret(env: NodeJS.ProcessEnv = process.env): { secret: string; isDefault: boolean } {
  const configured = env.REWIND_JWT_SECRET;
  return configured ? { secret: configured, isDefault: false } : { secret: DEV_DEFAULT_SECRET, isDefault: true };
}

export interface TokenRequest {
  sub: string;
  roles: string[];
  mfa?: boolean;
  expiresIn?: string;
}

/** @example await mintToken(secret, { sub: 'alice', roles: ['deployer'] }) */
export async function mintToken(secret: string, request: TokenRequest): Promise<string> {
  return new SignJWT({ roles: request.roles, ...(request.mfa ? { amr: ['pwd', 'mfa'] } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(request.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}

export async function verifyToken(secret: string, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    algorithms: ['HS256'],
  });
  return payload;
}

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
