/**
 * The scheduled drill's logic (functions/scheduled-drill.ts `scheduledDrill`) against a local
 * runtime (monitoring in process, 1 s alarm periods: a `*.local` suite), with its token from a
 * real OAuth 2.0 token endpoint: a tiny HTTP server started here that serves an OIDC discovery
 * document and answers the client-credentials grant (store/oidc-client-credentials.ts talks to
 * it over HTTP; no mock). It runs the drill through the API, reports MTTR and the outcome to its
 * metrics, and publishes the same `DrillCompleted` the local runtime publishes when POST /drills
 * stores the report. A refused client secret: no drill, counted as failed, the error names the grant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DRILL_COMPLETED_DETAIL_TYPE } from '../../contract/rules';
import type { DrillCompletedEvent } from '../../core/drills/events';
import { DrillOptionsSchema } from '../../core/drills/scenarios';
import { scheduledDrill } from '../../functions/scheduled-drill';
import { clientCredentialsTokenSource } from '../../store/oidc-client-credentials';
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let bot: Caller;
let issuer: { url: string; grants: { clientId: string; grantType: string | null; scope: string | null }[]; close(): Promise<void> };

const CLIENT_ID = 'drill-bot';
const CLIENT_SECRET = 's3cret:with/odd=chars';

/** An OIDC issuer's two endpoints that the client-credentials grant needs; it hands out the local runtime's token for the drill's identity. */
async function startTokenEndpoint(token: () => string): Promise<typeof issuer> {
  const grants: (typeof issuer)['grants'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') return json(200, { issuer: `${base}/`, token_endpoint: `${base}/oauth2/token` });
      if (req.method !== 'POST' || req.url !== '/oauth2/token') return json(404, { error: 'not_found' });
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const [id, secret] = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      grants.push({ clientId: id ?? '', grantType: form.get('grant_type'), scope: form.get('scope') });
      if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client', error_description: 'client authentication failed' });
      return json(200, { access_token: token(), token_type: 'Bearer', expires_in: 3600 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, grants, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  rewind = await startLocalTestRewind('scheduled-drill', { monitoring: { alarmPeriodSeconds: 1, monitorIntervalMs: 300, monitorWindowSeconds: 3, sampleFlushMs: 200 }, outboxPollMs: 100 });
  // The machine identity the docs describe: a subject and the deployer role, no MFA.
  bot = await rewind.as(CLIENT_ID, ['deployer']);
  issuer = await startTokenEndpoint(() => bot.token);
});
afterAll(async () => {
  await issuer.close();
  await rewind.stop();
});

const options = DrillOptionsSchema.parse({ scenario: 'nulls', rows: 200, rps: 15, targetMttrSeconds: 30, periodSeconds: 1, timeoutSeconds: 120, mode: 'auto' });

it('runs a drill through the API with a client-credentials token, measures it, and publishes the DrillCompleted the runtime publishes for the stored report', async () => {
  const published: DrillCompletedEvent[] = [];
  const measured: { mttrSeconds: number | null; failed: boolean }[] = [];
  const local: DrillCompletedEvent['detail'][] = [];
  const unsubscribe = rewind.local.followUps.subscribe((e) => {
    if (e['detail-type'] === DRILL_COMPLETED_DETAIL_TYPE) local.push(e.detail as unknown as DrillCompletedEvent['detail']);
  });
  const result = await scheduledDrill({
    apiUrl: `${rewind.url}/`, // the stage URL's trailing slash, as on AWS
    options,
    stalenessMs: 1000,
    token: clientCredentialsTokenSource({ issuer: issuer.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: 'rewind/drill' }),
    publish: async (event) => void published.push(event),
    measured: (m) => void measured.push(m),
  });
  console.log(`scheduled drill (nulls, 200 rows, 15 req/s, local runtime): ${result.outcome}, MTTD ${result.detail.mttdSeconds} s, MTTR ${result.detail.mttrSeconds} s`);

  expect(issuer.grants).toEqual([{ clientId: CLIENT_ID, grantType: 'client_credentials', scope: 'rewind/drill' }]);
  expect(result.detail.failures).toEqual([]);
  expect(result).toMatchObject({ outcome: 'passed', published: true });
  expect(measured).toHaveLength(1);
  expect(measured[0]!.failed).toBe(false);
  expect(measured[0]!.mttrSeconds!).toBeGreaterThan(0);
  expect(measured[0]!.mttrSeconds!).toBeLessThanOrEqual(30);

  expect(published).toHaveLength(1);
  const detail = published[0]!.detail;
  expect(published[0]).toMatchObject({ source: 'rewind', 'detail-type': DRILL_COMPLETED_DETAIL_TYPE });
  expect(detail).toMatchObject({ eventId: `DrillCompleted#${result.drillId}`, drillId: result.drillId, scenario: 'nulls', mode: 'auto', outcome: 'passed', targetMttrSeconds: 30, rows: 200, rps: 15, report: `/drills/${result.drillId}`, reportUrl: `${rewind.url}/drills/${result.drillId}` });
  expect(detail.mttrSeconds).toBe(measured[0]!.mttrSeconds);

  // Stored through the API, by the machine identity; the local runtime published the same event for it.
  const stored = await bot.get(`/drills/${result.drillId}`);
  expect(stored.status).toBe(200);
  expect(stored.body.outcome).toBe('passed');
  await eventually(async () => local.length, (n) => n >= 1, 5_000);
  unsubscribe();
  const { reportUrl: _absolute, ...relative } = detail;
  expect(local).toEqual([relative]);
});

it('runs no drill and counts a failure when the issuer refuses the client secret, naming the refusal', async () => {
  const measured: { mttrSeconds: number | null; failed: boolean }[] = [];
  const published: DrillCompletedEvent[] = [];
  const drillsBefore = (await bot.get('/drills')).body.drills.length;
  await expect(
    scheduledDrill({
      apiUrl: rewind.url,
      options,
      stalenessMs: 1000,
      token: clientCredentialsTokenSource({ issuer: issuer.url, clientId: CLIENT_ID, clientSecret: 'wrong' }),
      publish: async (event) => void published.push(event),
      measured: (m) => void measured.push(m),
    }),
  ).rejects.toThrow(/token endpoint .*refused \(401\): invalid_client: client authentication failed/);
  expect(measured).toEqual([{ mttrSeconds: null, failed: true }]);
  expect(published).toEqual([]);
  expect((await bot.get('/drills')).body.drills.length).toBe(drillsBefore);
});
