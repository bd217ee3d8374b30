/** Which views an alarm rolls back, and when it leaves them alone (in-memory adapters). */
import { alarmActor, autoRollback, parseAlarmEvent, type AlarmFired } from '../../core/auto-rollback';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import { rollbackView } from '../../core/pointer-changes';
import { deployBody } from '../support/fixtures';
import { alarmEvent as realAlarmEvent } from '../support/alarm-events';
import { memoryDeps } from '../support/memory';

const alarmEvent = (name: string, o: { view?: string; state?: string; at?: string } = {}) => realAlarmEvent(name, { at: now.toISOString(), ...o });

let now = new Date('2026-11-25T12:00:00Z');
const clockDeps = () => memoryDeps(() => now);
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 10, extra), 'body');

function fired(alarmName: string, o: { view?: string; state?: string; at?: string; service?: string | null } = {}): AlarmFired {
  const event = alarmEvent(alarmName, o);
  // The metric's `service` dimension: another stack's service, or none at all (null).
  if (o.service !== undefined) {
    const metric = event.detail.configuration.metrics[0]!.metricStat.metric;
    const { service: _default, ...others } = metric.dimensions;
    metric.dimensions = (o.service === null ? others : { ...others, service: o.service }) as typeof metric.dimensions;
  }
  const parsed = parseAlarmEvent(event);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.alarm;
}

/** v1 then v2 active, one minute apart, then the clock moves on to "now". */
async function twoVersions(view = 'v', extra = {}) {
  const deps = clockDeps();
  now = new Date('2026-11-25T12:00:00Z');
  await deployVersion(deps, 'dev', view, request(1, { activate: true, ...extra }));
  now = new Date('2026-11-25T12:01:00Z');
  await deployVersion(deps, 'dev', view, request(2, { activate: true, ...extra }));
  now = new Date('2026-11-25T12:05:00Z');
  return deps;
}

describe('parseAlarmEvent', () => {
  it.each([
    ['null', null],
    ['a string', 'ALARM'],
    ['an empty object', {}],
    ['a scheduled event', { id: 'x', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }],
    ['no alarm name', { ...alarmEvent('a'), detail: { ...alarmEvent('a').detail, alarmName: '' } }],
    ['no state timestamp', { ...alarmEvent('a'), detail: { ...alarmEvent('a').detail, state: { value: 'ALARM' } } }],
    ['a bad timestamp', { ...alarmEvent('a'), detail: { ...alarmEvent('a').detail, state: { value: 'ALARM', timestamp: 'yesterday' } } }],
    ['another source', { ...alarmEvent('a'), source: 'my.app' }],
  ])('reports %s as a problem instead of throwing', (_name, event) => {
    const parsed = parseAlarmEvent(event);
    expect(parsed.ok).toBe(false);
    expect((parsed as { problem: string }).problem).toEqual(expect.any(String));
  });

  it('reads the alarm, its reason and its dimensions', () => {
    expect(fired('rewind-drift-v-psi', { view: 'v' })).toMatchObject({ alarmName: 'rewind-drift-v-psi', state: 'ALARM', dimensions: { view: 'v', statistic: 'psi' } });
  });
});

describe('autoRollback', () => {
  it('rolls the view of a drift alarm back through rollbackView, as the alarm, with its reason', async () => {
    const deps = await twoVersions();
    const result = await autoRollback(deps, fired('rewind-drift-v-psi', { view: 'v' }));
    expect(result).toMatchObject({ resolvedBy: 'view-dimension', outcomes: [{ view: 'v', action: 'rolled-back', fromVersion: 2, toVersion: 1 }] });
    const [entry] = await deps.pointers.history('v', 1);
    expect(entry).toMatchObject({ action: 'rollback', actor: alarmActor('rewind-drift-v-psi'), reason: expect.stringMatching(/^rewind-drift-v-psi: Threshold Crossed/) });
    expect((await deps.pointers.getPointer('v'))!.rolledBack).toEqual([2]);
  });

  it('leaves a view alone that is already on a restored version, and says so', async () => {
    const deps = await twoVersions();
    await rollbackView(deps, 'alice', 'v', { reason: 'saw it first' });
    const result = await autoRollback(deps, fired('rewind-drift-v-psi', { view: 'v' }));
    expect(result.outcomes).toEqual([{ view: 'v', action: 'none', why: expect.stringMatching(/already on a restored version: v1 since a rollback by alice/) }]);
    expect((await deps.pointers.getPointer('v'))!.stable).toBe(1);
  });

  it('does nothing when the view changed after the alarm fired', async () => {
    const deps = await twoVersions();
    const alarm = fired('rewind-drift-v-psi', { view: 'v', at: '2026-11-25T12:00:30Z' });
    expect((await autoRollback(deps, alarm)).outcomes[0]).toMatchObject({ action: 'none', why: expect.stringMatching(/after the alarm fired/) });
  });

  it('ignores alarms that name no view, unknown views and non-ALARM states, touching nothing', async () => {
    const deps = await twoVersions();
    const before = structuredClone([...deps.pointers.byView]);
    expect(await autoRollback(deps, fired('rewind-something'))).toMatchObject({ resolvedBy: 'nothing', outcomes: [], note: expect.stringMatching(/names no view/) });
    expect((await autoRollback(deps, fired('rewind-drift-ghost-psi', { view: 'ghost' }))).outcomes).toEqual([{ view: 'ghost', action: 'none', why: 'no such view' }]);
    expect(await autoRollback(deps, fired('rewind-drift-v-psi', { view: 'v', state: 'OK' }))).toMatchObject({ outcomes: [], note: 'state is OK, not ALARM' });
    expect([...deps.pointers.byView]).toEqual(before);
  });

  describe('two Rewind stacks in one account: the service dimension says whose alarm it is', () => {
    const DEV = 'rewind-rewinddev';

    it('ignores, writing nothing, a drift alarm of another stack about a view of the same name', async () => {
      const deps = await twoVersions();
      const pointers = structuredClone([...deps.pointers.byView]);
      const history = deps.pointers.historyEntries.length;
      const audit = structuredClone([...deps.audit.chains]);
      // The default stack's rule prefix `rewind-` also matches the dev stack's alarm names.
      const result = await autoRollback(deps, fired(`${DEV}-drift-v-psi`, { view: 'v', service: DEV }), [], 'rewind');
      expect(result).toEqual({
        alarmName: `${DEV}-drift-v-psi`,
        resolvedBy: 'nothing',
        outcomes: [],
        note: `alarm of another Rewind stack (service ${DEV}, this stack's is rewind): ignored`,
      });
      expect([...deps.pointers.byView]).toEqual(pointers);
      expect(deps.pointers.historyEntries).toHaveLength(history);
      expect([...deps.audit.chains]).toEqual(audit);
    });

    it('ignores, in the other stack, the default stack\'s alarm', async () => {
      const deps = await twoVersions();
      const result = await autoRollback(deps, fired('rewind-drift-v-psi', { view: 'v' }), [], DEV);
      expect(result).toMatchObject({ outcomes: [], note: expect.stringMatching(/^alarm of another Rewind stack \(service rewind,/) });
      expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
    });

    it('still rolls back on its own service\'s alarm, and on an alarm that names no service', async () => {
      const own = await twoVersions();
      expect((await autoRollback(own, fired(`${DEV}-drift-v-psi`, { view: 'v', service: DEV }), [], DEV)).outcomes).toEqual([
        expect.objectContaining({ view: 'v', action: 'rolled-back', fromVersion: 2, toVersion: 1 }),
      ]);
      const unnamed = await twoVersions();
      expect((await autoRollback(unnamed, fired('rewind-drift-v-psi', { view: 'v', service: null }), [], 'rewind')).outcomes).toEqual([
        expect.objectContaining({ view: 'v', action: 'rolled-back', toVersion: 1 }),
      ]);
    });

    it('acts on a bound model alarm whatever service its metric names (it is bound by its exact name)', async () => {
      const deps = await twoVersions('v', { consumers: ['churn-model'] });
      const bindings = [{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }];
      const result = await autoRollback(deps, fired('churn-auc-low', { service: 'churn-api' }), bindings, 'rewind');
      expect(result).toMatchObject({ resolvedBy: 'model-binding', outcomes: [expect.objectContaining({ view: 'v', action: 'rolled-back' })] });
    });
  });

  it('reports a view with nothing to go back to instead of failing', async () => {
    const deps = clockDeps();
    await deployVersion(deps, 'dev', 'solo', request(1, { activate: true }));
    now = new Date('2026-11-25T12:10:00Z');
    expect((await autoRollback(deps, fired('rewind-drift-solo-psi', { view: 'solo' }))).outcomes[0]).toMatchObject({ action: 'none', why: expect.stringMatching(/cannot roll back/) });
  });

  it('rolls back, for a bound model alarm, the consuming views activated within the bake window only', async () => {
    const deps = clockDeps();
    now = new Date('2026-11-25T10:00:00Z');
    for (const v of ['old', 'recent', 'other']) await deployVersion(deps, 'dev', v, request(1, { activate: true, consumers: v === 'other' ? ['ltv-model'] : ['churn-model'] }));
    await deployVersion(deps, 'dev', 'old', request(2, { activate: true, consumers: ['churn-model'] }));
    now = new Date('2026-11-25T11:50:00Z');
    for (const v of ['recent', 'other']) await deployVersion(deps, 'dev', v, request(2, { activate: true, consumers: v === 'other' ? ['ltv-model'] : ['churn-model'] }));
    now = new Date('2026-11-25T12:00:00Z');

    const bindings = [{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }];
    const result = await autoRollback(deps, fired('churn-auc-low'), bindings);
    expect(result).toMatchObject({ resolvedBy: 'model-binding', model: 'churn-model' });
    expect(result.outcomes).toEqual([
      { view: 'old', action: 'none', why: expect.stringMatching(/before the 60-minute bake window/) },
      expect.objectContaining({ view: 'recent', action: 'rolled-back', toVersion: 1 }),
    ]);
    expect((await deps.pointers.getPointer('other'))!.stable).toBe(2);
  });
});
