/**
 * The local gateway in issuer mode does what API Gateway's JWT authorizer does: keys from the
 * issuer's discovery document and JWKS, RS256 only, issuer, audience and expiry checked. A
 * real HTTP issuer (test/support/oidc-issuer.ts) on a free port; no emulators.
 */
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { issuerVerifier, mintToken } from '../../local/tokens';
import { createIssuerKey, mintIssuerToken, startIssuer, type RunningIssuer } from '../support/oidc-issuer';

let issuer: RunningIssuer;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(() => issuer.stop());

const verifier = () => issuerVerifier({ issuer: issuer.key.issuer, audience: issuer.key.audience });

it('accepts the issuer’s token and returns its claims', async () => {
  const payload = await verifier()(await mintIssuerToken(issuer.key, { sub: 'ann', roles: ['approver'], mfa: true }));
  expect(payload).toMatchObject({ sub: 'ann', roles: ['approver'], amr: ['pwd', 'mfa'], iss: issuer.key.issuer, aud: 'rewind' });
});

it('refuses a token for another audience, from another issuer name, or past its expiry', async () => {
  const verify = verifier();
  await expect(verify(await mintIssuerToken({ ...issuer.key, audience: 'billing' }, { sub: 'a', roles: [] }))).rejects.toThrow(/aud/);
  await expect(verify(await mintIssuerToken({ ...issuer.key, issuer: 'https://elsewhere.example' }, { sub: 'a', roles: [] }))).rejects.toThrow(/iss/);
  const expired = await new SignJWT({ roles: [] })
    .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
    .setIssuer(issuer.key.issuer)
    .setAudience(issuer.key.audience)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(await importJWK(issuer.key.privateJwk, 'RS256'));
  await expect(verify(expired)).rejects.toThrow(/exp/);
});

it('refuses a token signed by a key the issuer never published, even under its key id', async () => {
  const impostor = await generateKeyPair('RS256');
  const forged = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
    .setSubject('mallory')
    .setIssuer(issuer.key.issuer)
    .setAudience(issuer.key.audience)
    .setExpirationTime('5m')
    .sign(impostor.privateKey);
  await expect(verifier()(forged)).rejects.toThrow(/signature/);
});

it('refuses the local HS256 tokens once an issuer is trusted', async () => {
  await expect(verifier()(await mintToken('any-secret', { sub: 'dev', roles: ['deployer'] }))).rejects.toThrow();
});

it('fails closed when the issuer cannot be reached, and discovers again on the next token', async () => {
  const down = await startIssuer();
  const key = await createIssuerKey(down.url);
  const verify = issuerVerifier({ issuer: key.issuer, audience: key.audience });
  const token = await mintIssuerToken(key, { sub: 'a', roles: [] });
  await down.stop();
  await expect(verify(token)).rejects.toThrow();
  // The same port, now serving the key: the failed discovery was not cached.
  const port = Number(new URL(down.url).port);
  const up = await startIssuer({ key, port });
  try {
    await expect(verify(token)).resolves.toMatchObject({ sub: 'a' });
  } finally {
    await up.stop();
  }
});

it('refuses a token without an expiry, as API Gateway does', async () => {
  const forever = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid: issuer.key.kid })
    .setSubject('a')
    .setIssuer(issuer.key.issuer)
    .setAudience(issuer.key.audience)
    .sign(await importJWK(issuer.key.privateJwk, 'RS256'));
  await expect(verifier()(forever)).rejects.toThrow(/exp/);
});

it('refuses every token when the discovery document names another issuer', async () => {
  // The server publishes documents for the issuer in its key; trusting another name for the
  // same URL must not borrow that issuer's keys.
  const other = await startIssuer({ key: await createIssuerKey('https://someone-else.example') });
  try {
    const verify = issuerVerifier({ issuer: other.url, audience: 'rewind' });
    const token = await mintIssuerToken({ ...other.key, issuer: other.url }, { sub: 'a', roles: [] });
    await expect(verify(token)).rejects.toThrow(/names 'https:\/\/someone-else.example'/);
  } finally {
    await other.stop();
  }
});

it('keeps an issuer with a trailing slash exactly as given, in its tokens and its discovery document', async () => {
  const probe = await startIssuer();
  await probe.stop();
  const key = await createIssuerKey(`${probe.url}/`);
  const served = await startIssuer({ key, port: Number(new URL(probe.url).port) });
  try {
    expect(key.issuer).toBe(`${probe.url}/`);
    const payload = await issuerVerifier({ issuer: key.issuer, audience: key.audience })(await mintIssuerToken(key, { sub: 'a', roles: [] }));
    expect(payload.iss).toBe(key.issuer);
  } finally {
    await served.stop();
  }
});
