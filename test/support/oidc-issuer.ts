/**
 * A test OIDC issuer: one RS256 key pair, its discovery document and JWKS, and tokens for any
 * sub, roles and MFA. It stands in for a company's identity provider when the suites run
 * against a DEPLOYED Rewind, whose API Gateway JWT authorizer (or the local gateway in
 * issuer mode) accepts only tokens it can verify through the issuer's published JWKS.
 *
 * The key file (REWIND_TEST_ISSUER) holds the private key, so it lives with the test run,
 * never with the stack: the stack only ever sees the issuer URL.
 *
 *   tsx test/support/oidc-issuer.ts publish <public-dir> <key-file> <issuer-url> [audience]
 *     writes <public-dir>/.well-known/openid-configuration and <public-dir>/jwks.json, to host
 *     at the https issuer URL (what API Gateway in AWS needs), and the private <key-file>
 *     (outside the hosted directory) for REWIND_TEST_ISSUER.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const ISSUER_KEY_ENV = 'REWIND_TEST_ISSUER';

export interface IssuerKey {
  issuer: string;
  audience: string;
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function createIssuerKey(issuer: string, audience = 'rewind'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  // Kept exactly as given: the authorizer compares `iss` with its configured issuer verbatim.
  return { issuer, audience, kid, privateJwk: await exportJWK(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export function saveIssuerKey(path: string, key: IssuerKey): void {
  writeFileSync(path, JSON.stringify(key, null, 2), { mode: 0o600 });
  chmodSync(path, 0o600); // `mode` applies only when the file is created
}

export function loadIssuerKey(path: string): IssuerKey {
  return JSON.parse(readFileSync(path, 'utf8')) as IssuerKey;
}

/** What an OIDC issuer publishes: the discovery document and the key set it points to. */
export function publishedDocuments(key: IssuerKey): { discovery: Record<string, unknown>; jwks: { keys: JWK[] } } {
  return {
    discovery: { issuer: key.issuer, jwks_uri: `${key.issuer.replace(/\/$/, '')}/jwks.json`, id_token_signing_alg_values_supported: ['RS256'], response_types_supported: ['id_token'], subject_types_supported: ['public'] },
    jwks: { keys: [key.publicJwk] },
  };
}

/** @example await mintIssuerToken(key, { sub: 'ann', roles: ['approver'], mfa: true }) */
export async function mintIssuerToken(key: IssuerKey, request: { sub: string; roles: string[]; mfa?: boolean }): Promise<string> {
  return new SignJWT({ roles: request.roles, ...(request.mfa ? { amr: ['pwd', 'mfa'] } : {}) })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(key.issuer)
    .setAudience(key.audience)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

export interface RunningIssuer {
  key: IssuerKey;
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves the discovery document and JWKS over HTTP. With no key given, makes one whose issuer
 * is this server's own URL (the port is known only once it listens).
 */
export async function startIssuer(options: { port?: number; host?: string; key?: IssuerKey; audience?: string } = {}): Promise<RunningIssuer> {
  let key = options.key;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://issuer').pathname;
    const published = key && publishedDocuments(key);
    const body = path.endsWith('/.well-known/openid-configuration') ? published?.discovery : path.endsWith('/jwks.json') ? published?.jwks : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
  });
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve((server.address() as { port: number }).port));
  });
  const url = `http://${host}:${port}`;
  key ??= await createIssuerKey(url, options.audience);
  return {
    key,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const [command, dir, keyFile, issuer, audience] = process.argv.slice(2);
  if (command !== 'publish' || !dir || !keyFile || !issuer) {
    console.error('usage: tsx test/support/oidc-issuer.ts publish <public-dir> <key-file> <https-issuer-url> [audience]');
    process.exit(2);
  }
  void createIssuerKey(issuer, audience).then((key) => {
    const { discovery, jwks } = publishedDocuments(key);
    mkdirSync(join(dir, '.well-known'), { recursive: true });
    writeFileSync(join(dir, '.well-known', 'openid-configuration'), JSON.stringify(discovery, null, 2));
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks, null, 2));
    saveIssuerKey(keyFile, key);
    console.log(`host ${dir} at ${key.issuer}; keep ${keyFile} private and set ${ISSUER_KEY_ENV}=${keyFile} for the deployed run`);
  });
}
