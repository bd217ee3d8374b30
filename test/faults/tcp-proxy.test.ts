/**
 * The fault proxy itself, in front of a plain HTTP server: each fault reaches the client as the
 * network fault it stands for, is counted, and touches only the share of requests asked for.
 */
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import { addFaults, recordFigures } from './figures';
import { startFaultProxy, type FaultProxy } from './tcp-proxy';

let upstream: Server;
let upstreamPort: number;
let seen = 0;
let proxy: FaultProxy;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen += 1;
      res.end(`echo:${body}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  upstreamPort = (upstream.address() as { port: number }).port;
});
beforeEach(async () => {
  proxy = await startFaultProxy({ port: upstreamPort });
});
/** Summed over every test's proxy, for the fault suite's table. */
const totals = { storeRequests: 0, faults: {} as Record<string, number> };
afterEach(async () => {
  totals.storeRequests += proxy.counters.requests;
  addFaults(totals.faults, proxy.counters);
  await proxy.close();
});
afterAll(async () => {
  recordFigures('tcp-proxy', totals);
  agent.destroy();
  await new Promise((r) => upstream.close(r));
});

/** One POST through the proxy; resolves with status and body, or the socket error's code. */
function post(body: string): Promise<{ status?: number; body?: string; code?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${proxy.endpoint}/`, { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code }));
    req.end(body);
  });
}

it('forwards requests untouched, on kept-alive connections, when no fault is planned', async () => {
  const before = seen;
  for (let i = 0; i < 5; i++) expect(await post(`m${i}`)).toEqual({ status: 200, body: `echo:m${i}` });
  expect(seen - before).toBe(5);
  expect(proxy.counters).toMatchObject({ requests: 5, forwarded: 5, connections: 1 });
  expect(proxy.faults()).toBe(0);
});

it('resets a connection with RST: the client sees ECONNRESET and the upstream never sees the request', async () => {
  proxy.plan({ share: 1, kinds: ['reset'] });
  const before = seen;
  expect(await post('x')).toEqual({ code: 'ECONNRESET' });
  expect(seen).toBe(before);
  expect(proxy.counters.reset).toBe(1);
});

it('drops a request: the connection closes without an answer', async () => {
  proxy.plan({ share: 1, kinds: ['drop'] });
  const result = await post('x');
  expect(result.status).toBeUndefined();
  expect(['ECONNRESET', 'EPIPE']).toContain(result.code);
  expect(proxy.counters.drop).toBe(1);
});

it("answers a throttled request with DynamoDB's own HTTP 400 body", async () => {
  proxy.plan({ share: 1, kinds: ['throttle'], throttleType: 'ThrottlingException' });
  const before = seen;
  const result = await post('{}');
  expect(result.status).toBe(400);
  expect(JSON.parse(result.body!)).toMatchObject({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException' });
  expect(seen).toBe(before);
  // The connection is still usable, as after a real throttled answer.
  proxy.heal();
  expect(await post('after')).toEqual({ status: 200, body: 'echo:after' });
});

it('delays a request by the planned time, then forwards it', async () => {
  proxy.plan({ share: 1, kinds: ['delay'], delayMs: 300 });
  const started = performance.now();
  expect(await post('slow')).toEqual({ status: 200, body: 'echo:slow' });
  expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  expect(proxy.counters.delay).toBe(1);
});

it('injects faults into the chosen share of requests only, and only those matching', async () => {
  // A deterministic sequence: every other request's first draw is under the share.
  let n = 0;
  proxy.plan({ share: 0.5, kinds: ['throttle'], random: () => (n++ % 4 === 0 ? 0.1 : 0.9) });
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await post('{}')).status!);
  expect(statuses.filter((s) => s === 400)).toHaveLength(proxy.counters.throttle);
  expect(proxy.counters.throttle).toBeGreaterThan(0);
  expect(proxy.counters.throttle).toBeLessThan(8);

  proxy.plan({ share: 1, match: /x-never-sent/i });
  expect((await post('{}')).status).toBe(200);
});
