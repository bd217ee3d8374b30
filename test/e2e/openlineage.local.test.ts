/**
 * OpenLineage events end to end (issue 12, item 5): deploys, an activation and a rollback
 * against DynamoDB Local and s3rver, the outbox relay publishing their OpenLineage events onto
 * the local bus and POSTing them to an HTTP endpoint (a tiny node server here, in Marquez's
 * `/api/v1/lineage` shape); every event received is validated against the official schemas.
 * A flaky endpoint is retried; a down one never holds up a rollback.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deployBody } from '../support/fixtures';
import { openLineageErrors } from '../support/openlineage';
import { eventually, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';
import type { LocalRewind } from '../../local/runtime';

interface Received {
  path: string;
  body: any;
  /** Answered 201 (not a 503 of the flaky phase). */
  accepted: boolean;
}

/** The endpoint: records every POST; answers 503 to the next `fail.times` POSTs that `fail.match`. */
const endpoint = { received: [] as Received[], fail: { times: 0, match: (_body: any) => false } };
let server: Server;
let rewind: TestRewind & { local: LocalRewind };
let deployer: Caller;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const parsed = JSON.parse(body);
    const refuse = endpoint.fail.times > 0 && endpoint.fail.match(parsed);
    endpoint.received.push({ path: req.url ?? '', body: parsed, accepted: !refuse });
    if (refuse) {
      endpoint.fail.times--;
      res.writeHead(503).end();
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  rewind = await startLocalTestRewind('openlineage', { openLineageUrl: `http://127.0.0.1:${port}`, openLineageRetryDelayMs: 20, outboxPollMs: 50 });
  deployer = await rewind.as('dev', ['deployer']);
});
afterAll(async () => {
  await rewind.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What the endpoint accepted for `view`, in order, as short labels. */
function labels(view: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { body, accepted } of endpoint.received) {
    if (!accepted) continue;
    const name = body.job?.name ?? body.dataset?.name;
    if (name !== view) continue;
    const label = body.eventType ? `${body.eventType} v${body.outputs[0]?.facets?.version?.datasetVersion ?? '-'}` : `served v${body.dataset.facets.version?.datasetVersion}`;
    const key = JSON.stringify(body);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}

it('posts START/COMPLETE per deploy and a DatasetEvent per pointer change, one view at a time, each valid', async () => {
  const view = rewind.view('ol_profile');
  const other = rewind.view('ol_other');
  const sources = [{ uri: `s3://lake/${rewind.tag}/users`, checksum: 'sha256:111' }];
  const transformation = { kind: 'sql', ref: 'git:abc', columnLineage: { age: [{ source: sources[0]!.uri, field: 'birth_date' }] } };
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 10, { sources, transformation, activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 10, { sources: [{ uri: `s3://lake/${rewind.tag}/users-v2` }] }))).status).toBe(201);
  expect((await deployer.post(`/views/${other}/versions`, deployBody(3, 10))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/activate`, { version: 2 })).status).toBe(200);
  expect((await deployer.post(`/views/${view}/rollback`, { reason: 'bad users-v2' })).status).toBe(200);

  const expected = ['START v1', 'COMPLETE v1', 'served v1', 'START v2', 'COMPLETE v2', 'served v2', 'served v1'];
  await eventually(async () => labels(view), (l) => l.length >= expected.length);
  expect(labels(view)).toEqual(expected);
  // Another view's deploy is its own run, never folded into this one's events.
  expect(labels(other)).toEqual(['START v1', 'COMPLETE v1']);

  const mine = endpoint.received.filter(({ body }) => (body.job?.name ?? body.dataset?.name) === view);
  expect(mine.every((r) => r.path === '/api/v1/lineage')).toBe(true);
  for (const { body } of mine) expect(openLineageErrors(body)).toEqual([]);
  const complete1 = mine.find(({ body }) => body.eventType === 'COMPLETE')!.body;
  expect(complete1.inputs).toEqual([expect.objectContaining({ namespace: 's3://lake', name: `${rewind.tag}/users`, facets: expect.objectContaining({ version: expect.objectContaining({ datasetVersion: 'sha256:111' }) }) })]);
  expect(complete1.outputs[0].facets.columnLineage.fields.age.inputFields).toEqual([{ namespace: 's3://lake', name: `${rewind.tag}/users`, field: 'birth_date' }]);
  expect(complete1.job.namespace).toBe('rewind://local');
  const rolledBack = mine[mine.length - 1]!.body;
  expect(rolledBack.dataset.facets.serving).toMatchObject({ stable: 1, action: 'rollback', reason: 'bad users-v2', actor: deployer.sub });
});

it('retries a failing endpoint until it takes the event, and a down endpoint never holds up a rollback', async () => {
  const view = rewind.view('ol_flaky');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 5, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(3, 5))).status).toBe(201);
  await eventually(async () => labels(view), (l) => l.length >= 8);

  // Flaky: the rollback's event is answered 503 twice, and delivered on the third attempt.
  endpoint.fail = { times: 2, match: (body) => body.dataset?.name === view && body.dataset.facets.serving.action === 'rollback' };
  const before = endpoint.received.length;
  expect((await deployer.post(`/views/${view}/rollback`, { reason: 'flaky endpoint' })).status).toBe(200);
  await eventually(async () => labels(view), (l) => l.length >= 9);
  const attempts = endpoint.received.slice(before).filter(({ body }) => body.dataset?.name === view);
  expect(attempts).toHaveLength(3);
  expect(labels(view)).toEqual(['START v1', 'COMPLETE v1', 'served v1', 'START v2', 'COMPLETE v2', 'served v2', 'START v3', 'COMPLETE v3', 'served v1']);
  expect((await deployer.post(`/views/${view}/activate`, { version: 3 })).status).toBe(200);
  await eventually(async () => labels(view), (l) => l.length >= 10);

  // Down: nothing listens any more. The rollback answers at once; the poster gives up on its own.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const dropped = rewind.local.lineagePoster!.totals.dropped;
  const started = performance.now();
  const back = await deployer.post(`/views/${view}/rollback`, { reason: 'endpoint down' });
  expect(back.status).toBe(200);
  expect(back.body).toMatchObject({ fromVersion: 3, toVersion: 1 });
  expect(performance.now() - started).toBeLessThan(2_000);
  await eventually(async () => rewind.local.lineagePoster!.totals.dropped, (n) => n > dropped);
});
