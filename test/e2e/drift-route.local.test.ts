/**
 * GET /views/{view}/drift on the local runtime, end to end: served reads are sampled, the real
 * drift monitor measures them and prints EMF, the local alarm evaluator keeps the per-feature
 * figures, and the route answers them (source `local`) with each feature's status. The monitor
 * is run in process (its schedule is set far off), so this suite never runs against a stack.
 */
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';

const ENTITIES = 60;
const definition = {
  entity: 'user_id',
  features: [
    { name: 'avg_basket', type: 'float' },
    { name: 'country', type: 'string', default: 'unknown' },
  ],
};
const rows = Array.from({ length: ENTITIES }, (_, i) => ({ user_id: `u${i}`, avg_basket: ((i * 37) % 200) / 4 + 5, country: ['FR', 'DE', 'US', 'JP'][i % 4] }));

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let viewer: Caller;
let view: string;

beforeAll(async () => {
  rewind = await startLocalTestRewind('drift', { monitoring: { monitorIntervalMs: 3_600_000, sampleFlushMs: 200, alarmPeriodSeconds: 1, monitorWindowSeconds: 5 } });
  const deployer = await rewind.as('dev', ['deployer']);
  viewer = await rewind.as('val', ['viewer']);
  view = rewind.view('baskets');
  const deployed = await deployer.post(`/views/${view}/versions`, { definition, rows, activate: true, validation: { monitor: { minSamples: 5 } } });
  expect(deployed.status).toBe(201);
}, 90_000);
afterAll(() => rewind.stop());

it("answers the monitor's per-feature figures for the served version once it has measured, each feature ok", async () => {
  const before = await viewer.get(`/views/${view}/drift`);
  expect(before.status).toBe(200);
  // One point per second: the runtime's alarm period (REWIND_ALARM_PERIOD_SECONDS) overrides the policy's 60 s.
  expect(before.body).toMatchObject({ view, source: 'local', periodSeconds: 1, versions: [{ version: 1, role: 'stable' }] });
  expect(before.body.features.map((f: { feature: string; status: string }) => [f.feature, f.status])).toEqual([
    ['avg_basket', 'unmeasured'],
    ['country', 'unmeasured'],
  ]);

  // Traffic until measured: the monitor measures the last complete period's samples (1 s here).
  let reading = true;
  const traffic = Promise.all(
    [0, 1, 2, 3, 4, 5].map(async (seed) => {
      for (let i = seed; reading; i += 6) expect((await viewer.get(`/online/${view}/u${i % ENTITIES}`)).status).toBe(200);
    }),
  );
  const after = await eventually(
    async () => {
      const ran = await rewind.local.monitoring!.runMonitor();
      return { ...(await viewer.get(`/views/${view}/drift`)), ran };
    },
    (r) => r.body.features?.every((f: { series: unknown[] }) => f.series.length > 0),
    30_000,
  ).finally(async () => {
    reading = false;
    await traffic;
  });
  for (const f of after.body.features as { feature: string; status: string; series: { version: number; statistic: string; points: { at: string; value: number }[] }[]; latest: { value: number; threshold: number }[] }[]) {
    // The sample is the baseline's own values: nothing above its noise allowance.
    expect({ feature: f.feature, status: f.status }).toEqual({ feature: f.feature, status: 'ok' });
    expect(f.series.every((s) => s.version === 1 && s.points.length >= 1)).toBe(true);
    // A number is measured by PSI and KS, a category by Jensen-Shannon; both by their null rate.
    expect(f.series.map((s) => s.statistic)).toContain(f.feature === 'avg_basket' ? 'psi' : 'js');
    expect(f.latest.length).toBeGreaterThan(0);
    expect(f.latest.every((l) => l.value <= l.threshold)).toBe(true);
  }
}, 60_000);

it('refuses a malformed or inverted window naming query.since / query.until, and an unknown view with 404', async () => {
  const malformed = await viewer.get(`/views/${view}/drift?until=yesterday`);
  expect(malformed.status).toBe(400);
  expect(malformed.body.error).toMatchObject({ code: 'ValidationError', field: 'query.until' });
  const inverted = await viewer.get(`/views/${view}/drift?since=2026-11-25T12:00:00Z&until=2026-11-25T11:00:00Z`);
  expect(inverted.status).toBe(400);
  expect(inverted.body.error).toMatchObject({ field: 'query.since' });
  expect((await viewer.get(`/views/${rewind.view('nobody')}/drift`)).status).toBe(404);
});
