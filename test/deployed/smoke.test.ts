/**
 * The deployed stack's front door, which the other suites take for granted: run only by the
 * deployed config (test/deployed/run.ts: test:deployed, test:localstack, test:stand-in),
 * never by `npm test`, which has no stack.
 *
 * What it proves: the JWT authorizer refuses a request with no token, with a token signed by
 * a key the issuer never published, and with one for another audience, before any function
 * runs (nothing is audited for them); with the issuer's token the route reaches its function,
 * which reads the policy and the tables (200) or refuses and audits the refusal (403).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ISSUER_KEY_ENV, loadIssuerKey, mintIssuerToken } from '../support/oidc-issuer';
import { DEPLOYED, startTestRewind, type TestRewind } from '../support/rewind';

if (!DEPLOYED) throw new Error('the smoke test runs against a deployed stack: npm run test:deployed | test:localstack | test:stand-in');

let rewind: TestRewind;
beforeAll(async () => {
  rewind = await startTestRewind('smoke');
});

const bare = async (path: string, token?: string) => (await fetch(`${rewind.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})).status;

it('answers 401 without a token, with a token the issuer did not sign, and for another audience', async () => {
  const key = loadIssuerKey(process.env[ISSUER_KEY_ENV]!);
  const impostor = await generateKeyPair('RS256', { extractable: true });
  const forged = await new SignJWT({ roles: ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject(`mallory.${rewind.tag}`)
    .setIssuer(key.issuer)
    .setAudience(key.audience)
    .setExpirationTime('5m')
    .sign(impostor.privateKey);
  expect(await exportJWK(impostor.publicKey)).not.toEqual(key.publicJwk);
  const elsewhere = await mintIssuerToken({ ...key, audience: 'not-rewind' }, { sub: `eve.${rewind.tag}`, roles: ['admin'] });

  for (const path of ['/views', '/online/any/any']) {
    expect(await bare(path)).toBe(401);
    expect(await bare(path, forged)).toBe(401);
    expect(await bare(path, elsewhere)).toBe(401);
  }
  const admin = await rewind.as('auditor', ['admin']);
  const audit = await admin.get(`/audit?actor=mallory.${rewind.tag}`);
  expect(audit).toMatchObject({ status: 200, body: { entries: [] } });
});

it('lets a viewer read the views and the policy in force', async () => {
  const viewer = await rewind.as('viewer', ['viewer']);
  expect(await viewer.get('/views')).toMatchObject({ status: 200 });
  expect(await viewer.get('/policy')).toMatchObject({ status: 200 });
});

it('refuses a viewer a rollback (403) and audits the refusal', async () => {
  const viewer = await rewind.as('viewer', ['viewer']);
  const view = rewind.view('smoke');
  expect((await viewer.post(`/views/${view}/rollback`, { reason: 'smoke test' })).status).toBe(403);
  const admin = await rewind.as('auditor', ['admin']);
  const audit = await admin.get(`/audit?view=${view}`);
  expect(audit.status).toBe(200);
  expect(audit.body.entries).toContainEqual(expect.objectContaining({ actor: viewer.sub, action: 'rollback', outcome: 'denied' }));
});
