/**
 * Local bearer tokens: HS256 JWTs signed with REWIND_JWT_SECRET. In AWS the API Gateway
 * JWT authorizer verifies tokens from the configured issuer instead; the claims the
 * handlers read (`sub`, `roles`, `amr`) are the same.
 */
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

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
