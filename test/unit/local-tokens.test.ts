/**
 * Local HS256 tokens (contract/local-tokens.ts) as the local gateway checks them: always an
 * expiry, and a refusal that says which check failed, as API Gateway's JWT authorizer does in
 * its `www-authenticate` header. The gateway on a free port; no emulators (a refused token
 * never reaches a handler).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SignJWT } from 'jose';
import { createGateway } from '../../local/gateway';
import { secretVerifier } from '../../local/tokens';
import { DEFAULT_TOKEN_LIFETIME, LOCAL_AUDIENCE, LOCAL_ISSUER, mintToken, verifyToken } from '../../contract/local-tokens';

const SECRET = 'unit-test-secret';
const key = new TextEncoder().encode(SECRET);

/** Everything right except, optionally, the expiry: what a hand-made or old token looks like. */
function signed(exp: number | undefined): Promise<string> {
  const jwt = new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuer(LOCAL_ISSUER).setAudience(LOCAL_AUDIENCE).setIssuedAt();
  return (exp === undefined ? jwt : jwt.setExpirationTime(exp)).sign(key);
}

let server: Server;
let url: string;
beforeAll(async () => {
  server = createGateway({ verifyToken: secretVerifier(SECRET) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(token: string): Promise<{ status: number; message: string; challenge: string | null }> {
  const res = await fetch(`${url}/views`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('Unauthenticated');
  return { status: res.status, message: body.error.message, challenge: res.headers.get('www-authenticate') };
}

describe('minting', () => {
  it(`always sets an expiry, ${DEFAULT_TOKEN_LIFETIME} unless asked otherwise`, async () => {
    const claims = await verifyToken(SECRET, await mintToken(SECRET, { sub: 'ana', roles: ['viewer'] }));
    expect(DEFAULT_TOKEN_LIFETIME).toBe('12h');
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
    const short = await verifyToken(SECRET, await mintToken(SECRET, { sub: 'ana', roles: ['viewer'], expiresIn: '5m' }));
    expect(short.exp! - short.iat!).toBe(300);
  });
});

describe('the local gateway refuses, naming the check', () => {
  it('a correctly signed token without exp (it would otherwise be valid forever)', async () => {
    await expect(verifyToken(SECRET, await signed(undefined))).rejects.toThrow(/"exp"/);
    const refused = await call(await signed(undefined));
    expect(refused.status).toBe(401);
    expect(refused.message).toMatch(/^bearer token refused: missing required "exp" claim/);
    expect(refused.challenge).toMatch(/^Bearer error="invalid_token", error_description="missing required \\"exp\\" claim"/);
  });

  it('an expired token', async () => {
    const refused = await call(await signed(Math.floor(Date.now() / 1000) - 60));
    expect(refused).toMatchObject({ status: 401, message: expect.stringMatching(/^bearer token refused: "exp" claim timestamp check failed/) });
  });

  it('a token signed with another secret', async () => {
    const refused = await call(await mintToken('another-secret', { sub: 'mallory', roles: ['admin'] }));
    expect(refused).toMatchObject({ status: 401, message: expect.stringMatching(/^bearer token refused: signature verification failed/) });
  });

  it('no token at all, with the hint to mint one', async () => {
    const res = await fetch(`${url}/views`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/rewind token/);
  });
});
