/**
 * The whole after-activation loop on the local runtime, with no human action: v1 is good and
 * active; v2 ships a unit bug (avg_basket in cents instead of euros) that preflight flags but,
 * under a `warn` policy, does not block; v2 is activated and serves traffic; the drift
 * monitor sees the served sample drift from the baseline, the alarm (1 s periods) fires, the
 * EventBridge rule delivers the real event shape to functions/alarm-rollback, and the view is
 * back on v1: history says who (the alarm) and why, the audit chain verifies, and serving
 * returns v1 values. Everything is polled with deadlines; nothing sleeps a fixed time.
 * The monitor, the alarm evaluator and the bus are the local runtime's, read in process: this
 * suite never runs against a deployed stack.
 */
import { driftAlarmName } from '../../contract/alarms';
import type { BusEvent } from '../../local/event-bus';
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';

const ENTITIES = 400;
const definition = {
  entity: 'user_id',
  features: [
    { name: 'avg_basket', type: 'float' },
    { name: 'country', type: 'string', default: 'unknown' },
  ],
};
/** Deterministic, spread-out baskets in euros; `scale: 100` is the cents bug. */
const rows = (scale: number) =>
  Array.from({ length: ENTITIES }, (_, i) => ({ user_id: `u${i}`, avg_basket: (((i * 37) % 200) / 4 + 5) * scale, country: ['FR', 'DE', 'US', 'JP'][i % 4] }));
const monitor = { evaluationPeriods: 2, datapointsToAlarm: 1, minSamples: 40 };

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let view: string;
let deployer: Caller;
let admin: Caller;

beforeAll(async () => {
  rewind = await startLocalTestRewind('autorb', {
    monitoring: { alarmPeriodSeconds: 1, monitorIntervalMs: 300, monitorWindowSeconds: 3, sampleFlushMs: 200 },
    outboxPollMs: 100,
  });
  view = rewind.view('user_profile');
  deployer = await rewind.as('dev', ['deployer']);
  admin = await rewind.as('ada', ['admin']);
});
afterAll(() => rewind.stop());

/** Requests from a few concurrent clients until stopped; counts what each version served. */
function traffic(caller: Caller) {
  const servedBy = new Map<number, number>();
  let stop = false;
  const client = async (seed: number) => {
    for (let i = seed; !stop; i += 7) {
      const reply = await caller.get(`/online/${view}/u${i % ENTITIES}`);
      if (reply.status === 200) servedBy.set(reply.body.version, (servedBy.get(reply.body.version) ?? 0) + 1);
    }
  };
  const running = Promise.all([1, 2, 3, 4].map(client));
  return { servedBy, stop: async () => ((stop = true), await running) };
}

it('rolls a drifting version back to the last good one through monitor → alarm → rule → handler', async () => {
  // arrange: v1 good and active
  const v1 = await deployer.post(`/views/${view}/versions`, { definition, rows: rows(1), consumers: ['churn-model'], activate: true, validation: { monitor } });
  expect(v1.body).toMatchObject({ version: 1, status: 'active', validation: { status: 'passed', baseline: null } });
  const load = traffic(deployer);
  await eventually(async () => load.servedBy.get(1) ?? 0, (n) => n > 50, 10_000);

  // act: v2 with the cents bug, let through by a warn policy, activated
  const v2 = await deployer.post(`/views/${view}/versions`, {
    definition,
    rows: rows(100),
    consumers: ['churn-model'],
    validation: { enforce: 'warn', minValues: 100, monitor },
  });
  expect(v2.body).toMatchObject({ version: 2, status: 'deployed', validation: { status: 'warned', baseline: { version: 1 } } });
  expect(v2.body.validation.findings).toContainEqual(expect.objectContaining({ check: 'psi', feature: 'avg_basket', downgraded: 'enforce' }));
  const activatedAt = Date.now();
  expect((await deployer.post(`/views/${view}/activate`, { version: 2, reason: 'new basket pipeline' })).status).toBe(200);

  // assert: v2 was served, then v1 again, with nobody touching anything
  await eventually(async () => load.servedBy.get(2) ?? 0, (n) => n > 0, 10_000);
  const back = await eventually(() => deployer.get(`/online/${view}/u7`), (r) => r.status === 200 && r.body.version === 1, 20_000);
  const recoveredMs = Date.now() - activatedAt;
  await load.stop();
  expect(back.body.features).toEqual({ avg_basket: rows(1)[7]!.avg_basket, country: 'JP' });

  // The alarm of the version that drifted (per-version alarms: v2 pays, nobody else).
  const alarmName = driftAlarmName(view, 'psi', 'rewind', 2);
  const history = (await deployer.get(`/views/${view}/history`)).body.history;
  expect(history[0]).toMatchObject({ action: 'rollback', actor: `system:alarm/${alarmName}`, fromVersion: 2, toVersion: 1 });
  expect(history[0].reason).toMatch(new RegExp(`^${alarmName}: Threshold Crossed: `));
  expect(history[0].after).toMatchObject({ stable: 1, rolledBack: [2] });
  expect(history.map((h: { action: string }) => h.action)).toEqual(['rollback', 'activate', 'activate']);

  const versions = (await deployer.get(`/views/${view}/versions`)).body.versions;
  expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
    [1, 'active'],
    [2, 'rolled-back'],
  ]);
  const audit = (await admin.get(`/audit?view=${view}`)).body.entries;
  // The rollback's runbook appends its own entry (system:runbook) a moment later: find the rollback's.
  expect(audit.find((e: any) => e.action === 'rollback')).toMatchObject({ action: 'rollback', actor: `system:alarm/${alarmName}`, outcome: 'allowed', id: history[0].auditId });
  expect((await admin.get('/audit/verify')).body).toMatchObject({ ok: true });

  // The alarm's transition went through the rule, and the rollback left its event in the outbox.
  const monitoring = rewind.local.monitoring!;
  expect(monitoring.evaluator.transitions).toContainEqual(expect.objectContaining({ alarmName, to: 'ALARM' }));
  const rolledBack = await eventually(
    async () => monitoring.bus.published.find((e: BusEvent) => e['detail-type'] === 'FeatureViewRolledBack'),
    (e) => e !== undefined,
    5_000,
  );
  expect(rolledBack!.detail).toMatchObject({ view, action: 'rollback', actor: `system:alarm/${alarmName}`, fromVersion: 2, toVersion: 1 });
  expect(monitoring.bus.deliveries.filter((d) => d.rule === 'alarm-rollback' && (d.result as { outcomes?: { action: string }[] })?.outcomes?.some((o) => o.action === 'rolled-back'))).toHaveLength(1);

  // Once v1 serves again, the alarms of what is served are v1's (per-version alarms: v2's
  // stops being evaluated with its version), v1's drift is low, and nothing else moves.
  await eventually(async () => monitoring.evaluator.stateOf(driftAlarmName(view, 'psi', 'rewind', 1)), (s) => s === 'OK', 15_000);
  expect((await deployer.get(`/views/${view}`)).body.pointer).toMatchObject({ stable: 1, revision: 3 });
  console.log(`auto-rollback e2e: activation of v2 → v1 served again in ${recoveredMs} ms`);
}, 60_000);
