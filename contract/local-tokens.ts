/**
 * Local bearer tokens: HS256 JWTs signed with REWIND_JWT_SECRET, for the local runtime only.
 * They are a contract between two rooms that must not import each other: `cli/` (and tests,
 * bench, examples) mint them, `local/` verifies them. In AWS the API Gateway JWT authorizer
 * verifies tokens from the configured issuer instead; the claims the handlers read (`sub`,
 * `roles`, `amr`) are the same.
 *
 * Pure: jose and the environment passed in, nothing of ours, so the CLI can mint without
 * loading the runtime.
 */
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

export const LOCAL_ISSUER = 'rewind-local';
export const LOCAL_AUDIENCE = 'rewind';
/** Used only by the local runtime, and announced loudly when it is. */
export const DEV_DEFAULT_SECRET = 'rewind-local-dev-secret-do-not-use-in-aws';
/**
 * Every local token expires; this is the lifetime when none is asked for (a working day,
 * so `export REWIND_TOKEN=$(rewind token …)` lasts a session and a leaked one does not last).
 */
export const DEFAULT_TOKEN_LIFETIME = '12h';

export function jwtSecret(env: NodeJS.ProcessEnv = process.env): { secret: string; isDefault: boolean } {
  const configured = env.REWIND_JWT_SECRET;
  return configured ? { secret: configured, isDefault: false } : { secret: DEV_DEFAULT_SECRET, isDefault: true };
}

export interface TokenRequest {
  sub: string;
  roles: string[];
  mfa?: boolean;
  /** A jose duration such as '30m', '12h', '7d'; DEFAULT_TOKEN_LIFETIME when absent. */
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
    .setExpirationTime(request.expiresIn ?? DEFAULT_TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(secret));
}

/**
 * The claims of a local token; throws jose's error (which names the failed check) otherwise.
 * `exp` is required, not merely checked when present: jose accepts a token without one, and
 * such a token, signed with the long-lived local secret, would be valid forever.
 */
export async function verifyToken(secret: string, token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    algorithms: ['HS256'],
    requiredClaims: ['exp'],
  });
  return payload;
}
