/**
 * The scheduled drill's inputs (functions/scheduled-drill.ts): its options from the stack's JSON,
 * its client secret as stored, and the client-credentials token source
 * (store/oidc-client-credentials.ts) against a real HTTP token endpoint on the loopback: the
 * grant it sends, its cache, and errors that say what failed without the secret.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../contract/config';
import { clientSecretOf, drillOptionsFromEnv } from '../../functions/scheduled-drill';
import { clientCredentialsTokenSource, TokenRequestError } from '../../store/oidc-client-credentials';

describe('drill options from REWIND_DRILL_OPTIONS', () => {
  it('reads what the stack writes, with the schema defaults', () => {
    expect(drillOptionsFromEnv('{"scenario":"nulls","rows":1000,"rps":10,"targetMttrSeconds":30,"mode":"auto","periodSeconds":10,"timeoutSeconds":150}')).toEqual({ scenario: 'nulls', rows: 1000, rps: 10, targetMttrSeconds: 30, mode: 'auto', periodSeconds: 10, timeoutSeconds: 150 });
  });
  it.each([
    ['not json', /REWIND_DRILL_OPTIONS is not JSON/],
    ['{}', /REWIND_DRILL_OPTIONS: scenario must be one of/],
    ['{"scenario":"nulls","rows":5}', /REWIND_DRILL_OPTIONS: rows must be at least 50/],
  ])('refuses %s naming the variable and the field', (raw, message) => {
    expect(() => drillOptionsFromEnv(raw)).toThrow(ConfigError);
    expect(() => drillOptionsFromEnv(raw)).toThrow(message);
  });
});

describe('the client secret as stored in Secrets Manager', () => {
  it('is the string itself, or JSON with clientSecret / client_secret', () => {
    expect(clientSecretOf('  abc  ')).toBe('abc');
    expect(clientSecretOf('{"clientSecret":"abc"}')).toBe('abc');
    expect(clientSecretOf('{"client_secret":"xyz","other":1}')).toBe('xyz');
  });
  it('refuses JSON without one, and an empty secret, without echoing the value', () => {
    expect(() => clientSecretOf('{"password":"hunter2"}')).toThrow(/JSON without a clientSecret/);
    expect(() => clientSecretOf('{"password":"hunter2"}')).not.toThrow(/hunter2/);
    expect(() => clientSecretOf('   ')).toThrow(/empty/);
  });
});

describe('client-credentials tokens from a real token endpoint', () => {
  let server: Server;
  let base: string;
  let requests: { url: string; authorization?: string; body: string }[];
  let answer: (n: number) => { status: number; body: unknown };
  beforeEach(async () => {
    requests = [];
    answer = (n) => ({ status: 200, body: { access_token: `token-${n}`, token_type: 'Bearer', expires_in: 3600 } });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body: Buffer.concat(chunks).toString() });
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/tenant/.well-known/openid-configuration') return send(200, { issuer: `${base}/tenant`, token_endpoint: `${base}/tenant/oauth/token` });
        if (req.url === '/tenant/oauth/token') {
          const a = answer(requests.filter((r) => r.url === '/tenant/oauth/token').length);
          return send(a.status, a.body);
        }
        send(404, { error: 'not_found' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('discovers the endpoint, sends the grant with HTTP Basic, and caches the token until a minute before it expires', async () => {
    let now = 1_000_000;
    const source = clientCredentialsTokenSource({ issuer: `${base}/tenant/`, clientId: 'drill bot', clientSecret: 'p:ss', scope: 'rewind/drill', audience: 'rewind-api' }, { now: () => now });
    expect(await source()).toBe('token-1');
    expect(await source()).toBe('token-1');
    now += 3540_000 - 1;
    expect(await source()).toBe('token-1');
    now += 2;
    expect(await source()).toBe('token-2');
    const grants = requests.filter((r) => r.url === '/tenant/oauth/token');
    expect(requests.filter((r) => r.url.includes('openid-configuration'))).toHaveLength(1);
    expect(grants).toHaveLength(2);
    expect(Buffer.from(grants[0]!.authorization!.replace('Basic ', ''), 'base64').toString()).toBe('drill%20bot:p%3Ass');
    expect(Object.fromEntries(new URLSearchParams(grants[0]!.body))).toEqual({ grant_type: 'client_credentials', scope: 'rewind/drill', audience: 'rewind-api' });
  });

  it("names the refusal and never the secret", async () => {
    answer = () => ({ status: 401, body: { error: 'invalid_client', error_description: 'bad credentials' } });
    const source = clientCredentialsTokenSource({ issuer: `${base}/tenant`, clientId: 'c', clientSecret: 'the-secret' });
    const error = (await source().then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.message).toBe(`the token endpoint ${base}/tenant/oauth/token refused (401): invalid_client: bad credentials`);
    expect(error.message).not.toContain('the-secret');
  });

  it('says when the issuer has no discovery document, or the answer no token', async () => {
    await expect(clientCredentialsTokenSource({ issuer: `${base}/elsewhere`, clientId: 'c', clientSecret: 's' })()).rejects.toThrow(/discovery document .*elsewhere.* refused \(404\)/);
    answer = () => ({ status: 200, body: { token_type: 'Bearer' } });
    await expect(clientCredentialsTokenSource({ issuer: `${base}/tenant`, clientId: 'c', clientSecret: 's' })()).rejects.toThrow(/answered without an access_token/);
  });
});
