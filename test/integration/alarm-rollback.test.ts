/**
 * functions/alarm-rollback in process, on the stack's tables (Powertools idempotency included), and
 * preflight through HTTP: a rejected version is recorded but never served, and a plan
 * reaches the deploy's verdict while writing nothing.
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../local/gateway';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';
import { alarmEvent } from '../support/alarm-events';

let rewind: TestRewind;
let deployer: Caller;
let handler: (event: unknown, context: Context) => Promise<any>;
const context = () => lambdaContext({ handler: 'alarm-rollback' });
const definition = { entity: 'id', features: [{ name: 'x', type: 'float' }] };
const rows = (n: number, shift = 0) => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, x: i + shift }));

beforeAll(async () => {
  rewind = await startTestRewind('alarmfn');
  deployer = await rewind.as('dev', ['deployer']);
  ({ handler } = (await import('../../functions/alarm-rollback')) as never);
});
afterAll(() => rewind.stop());

describe('alarm-rollback', () => {
  it('rolls back once for the same event delivered twice', async () => {
    const view = rewind.view('twice');
    await deployer.post(`/views/${view}/versions`, { definition, rows: rows(20), activate: true });
    await deployer.post(`/views/${view}/versions`, { definition, rows: rows(20, 1), activate: true });
    const event = alarmEvent(`rewind-drift-${view}-psi`, { view, at: new Date(Date.now() + 1000).toISOString() });

    const first = await handler(event, context());
    const second = await handler(structuredClone(event), context());
    expect(first.outcomes).toEqual([expect.objectContaining({ view, action: 'rolled-back', fromVersion: 2, toVersion: 1 })]);
    expect(second).toMatchObject({ replayed: true, outcomes: first.outcomes });

    const history = (await deployer.get(`/views/${view}/history`)).body.history;
    expect(history.map((h: any) => [h.action, h.actor])).toEqual([
      ['rollback', `system:alarm/rewind-drift-${view}-psi`],
      ['activate', deployer.sub],
      ['activate', deployer.sub],
    ]);

    // A new transition of the same alarm finds the view already restored and leaves it there.
    const later = await handler(alarmEvent(`rewind-drift-${view}-psi`, { view, at: new Date(Date.now() + 2000).toISOString() }), context());
    expect(later.outcomes).toEqual([{ view, action: 'none', why: expect.stringMatching(/already on a restored version/) }]);
    expect((await deployer.get(`/views/${view}`)).body.pointer).toMatchObject({ stable: 1, revision: 3 });
  });

  it('logs and ignores malformed events, writing nothing at all', async () => {
    const before = await rewind.dump();
    const alarmName = `rewind-drift-${rewind.view('twice')}-psi`;
    for (const event of [{}, null, { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', id: 'x', detail: { alarmName } }])
      expect(await handler(event, context())).toEqual({ ignored: expect.any(String) });
    expect(await rewind.dump()).toEqual(before);
  });

  it('never moves a pointer for an unknown view or an alarm that names no view', async () => {
    const view = rewind.view('bystander');
    await deployer.post(`/views/${view}/versions`, { definition, rows: rows(5), activate: true });
    await deployer.post(`/views/${view}/versions`, { definition, rows: rows(5, 1), activate: true });
    const state = async () => {
      const { tables } = await rewind.dump();
      return { pointers: tables.pointers, history: tables.history, audit: tables.audit };
    };
    const before = await state();
    const at = new Date(Date.now() + 1000).toISOString();
    const ghost = rewind.view('ghost');
    expect((await handler(alarmEvent(`rewind-drift-${ghost}-psi`, { view: ghost, at }), context())).outcomes).toEqual([{ view: ghost, action: 'none', why: 'no such view' }]);
    // Not a drift alarm of this stack's (nor a bound model alarm): screened out before anything is read.
    expect(await handler(alarmEvent('rewind-api-errors', { at }), context())).toEqual({ ignored: expect.stringMatching(/neither a drift alarm of this stack/) });
    expect(await state()).toEqual(before);
  });
});

describe('preflight through the API', () => {
  let view: string;
  beforeAll(() => {
    view = rewind.view('gated');
  });

  it('records a rejected version with its report, never serves it, and refuses to activate it', async () => {
    await deployer.post(`/views/${view}/versions`, { definition, rows: rows(600), activate: true });
    const bad = { definition, rows: rows(600, 10_000), consumers: ['risk-model'] };

    const before = await rewind.dump();
    const plan = await deployer.post(`/views/${view}/plan`, { ...bad, activate: true });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ view, wouldBe: 'rejected', rows: 600, validation: { status: 'rejected', baseline: { version: 1, pinned: false } } });
    expect(await rewind.dump()).toEqual(before);

    const deployed = await deployer.post(`/views/${view}/versions`, { ...bad, activate: true });
    expect(deployed.status).toBe(201);
    expect(deployed.body).toMatchObject({ version: 2, status: 'rejected', materialized: { rows: 0 }, validation: { status: 'rejected' } });
    expect(deployed.body.activation).toBeUndefined();
    expect(deployed.body.validation.findings).toEqual(plan.body.validation.findings);
    expect(deployed.body.validation.findings[0]).toMatchObject({ level: 'block', feature: 'x' });

    const record = (await deployer.get(`/views/${view}/versions/2`)).body;
    expect(record).toMatchObject({ outcome: 'rejected', status: 'rejected', validation: { status: 'rejected', baselineVersion: 1, artifact: { uri: expect.stringMatching(new RegExp(`/snapshots/${view}/v2/validation-[0-9a-f]{64}\\.json$`)) } } });
    expect(record.validation.policy.defaults.psi).toEqual({ warnAbove: 0.1, blockAbove: 0.25 });
    expect(record.online).toBeUndefined(); // never materialized

    const activate = await deployer.post(`/views/${view}/activate`, { version: 2 });
    expect(activate.status).toBe(409);
    expect((await deployer.get(`/online/${view}/e1`)).body.version).toBe(1);
  });

  it('compares with a pinned baseline, and names the field when it cannot be used', async () => {
    const pinned = await deployer.post(`/views/${view}/plan`, { definition, rows: rows(600), validation: { baselineVersion: 1 } });
    expect(pinned.body.validation).toMatchObject({ status: 'passed', baseline: { version: 1, pinned: true } });
    const missing = await deployer.post(`/views/${view}/plan`, { definition, rows: rows(600), validation: { baselineVersion: 9 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe('validation.baselineVersion');
    const rejected = await deployer.post(`/views/${view}/plan`, { definition, rows: rows(600), validation: { baselineVersion: 2 } });
    expect(rejected.body.error).toMatchObject({ field: 'validation.baselineVersion', message: expect.stringMatching(/was rejected/) });
  });
});
