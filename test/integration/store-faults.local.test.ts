/**
 * Store faults as the SDK meets them on the network: the runtime's DynamoDB endpoint is a TCP
 * fault proxy (test/faults/tcp-proxy.ts) in front of the suite's DynamoDB Local, which resets,
 * drops or throttles (DynamoDB's own HTTP 400 body) a chosen share of requests. No client is
 * mocked. The API must answer 503 with Retry-After, never 500, leak no AWS internals, and
 * serve nothing partial once the faults stop. It runs the runtime in this process with its
 * own proxy: this suite never runs against a deployed stack.
 */
import { randomBytes } from 'node:crypto';
import { startLocalRewind, type LocalRewind } from '../../local/runtime';
import { mintToken } from '../../local/tokens';
import { addFaults, recordFigures, watchApiTraffic } from '../faults/figures';
import { startFaultProxy, type FaultProxy } from '../faults/tcp-proxy';
import { deployBody } from '../support/fixtures';
import { caller, DEPLOYED, type Caller } from '../support/rewind';

let proxy: FaultProxy;
let local: LocalRewind;
let api: Caller;
const tag = `t${randomBytes(4).toString('hex')}`;
const view = (base: string) => `${base}_${tag}`;
const watcher = watchApiTraffic(() => local?.url);

beforeAll(async () => {
  if (DEPLOYED) throw new Error('store-faults: a fault proxy in front of this process\'s emulator; *.local.test.ts suites never run against a deployed stack');
  const dynamo = new URL(process.env.REWIND_TEST_DYNAMODB_ENDPOINT!);
  proxy = await startFaultProxy({ host: dynamo.hostname, port: Number(dynamo.port) });
  const prefix = `t-faults-${tag}`;
  local = await startLocalRewind({
    port: 0,
    dynamoEndpoint: proxy.endpoint,
    s3Endpoint: process.env.REWIND_TEST_S3_ENDPOINT!,
    tablePrefix: prefix,
    bucket: prefix,
    jwtSecret: `test-secret-${tag}`,
    monitoring: false,
  });
  api = caller(local.url, `ops.${tag}`, await mintToken(local.jwtSecret, { sub: `ops.${tag}`, roles: ['admin'], mfa: true }));
});
afterEach(() => proxy.heal());
afterAll(async () => {
  watcher.stop();
  await local?.stop();
  await proxy?.close();
  recordFigures('store-faults', {
    requests: watcher.traffic.requests,
    storeRequests: proxy.counters.requests,
    faults: addFaults({}, proxy.counters),
    serverErrors: watcher.traffic.serverErrors,
    unavailable: watcher.traffic.unavailable,
  });
  // The figures the fault suite reports: what was injected, into how many requests.
  console.log(`store faults: ${proxy.counters.requests} DynamoDB requests through the proxy, ${proxy.faults()} faults injected`, proxy.counters);
});

const expectUnavailable = (reply: { status: number; body: any }, headers: Headers | undefined = undefined) => {
  expect(reply.status).toBe(503);
  expect(reply.body).toMatchObject({ error: { code: 'StoreUnavailable' } });
  expect(JSON.stringify(reply.body)).not.toMatch(/ECONN|socket|Throughput|capacity|amazonaws/i);
  if (headers) expect(headers.get('retry-after')).toBe('1');
};

async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(local.url + path, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

it.each([
  ['every connection reset (RST)', 'reset'],
  ['every request dropped without an answer', 'drop'],
  ['every request throttled (HTTP 400 ProvisionedThroughputExceededException)', 'throttle'],
] as const)('answers a read with 503 and Retry-After when DynamoDB has %s', async (_name, kind) => {
  const before = proxy.counters[kind];
  proxy.plan({ share: 1, kinds: [kind] });
  const reply = await raw('GET', `/views/${view('anything')}`);
  expectUnavailable(reply, reply.headers);
  expect(proxy.counters[kind]).toBeGreaterThan(before);
});

it('answers 503 with Retry-After when DynamoDB is unreachable (nothing listens on its port)', async () => {
  // The proxy's upstream is a port that nobody listens on: every connection is refused.
  const dead = await startFaultProxy({ port: 1 });
  await dead.close();
  const { isTimeout } = await import('../../store/aws-errors');
  const { toErrorResponse } = await import('../../functions/http/errors');
  const { DynamoDBClient, ListTablesCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ endpoint: dead.endpoint, maxAttempts: 1 });
  const error = await client.send(new ListTablesCommand({})).catch((e: unknown) => e);
  client.destroy();
  // Node names the fault in `code`, not in `name` (outside jest's realm: here the SDK re-wraps
  // it and only its message keeps the code).
  expect(String((error as Error).message)).toMatch(/ECONNREFUSED/);
  expect(isTimeout(error)).toBe(true);
  expect(toErrorResponse(error)).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
});

it('serves nothing partial from deploys that met throttling and resets: each answered 201 or 503, and what is served is whole', async () => {
  const name = view('partial');
  expect((await api.post(`/views/${name}/versions`, deployBody(1, 40, { activate: true }))).status).toBe(201);
  // Only writes fail: reads stay healthy, so the check afterwards sees the real state.
  proxy.plan({ share: 0.6, kinds: ['throttle', 'reset', 'drop'], match: /X-Amz-Target: DynamoDB_20120810\.(BatchWriteItem|PutItem|TransactWriteItems|UpdateItem)/i });
  const statuses: number[] = [];
  for (let v = 2; v <= 5; v++) statuses.push((await api.post(`/views/${name}/versions`, deployBody(v, 40, { activate: true }))).status);
  proxy.heal();
  expect(statuses.filter((s) => s !== 201 && s !== 503)).toEqual([]);
  expect(proxy.faults()).toBeGreaterThan(0);

  const pointer = (await api.get(`/views/${name}`)).body;
  const served = pointer.pointer?.stable ?? pointer.stable;
  expect(typeof served).toBe('number');
  const rows = (await api.get(`/views/${name}/versions/${served}`)).body.snapshot.rows as number;
  for (let i = 0; i < rows; i++) {
    const got = (await api.get(`/online/${name}/u${i}`)).body;
    expect({ entity: `u${i}`, version: got.version, found: got.found }).toEqual({ entity: `u${i}`, version: served, found: true });
  }
  expect((await api.get('/audit/verify')).body).toMatchObject({ ok: true });
});
