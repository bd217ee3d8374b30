/**
 * `npm start` keeps the online table in an in-memory DynamoDB Local and rebuilds it from the
 * snapshots of the served versions at every start (local/online-rebuild.ts). A real process,
 * stopped with Ctrl-C and started again on the same data directory: after the restart a view
 * with a stable version and a canary candidate answers exactly as before; during the rebuild
 * every request is either refused with 503 `Rebuilding` or answered in full, never partially;
 * and a version that was not served (its online rows gone with the old process) is
 * re-materialized from its snapshot by the rollback that serves it again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/tcp-ports';
import { caller } from '../support/rewind';
import { deployBody } from '../support/fixtures';
import { exited, start } from '../support/runtime-process';

/** Enough rows that the rebuild takes seconds, so requests land in the middle of it. */
const ROWS = 3_000;
const SAMPLE = Array.from({ length: 200 }, (_, i) => `u${(i * 7919) % ROWS}`);

jest.setTimeout(300_000);

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rewind-rebuild-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('serves exactly what it served before a restart, nothing partial while rebuilding, and re-materializes a version that was not served', async () => {
  // A port found free can be taken before npm start binds it (another process on this
  // machine): then it says so in one line, and the start is tried again on another.
  let env = { PORT: '', REWIND_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'SILENT' };
  let first: Awaited<ReturnType<typeof start>> | undefined;
  for (let attempt = 1; !first; attempt++) {
    env = { ...env, PORT: String(await freePort()) };
    first = await start(env).catch((error: Error) => {
      if (attempt >= 3 || !/is taken by another process/.test(error.message)) throw error;
      return undefined;
    });
  }
  expect(first.output()).toMatch(/online: +in memory \(DynamoDB Local http:\/\/127\.0\.0\.1:\d+\)/);
  const api = caller(first.url, first.sub, first.token);
  // v1 served once and then replaced (not served at the restart); v2 stable, v3 a 50 % canary.
  expect((await api.post('/views/kept/versions', deployBody(1, ROWS, { activate: true }))).status).toBe(201);
  expect((await api.post('/views/kept/versions', deployBody(2, ROWS, { activate: true }))).status).toBe(201);
  expect((await api.post('/views/kept/versions', deployBody(3, ROWS))).status).toBe(201);
  expect((await api.post('/views/kept/activate', { version: 3, strategy: 'canary', percent: 50, reason: 'try v3' })).status).toBe(200);
  const before = new Map<string, unknown>();
  for (const entity of SAMPLE) before.set(entity, (await api.get(`/online/kept/${entity}`)).body);
  const arms = new Set([...before.values()].map((b) => (b as { version: number }).version));
  expect(arms).toEqual(new Set([2, 3]));

  first.child.kill('SIGINT');
  expect(await exited(first.child)).toBe(0);

  // Ask while the second start rebuilds: every answer is a 503 Rebuilding or the full answer of before.
  const starting = start(env);
  let up = false;
  void starting.then(() => (up = true), () => (up = true));
  const during = { refused: 0, answered: 0 };
  let i = 0;
  while (!up) {
    const entity = SAMPLE[i++ % SAMPLE.length]!;
    const reply = await fetch(`http://127.0.0.1:${env.PORT}/online/kept/${entity}`, { headers: { authorization: `Bearer ${first.token}` } }).catch(() => undefined);
    if (!reply) continue; // not listening yet
    const body = (await reply.json()) as unknown;
    if (reply.status === 503) {
      expect(body).toEqual({ error: { code: 'Rebuilding', message: expect.stringMatching(/rebuilding the online values/) } });
      expect(reply.headers.get('retry-after')).toBe('2');
      during.refused++;
    } else {
      expect({ status: reply.status, body }).toEqual({ status: 200, body: before.get(entity) });
      during.answered++;
    }
  }
  const second = await starting;
  try {
    // The start printed how long the rebuild took, and it was there to be asked.
    expect(second.output()).toMatch(/2 served versions \(6000 rows\) rebuilt from their snapshots into in-memory DynamoDB Local in \d+\.\d s/);
    expect(during.refused).toBeGreaterThan(0);
    const again = caller(second.url, second.sub, second.token);
    for (const entity of SAMPLE) expect([entity, (await again.get(`/online/kept/${entity}`)).body]).toEqual([entity, before.get(entity)]);

    // v1's rows went with the old process: the rollback to it rebuilds them first, and then serves every row.
    const rollback = await again.post('/views/kept/rollback', { toVersion: 1, reason: 'back to v1 after the restart' });
    expect(rollback.status).toBe(200);
    expect(rollback.body).toMatchObject({ toVersion: 1, rematerialized: { rows: ROWS } });
    for (const entity of SAMPLE.slice(0, 50)) expect((await again.get(`/online/kept/${entity}`)).body).toMatchObject({ version: 1, found: true });
  } finally {
    second.child.kill('SIGINT');
    await exited(second.child);
  }
});
