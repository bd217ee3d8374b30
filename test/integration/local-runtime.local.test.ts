/**
 * `npm start` as a user runs it: a real process that starts the emulators with data under
 * REWIND_DATA_DIR, stops cleanly on Ctrl-C (SIGINT), and finds its data on the next start.
 * It spawns processes on this machine: this suite never runs against a deployed stack. Each run
 * has a data directory of its own, so its view names need no tag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTES } from '../../contract/routes';
import { freePort } from '../../local/ports';
import { caller, eventually } from '../support/rewind';
import { deployBody } from '../support/fixtures';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rewind-data-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  token: string;
  /** The admin token's `sub`, as the process minted it. */
  sub: string;
}

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(tsx, ['local/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(async () => output, (o) => /admin token for this session:\n\S+/.test(o) || child.exitCode !== null, 60_000);
  const url = /serving on (\S+)/.exec(output)?.[1];
  const token = /admin token for this session:\n(\S+)/.exec(output)?.[1];
  if (!url || !token) throw new Error(`npm start did not come up:\n${output}`);
  const { sub } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string };
  return { child, output: () => output, url, token, sub };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

it('keeps its data across a Ctrl-C and a second start', async () => {
  const [port, dynamoPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const env = { PORT: String(port), REWIND_DATA_DIR: dataDir, REWIND_DYNAMODB_PORT: String(dynamoPort), REWIND_S3_PORT: String(s3Port), POWERTOOLS_LOG_LEVEL: 'SILENT' };

  const first = await start(env);
  expect(first.url).toBe(`http://127.0.0.1:${port}`);
  const api = caller(first.url, first.sub, first.token);
  expect((await api.post('/views/kept/versions', deployBody(1, 5, { activate: true }))).status).toBe(201);

  first.child.kill('SIGINT');
  expect(await exited(first.child)).toBe(0);
  expect(first.output()).toMatch(/stopped; data kept/);
  expect(await portOpen(dynamoPort)).toBe(false);
  expect(await portOpen(s3Port)).toBe(false);

  const second = await start(env);
  try {
    const again = caller(second.url, second.sub, second.token);
    const served = await again.get('/online/kept/u1');
    expect(served.body).toMatchObject({ view: 'kept', version: 1, found: true });
    const snapshot = (await again.get('/views/kept/versions/1')).body.snapshot;
    // The snapshot in s3rver survived too: purge and roll back onto it re-reads it.
    await again.post('/views/kept/versions', deployBody(2, 5, { activate: true }));
    await again.del('/views/kept/versions/1/online');
    const rb = await again.post('/views/kept/rollback', { reason: 'restart check' });
    expect(rb.body).toMatchObject({ toVersion: 1, rematerialized: { rows: snapshot.rows } });
  } finally {
    second.child.kill('SIGINT');
    await exited(second.child);
  }
});

it('says in one clear line that Java is missing', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'rewind-nojava-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  const child = spawn(tsx, ['local/main.ts'], { cwd: root, env: { ...process.env, PATH: bin, PORT: '0', REWIND_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  expect(await exited(child)).toBe(1);
  const lines = stderr.split('\n').filter((l) => l.startsWith('rewind:'));
  expect(lines).toEqual([expect.stringMatching(/^rewind: DynamoDB Local needs Java 17 or newer/)]);
});

it('has a handler module exporting `handler` for every route in the contract', async () => {
  for (const route of ROUTES) {
    const mod = (await import(`../../functions/${route.handler}`)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  }
});

describe('the local gateway, as API Gateway, in front of a real `npm start`', () => {
  let running: Started;
  let gatewayDir: string;
  beforeAll(async () => {
    gatewayDir = mkdtempSync(join(tmpdir(), 'rewind-gateway-'));
    running = await start({ PORT: '0', REWIND_DATA_DIR: gatewayDir, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  });
  afterAll(async () => {
    running.child.kill('SIGINT');
    await exited(running.child);
    rmSync(gatewayDir, { recursive: true, force: true });
  });

  /** A deploy whose first row carries a string field of `bytes` bytes. */
  const hugeDeploy = (bytes: number) => {
    const body = deployBody(1, 3);
    (body.rows[0] as Record<string, unknown>).country = 'x'.repeat(bytes);
    return JSON.stringify(body);
  };

  it('refuses bodies over 10 MB with 413 and the standard error body, writing nothing', async () => {
    const api = caller(running.url, running.sub, running.token);
    const reply = await api.request('POST', '/views/too_big/versions', hugeDeploy(10 * 1024 * 1024 + 1));
    expect(reply.status).toBe(413);
    expect(reply.body).toEqual({ error: { code: 'PayloadTooLarge', message: expect.stringMatching(/10485760 bytes/), field: 'body' } });
    expect((await api.get('/views/too_big')).status).toBe(404);
  });

  it('survives a deploy with a 20 MB string field: 413, and the process keeps serving', async () => {
    const api = caller(running.url, running.sub, running.token);
    const reply = await api.request('POST', '/views/huge_field/versions', hugeDeploy(20 * 1024 * 1024));
    expect(reply.status).toBe(413);
    expect(running.child.exitCode).toBeNull();
    expect((await api.get('/views/huge_field')).status).toBe(404);
    expect(running.output()).not.toMatch(/EPIPE/);
  });

  it('answers a malformed percent-encoding in a path with 400 naming the path', async () => {
    const api = caller(running.url, running.sub, running.token);
    const reply = await api.get('/views/%ZZ');
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code: 'ValidationError', message: expect.stringContaining('/views/%ZZ'), field: 'path' } });
    expect((await api.get('/views/%41bc')).status).toBe(404); // well-formed encodings still decode
  });
});
