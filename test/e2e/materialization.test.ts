/**
 * Issue 10, findings 1 and 2, for real: concurrent HTTP requests through the local gateway
 * against DynamoDB Local. A purge racing a rollback (or the alarm's rollback, or a canary's
 * start) onto the same version, sent with a random offset of 0–200 ms, in a bounded loop;
 * after each pair every entity of the served versions must be found. And a candidate (canary
 * or shadow) can never be purged.
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../local/gateway';
import { alarmEvent } from '../support/alarm-events';
import { deployBody } from '../support/fixtures';
import { ENV } from '../../contract/config';
import { eventually, pastPointerCache, startTestRewind, type Caller, type Reply, type TestRewind } from '../support/rewind';

const ROWS = 30;
const ENTITIES = Array.from({ length: ROWS }, (_, i) => `u${i}`);

// Bounded loops of two deploys and a race each, under a shared machine's load.
jest.setTimeout(180_000);

let rewind: TestRewind;
let deployer: Caller;
let alarmHandler: (event: unknown, context: Context) => Promise<any>;

beforeAll(async () => {
  rewind = await startTestRewind('materialization');
  deployer = await rewind.as('dev', ['deployer']);
  ({ handler: alarmHandler } = (await import('../../functions/alarm-rollback')) as never);
});
afterAll(() => rewind.stop());

/** v1 and v2 deployed, v2 stable. */
async function twoVersions(base: string): Promise<string> {
  const view = rewind.view(base);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, ROWS, { activate: true }))).status).toBe(201);
  // v1 stopped being served just now: a purge of it is refused until no cached pointer can name it.
  await pastPointerCache(deployer, view, Number(rewind.env[ENV.pointerCacheMs] ?? 1000));
  return view;
}

/**
 * Sends both, the second `offsetMs` after the first. The offset is the race's input (where the
 * second request lands in the first one's steps), not a synchronization: nothing waits on it.
 */
async function pair<A, B>(first: () => Promise<A>, second: () => Promise<B>, offsetMs: number): Promise<[A, B]> {
  const a = first();
  await new Promise((resolve) => setTimeout(resolve, offsetMs));
  return Promise.all([a, second()]);
}

const randomOffset = () => Math.floor(Math.random() * 201);

/**
 * Reads every entity until each answer comes from a version the pointer serves (the serving
 * cache may be up to its bound behind), then returns the entities served `found: false`.
 */
async function missingEntities(view: string): Promise<{ stable: number | null; candidate: number | null; missing: string[] }> {
  const { pointer } = (await deployer.get(`/views/${view}`)).body as { pointer: { stable: number | null; candidate?: { version: number } | null } };
  const served = new Set([pointer.stable, pointer.candidate?.version ?? null].filter((v) => v !== null));
  const replies = await eventually(
    () => Promise.all(ENTITIES.map((e) => deployer.get(`/online/${view}/${e}`))),
    (rs) => rs.every((r) => r.status === 200 && served.has(r.body.version)),
    5000,
  );
  return { stable: pointer.stable, candidate: pointer.candidate?.version ?? null, missing: replies.filter((r) => !r.body.found).map((r) => r.body.entity) };
}

const statusOf = (r: Reply) => r.status;

describe('a purge racing a way back to the same version', () => {
  it('purge + rollback {toVersion: 1}, 0–200 ms apart in either order: v1 ends up served with every entity found, and stays so', async () => {
    for (let round = 0; round < 6; round++) {
      const view = await twoVersions(`race_rb_${round}`);
      const purge = () => deployer.del(`/views/${view}/versions/1/online`);
      const rollback = () => deployer.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'race' });
      const [p, r] = round % 2 === 0 ? await pair(purge, rollback, randomOffset()) : (await pair(rollback, purge, randomOffset())).reverse();
      // Either may lose (409: the version is served / the purge was stopped / a purge was under
      // way), never with a 5xx, and never both winning onto missing rows.
      expect([statusOf(p), statusOf(r)].every((s) => s === 200 || s === 409)).toBe(true);
      if (r.status === 409) expect((await rollback()).status).toBe(200);
      expect(await missingEntities(view)).toEqual({ stable: 1, candidate: null, missing: [] });
      // Asking again finds it done, and it is still whole.
      expect((await rollback()).body.changed).toBe(false);
      expect((await missingEntities(view)).missing).toEqual([]);
    }
  });

  it('purge + the alarm-driven rollback, 0–200 ms apart: the restored version is served whole', async () => {
    for (let round = 0; round < 4; round++) {
      const view = await twoVersions(`race_alarm_${round}`);
      const event = alarmEvent(`rewind-drift-${view}-psi`, { view, at: new Date(Date.now() + 1000).toISOString() });
      const [p, outcome] = await pair(
        () => deployer.del(`/views/${view}/versions/1/online`),
        () => alarmHandler(event, lambdaContext({ handler: 'alarm-rollback' })).catch((error: Error) => ({ error: error.message })),
        randomOffset(),
      );
      expect([200, 409]).toContain(p.status);
      const rolledBack = (outcome as { outcomes?: { action: string }[] }).outcomes?.[0]?.action === 'rolled-back';
      // The alarm's rollback lost to the purge's start (409 inside): a person's retry must land whole.
      if (!rolledBack) expect((await deployer.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'after the alarm' })).status).toBe(200);
      expect(await missingEntities(view)).toEqual({ stable: 1, candidate: null, missing: [] });
    }
  });

  it('purge + a canary start of the same version, 0–200 ms apart: the candidate is served whole', async () => {
    for (let round = 0; round < 4; round++) {
      const view = rewind.view(`race_canary_${round}`);
      expect((await deployer.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
      expect((await deployer.post(`/views/${view}/versions`, deployBody(2, ROWS))).status).toBe(201);
      const canary = () => deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 50 });
      const [p, c] = await pair(() => deployer.del(`/views/${view}/versions/2/online`), canary, randomOffset());
      expect([200, 409]).toContain(p.status);
      if (c.status !== 200) expect((await canary()).status).toBe(200);
      expect(await missingEntities(view)).toEqual({ stable: 1, candidate: 2, missing: [] });
    }
  });
});

describe('a candidate is served', () => {
  it.each(['canary', 'shadow'] as const)('refuses to purge the %s candidate (409) and keeps serving all of it', async (strategy) => {
    const view = rewind.view(`cand_${strategy}`);
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/versions`, deployBody(2, ROWS))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy, ...(strategy === 'canary' ? { percent: 50 } : {}) })).status).toBe(200);
    const purge = await deployer.del(`/views/${view}/versions/2/online`);
    expect(purge.status).toBe(409);
    expect(JSON.stringify(purge.body)).toMatch(/candidate/);
    expect((await deployer.get(`/views/${view}/versions/2`)).body.online).toBe('materialized');
    // Promoting it still lands on every row.
    expect((await deployer.post(`/views/${view}/promote`, { reason: 'clean' })).status).toBe(200);
    expect(await missingEntities(view)).toEqual({ stable: 2, candidate: null, missing: [] });
  });

  it('refuses a purge inside the pointer-cache bound after the change that stopped serving it (409 RecentlyServed), deleting nothing', async () => {
    const view = rewind.view('recent');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
    const moved = await deployer.post(`/views/${view}/versions`, deployBody(2, ROWS, { activate: true }));
    expect(moved.status).toBe(201);
    const purge = await deployer.del(`/views/${view}/versions/1/online`);
    expect(purge.status).toBe(409);
    expect(purge.body.error).toMatchObject({ code: 'RecentlyServed', message: expect.stringMatching(/stopped being served at .* cached pointer until/) });
    const until = Date.parse(purge.body.error.readableUntil);
    const changedAt = Date.parse((await deployer.get(`/views/${view}`)).body.pointer.updatedAt);
    expect(until - changedAt).toBe(Number(rewind.env[ENV.pointerCacheMs] ?? 1000));
    expect((await deployer.get(`/views/${view}/versions/1`)).body.online).toBe('materialized');
  });

  it('purges a version nobody serves in three steps: materialized → purged, and a rollback onto it rebuilds it', async () => {
    const view = await twoVersions('states');
    expect((await deployer.get(`/views/${view}/versions/1`)).body.online).toBe('materialized');
    const purge = await deployer.del(`/views/${view}/versions/1/online`);
    expect(purge.status).toBe(200);
    expect(purge.body).toMatchObject({ view, version: 1, deleted: ROWS });
    expect((await deployer.get(`/views/${view}/versions/1`)).body.online).toBe('purged');
    // Idempotent: a second purge answers 200 again.
    expect((await deployer.del(`/views/${view}/versions/1/online`)).status).toBe(200);
    const back = await deployer.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'back' });
    expect(back.status).toBe(200);
    expect(back.body.rematerialized).toMatchObject({ rows: ROWS });
    expect((await deployer.get(`/views/${view}/versions/1`)).body.online).toBe('materialized');
    expect(await missingEntities(view)).toEqual({ stable: 1, candidate: null, missing: [] });
  });
});
