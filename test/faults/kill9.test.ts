/**
 * `kill -9` of the runtime in the middle of a deploy, a purge and a rollback onto a purged
 * version, then a restart on the same data: no partial activation (the pointer's revision
 * matches its history), every served version fully materialized (every entity of its snapshot
 * found), and the audit verifies. Also the two checks of the materialization state machine
 * (issue 10, findings 1 and 3): a rollback onto a version whose purge was killed, and a purge
 * racing a rollback to the same version.
 * Real processes on this machine: never against a deployed stack.
 */
import { deployBody } from '../support/fixtures';
import { checkServed, startCrashableRewind, type CrashableRewind, type ServedCheck } from './crash-harness';
import { pastPointerCache } from '../support/rewind';
import { recordFigures, watchApiTraffic } from './figures';

/** Large enough that materializing or purging it takes a while on DynamoDB Local. */
const ROWS = 3000;
const entities = () => Array.from({ length: ROWS }, (_, i) => `u${i}`);
/** Every 97th entity: a sample across all batches, to keep the read-back short. */
const sample = () => entities().filter((_, i) => i % 97 === 0 || i === ROWS - 1);

// Two deploys of ROWS rows, a kill, a restart (DynamoDB Local is a JVM) and a read-back.
jest.setTimeout(180_000);

let rewind: CrashableRewind;
/** For the fault suite's table: requests to the runtime (any of its restarts), kills, and what the read-backs found. */
const watcher = watchApiTraffic(() => rewind?.current.url);
const figures = { kills: 0, checkedReads: 0, notFound: 0, auditFailures: 0, started: performance.now() };
const checked = async (view: string): Promise<ServedCheck> => {
  const check = await checkServed(rewind.api, view, sample);
  figures.checkedReads += check.served.length * sample().length;
  figures.notFound += check.served.reduce((n, s) => n + s.missing.length, 0);
  if (!check.auditOk) figures.auditFailures += 1;
  return check;
};
const killDuring: CrashableRewind['killDuring'] = async (...args) => {
  figures.kills += 1;
  return rewind.killDuring(...args);
};
beforeAll(async () => {
  rewind = await startCrashableRewind();
});
afterAll(async () => {
  watcher.stop();
  recordFigures('kill9', {
    requests: watcher.traffic.requests,
    faults: { kill9: figures.kills },
    checkedReads: figures.checkedReads,
    notFound: figures.notFound,
    serverErrors: watcher.traffic.serverErrors,
    unavailable: watcher.traffic.unavailable,
    durationMs: Math.round(performance.now() - figures.started),
    ...(figures.auditFailures ? { notes: [`kill9: GET /audit/verify failed ${figures.auditFailures} time(s)`] } : {}),
  });
  await rewind?.close();
});

/** v1 then v2 deployed and activated, and the pointer cache's bound past, so v1 may be purged. */
async function twoServedVersionsPastCache(view: string): Promise<void> {
  expect((await rewind.api.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
  expect((await rewind.api.post(`/views/${view}/versions`, deployBody(2, ROWS, { activate: true }))).status).toBe(201);
  await pastPointerCache(rewind.api, view); // v1 may be purged only once no cached pointer names it
}

/** Serving v2, the runtime killed -9 while it purges v1 (some of v1's rows gone, not all). */
async function killMidPurgeOfFirst(view: string): Promise<void> {
  await twoServedVersionsPastCache(view);
  await killDuring(
    (api) => api.del(`/views/${view}/versions/1/online`),
    async () => (await rewind.onlineRows(view, 1)) < ROWS,
  );
}

it('after kill -9 mid-deploy, serves the version before it, whole, and the audit verifies', async () => {
  const view = 'crash_deploy';
  expect((await rewind.api.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
  await killDuring(
    (api) => api.post(`/views/${view}/versions`, deployBody(2, ROWS, { activate: true })),
    async () => (await rewind.onlineRows(view, 2)) > 0,
  );
  const check = await checkServed(rewind.api, view, sample);
  expect(check.served).toEqual([{ version: 1, arm: 'stable', missing: [] }]);
  expect({ ok: check.auditOk, problems: check.auditProblems }).toEqual({ ok: true, problems: [] });
  expect(check.historyEntries).toBe(check.revision);
  // The interrupted deploy left no version record behind: v2 does not exist.
  expect((await rewind.api.get(`/views/${view}/versions/2`)).status).toBe(404);
});

it('after kill -9 mid-purge of a version nobody serves, still serves the served one whole', async () => {
  const view = 'crash_purge';
  await killMidPurgeOfFirst(view);
  const check = await checkServed(rewind.api, view, sample);
  expect(check.served).toEqual([{ version: 2, arm: 'stable', missing: [] }]);
  expect(check.auditOk).toBe(true);
  expect(check.historyEntries).toBe(check.revision);
});

it('after kill -9 mid-rollback onto a purged version (while it is re-materialized), serves one version whole, and a second rollback lands on real data', async () => {
  const view = 'crash_rollback';
  await twoServedVersionsPastCache(view);
  expect((await rewind.api.del(`/views/${view}/versions/1/online`)).status).toBe(200);
  expect(await rewind.onlineRows(view, 1)).toBe(0);
  await killDuring(
    (api) => api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'crash test' }),
    async () => (await rewind.onlineRows(view, 1)) > 0,
  );
  const after = await checked(view);
  expect(after.served).toHaveLength(1);
  expect(after.served[0]!.missing).toEqual([]);
  expect(after.auditOk).toBe(true);
  expect(after.historyEntries).toBe(after.revision);

  const again = await rewind.api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'after the crash' });
  expect(again.status).toBe(200);
  const final = await checked(view);
  expect(final.served).toEqual([{ version: 1, arm: 'stable', missing: [] }]);
  expect(final.auditOk).toBe(true);
});

it('finding 3: a rollback onto a version whose purge was killed re-materializes it: every entity found', async () => {
  const view = 'crash_half_purged';
  await killMidPurgeOfFirst(view);
  expect(await rewind.onlineRows(view, 1)).toBeLessThan(ROWS);
  const rollback = await rewind.api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'onto the half-purged version' });
  expect(rollback.status).toBe(200);
  const check = await checked(view);
  expect(check.served).toEqual([{ version: 1, arm: 'stable', missing: [] }]);
  expect(check.auditOk).toBe(true);
});

it('finding 1: a purge and a rollback to the same version sent together never leave the served version without data', async () => {
  const every = () => Array.from({ length: 300 }, (_, i) => `u${i}`);
  for (let round = 0; round < 5; round++) {
    const view = `race_purge_rollback_${round}`;
    expect((await rewind.api.post(`/views/${view}/versions`, deployBody(1, 300, { activate: true }))).status).toBe(201);
    expect((await rewind.api.post(`/views/${view}/versions`, deployBody(2, 300, { activate: true }))).status).toBe(201);
    await pastPointerCache(rewind.api, view); // so that the purge may win the race
    const [purge, rollback] = await Promise.all([rewind.api.del(`/views/${view}/versions/1/online`), rewind.api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'race' })]);
    // Either order is allowed; neither may leave holes, and at least one of them lands.
    expect([purge.status, rollback.status]).toContain(200);
    const check = await checkServed(rewind.api, view, every);
    figures.checkedReads += check.served.length * 300;
    figures.notFound += check.served.reduce((n, s) => n + s.missing.length, 0);
    expect(check.served.map((s) => ({ version: s.version, missing: s.missing.length }))).toEqual([{ version: check.served[0]!.version, missing: 0 }]);
  }
});
