/**
 * PENDING (not in the default run: its name does not end in .test.ts). These checks fail until
 * materialization is a guarded state machine (issue 10, "What to build" 1):
 * - finding 3: a purge interrupted by kill -9 leaves the version marked materialized with rows
 *   missing, so a rollback to it answers 200 without re-materializing and serves holes;
 * - finding 1: a purge racing a rollback to the same version leaves the served version empty.
 * Run with: npx jest --selectProjects integration --testMatch '<rootDir>/test/faults/kill9.pending.ts'
 * Once they pass, rename this file to kill9-state-machine.test.ts.
 */
import { deployBody } from '../support/fixtures';
import { checkServed, startCrashableRewind, type CrashableRewind } from './crash-harness';

const ROWS = 3000;
const entities = () => Array.from({ length: ROWS }, (_, i) => `u${i}`);
/** Every 97th entity and the last: a sample across all batches, to keep the read-back short. */
const sample = () => entities().filter((_, i) => i % 97 === 0 || i === ROWS - 1);

// Two deploys of ROWS rows, a kill, a restart (DynamoDB Local is a JVM) and a read-back.
jest.setTimeout(180_000);

let rewind: CrashableRewind;
beforeAll(async () => {
  rewind = await startCrashableRewind();
});
afterAll(() => rewind?.close());

it('finding 3: a rollback onto a version whose purge was killed re-materializes it: every entity found', async () => {
  const view = 'pending_purge';
  expect((await rewind.api.post(`/views/${view}/versions`, deployBody(1, ROWS, { activate: true }))).status).toBe(201);
  expect((await rewind.api.post(`/views/${view}/versions`, deployBody(2, ROWS, { activate: true }))).status).toBe(201);
  await rewind.killDuring(
    (api) => api.del(`/views/${view}/versions/1/online`),
    async () => (await rewind.onlineRows(view, 1)) < ROWS,
  );
  expect(await rewind.onlineRows(view, 1)).toBeLessThan(ROWS);
  const rollback = await rewind.api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'onto the half-purged version' });
  expect(rollback.status).toBe(200);
  const check = await checkServed(rewind.api, view, sample);
  expect(check.served).toEqual([{ version: 1, arm: 'stable', missing: [] }]);
  expect(check.auditOk).toBe(true);
});

it('finding 1: a purge and a rollback to the same version sent together never leave the served version without data', async () => {
  for (let round = 0; round < 5; round++) {
    const view = `pending_race_${round}`;
    expect((await rewind.api.post(`/views/${view}/versions`, deployBody(1, 300, { activate: true }))).status).toBe(201);
    expect((await rewind.api.post(`/views/${view}/versions`, deployBody(2, 300, { activate: true }))).status).toBe(201);
    await Promise.all([rewind.api.del(`/views/${view}/versions/1/online`), rewind.api.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'race' })]);
    const check = await checkServed(rewind.api, view, () => Array.from({ length: 300 }, (_, i) => `u${i}`));
    expect(check.served.map((s) => ({ version: s.version, missing: s.missing.length }))).toEqual([{ version: check.served[0]!.version, missing: 0 }]);
  }
});
