/**
 * Drift alarms in CloudWatch follow the views (functions/sync-alarms.ts): the plan
 * (contract/alarm-sync.ts), its rendering as CloudWatch requests (store/cloudwatch-alarms.ts)
 * against a fake CloudWatch that keeps what was put, and the handler's reading of the pointer.
 */
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { planDriftAlarmSync, type ExistingDriftAlarm } from '../../contract/alarm-sync';
import { driftAlarmsForView } from '../../contract/alarms';
import type { Pointer, VersionRecord } from '../../core/model';
import { resolvePolicy } from '../../core/validation/policy';
import { logger } from '../../functions/commons/powertools';
import { createSyncAlarms, viewsOf } from '../../functions/sync-alarms';
import { CloudWatchDriftAlarms, putMetricAlarmInput, type CloudWatchSender } from '../../store/cloudwatch-alarms';

const DEFAULTS = resolvePolicy().monitor;
const existing = (view: string, check: string, config?: ExistingDriftAlarm['config']): ExistingDriftAlarm => ({
  alarmName: `rewind-drift-${view}-${check}`,
  dimensions: { service: 'rewind', view, statistic: check },
  ...(config ? { config } : {}),
});

describe('planDriftAlarmSync', () => {
  it('puts every alarm of the policy for a view that has none', () => {
    const plan = planDriftAlarmSync('user_profile', DEFAULTS, []);
    expect(plan.put.map((s) => s.alarmName)).toEqual(['rewind-drift-user_profile-psi', 'rewind-drift-user_profile-js', 'rewind-drift-user_profile-nullRateIncrease']);
    expect(plan.put).toEqual(driftAlarmsForView('user_profile', DEFAULTS));
    expect(plan).toMatchObject({ unchanged: [], delete: [] });
  });

  it('deletes the checks a new policy switched off, and re-puts the ones whose threshold moved', () => {
    const before = driftAlarmsForView('v', DEFAULTS);
    const described = before.map(({ alarmName, dimensions, target: _t, ...config }) => ({ alarmName, dimensions, config }));
    const monitor = resolvePolicy({ monitor: { alarmAbove: { psi: 0.4, js: null } } }).monitor;
    const plan = planDriftAlarmSync('v', monitor, described);
    expect(plan.put.map((s) => [s.alarmName, s.threshold])).toEqual([['rewind-drift-v-psi', 0.4]]);
    expect(plan.unchanged).toEqual(['rewind-drift-v-nullRateIncrease']);
    expect(plan.delete).toEqual(['rewind-drift-v-js']);
  });

  it('deletes every drift alarm of a view that serves nothing', () => {
    const plan = planDriftAlarmSync('v', null, [existing('v', 'psi'), existing('v', 'ks')]);
    expect(plan).toEqual({ view: 'v', put: [], unchanged: [], delete: ['rewind-drift-v-ks', 'rewind-drift-v-psi'] });
  });

  it('never touches another view whose name shares the prefix (user vs user-profile)', () => {
    const plan = planDriftAlarmSync('user', null, [existing('user-profile', 'psi'), existing('user', 'js')]);
    expect(plan.delete).toEqual(['rewind-drift-user-js']);
  });

  it('re-puts an alarm it cannot compare (no configuration described)', () => {
    const plan = planDriftAlarmSync('v', DEFAULTS, [existing('v', 'psi')]);
    expect(plan.put.map((s) => s.alarmName)).toContain('rewind-drift-v-psi');
  });

  it('follows a period override, as the drift monitor does', () => {
    expect(planDriftAlarmSync('v', DEFAULTS, [], { periodSeconds: 10 }).put.every((s) => s.periodSeconds === 10)).toBe(true);
  });

  it('plans for one service: never deletes another stack\'s alarms, even when they are described to it', () => {
    const dev = planDriftAlarmSync('v', null, [existing('v', 'psi'), { ...existing('v', 'js'), alarmName: 'rewind-rewinddev-drift-v-js' }], { service: 'rewind-rewinddev' });
    // The first is the default stack's; the second has a dev name but the default stack's metric.
    expect(dev.delete).toEqual([]);
    expect(planDriftAlarmSync('v', DEFAULTS, [], { service: 'rewind-rewinddev' }).put.map((s) => [s.alarmName, s.dimensions.service])).toEqual([
      ['rewind-rewinddev-drift-v-psi', 'rewind-rewinddev'],
      ['rewind-rewinddev-drift-v-js', 'rewind-rewinddev'],
      ['rewind-rewinddev-drift-v-nullRateIncrease', 'rewind-rewinddev'],
    ]);
  });
});

/** A CloudWatch that keeps metric alarms by name, answering the three calls the adapter makes. */
function fakeCloudWatch(pageSize = 2) {
  const alarms = new Map<string, MetricAlarm>();
  const calls: string[] = [];
  const client: CloudWatchSender = {
    send: (async (command: unknown) => {
      if (command instanceof PutMetricAlarmCommand) {
        calls.push(`put ${command.input.AlarmName}`);
        const { ActionsEnabled: _a, ...rest } = command.input;
        // CloudWatch omits DatapointsToAlarm when it equals EvaluationPeriods.
        const stored: MetricAlarm = { ...rest, StateValue: alarms.get(rest.AlarmName!)?.StateValue ?? 'INSUFFICIENT_DATA' } as MetricAlarm;
        if (stored.DatapointsToAlarm === stored.EvaluationPeriods) delete stored.DatapointsToAlarm;
        alarms.set(rest.AlarmName!, stored);
        return {};
      }
      if (command instanceof DeleteAlarmsCommand) {
        calls.push(`delete ${command.input.AlarmNames!.join(',')}`);
        for (const name of command.input.AlarmNames!) alarms.delete(name);
        return {};
      }
      if (command instanceof DescribeAlarmsCommand) {
        const all = [...alarms.values()].filter((a) => a.AlarmName!.startsWith(command.input.AlarmNamePrefix ?? '')).sort((a, b) => a.AlarmName!.localeCompare(b.AlarmName!));
        const start = Number(command.input.NextToken ?? 0);
        const page = all.slice(start, start + pageSize);
        return { MetricAlarms: page, ...(start + pageSize < all.length ? { NextToken: String(start + pageSize) } : {}) };
      }
      throw new Error(`unexpected command ${String(command)}`);
    }) as CloudWatchSender['send'],
  };
  return { client, alarms, calls };
}

describe('CloudWatchDriftAlarms', () => {
  it('renders a spec as PutMetricAlarm on the view metric, with no actions (state changes reach EventBridge by themselves)', () => {
    const input = putMetricAlarmInput(driftAlarmsForView('user_profile', DEFAULTS)[0]!);
    expect(input).toEqual({
      AlarmName: 'rewind-drift-user_profile-psi',
      AlarmDescription: expect.stringContaining("'user_profile'"),
      Namespace: 'Rewind',
      MetricName: 'FeatureDrift',
      Dimensions: [
        { Name: 'service', Value: 'rewind' },
        { Name: 'view', Value: 'user_profile' },
        { Name: 'statistic', Value: 'psi' },
      ],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 0.25,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
    });
  });

  it('reads back what it put as unchanged, across pages, so a repeated sync puts nothing', async () => {
    const { client } = fakeCloudWatch();
    const adapter = new CloudWatchDriftAlarms(client);
    const monitor = resolvePolicy({ monitor: { evaluationPeriods: 2, datapointsToAlarm: 2 } }).monitor;
    for (const spec of driftAlarmsForView('v', monitor)) await adapter.put(spec);
    const described = await adapter.describe('v');
    expect(described.map((a) => a.alarmName).sort()).toEqual(['rewind-drift-v-js', 'rewind-drift-v-nullRateIncrease', 'rewind-drift-v-psi']);
    expect(planDriftAlarmSync('v', monitor, described)).toMatchObject({ put: [], delete: [] });
  });
});

describe('functions/sync-alarms', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  afterAll(() => logger.setLogLevel('INFO'));
  const version = (view: string, v: number, monitor?: object): VersionRecord => ({ view, version: v, ...(monitor ? { validation: { policy: { monitor } } } : {}) }) as unknown as VersionRecord;
  const pointer = (view: string, stable: number | null): Pointer => ({ view, stable, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 1, updatedAt: '', updatedBy: '' });

  function setup(views: Record<string, { stable: number | null; versions: VersionRecord[] }>, cloudwatch = fakeCloudWatch(100), service?: string) {
    const registry = {
      getPointer: async (view: string) => (views[view] ? pointer(view, views[view]!.stable) : undefined),
      getVersion: async (view: string, v: number) => views[view]?.versions.find((r) => r.version === v),
      listViews: async () => Object.keys(views),
    };
    const sync = createSyncAlarms({ registry, alarms: new CloudWatchDriftAlarms(cloudwatch.client, service), ...(service ? { service } : {}) });
    return { sync, cloudwatch, views };
  }
  const pointerEvent = (view: string, detailType = 'FeatureViewActivated') => ({ source: 'rewind', 'detail-type': detailType, detail: { eventId: `${view}#1`, view } });

  it('puts the alarms of the served version\'s policy, then follows a rollback to a version with another policy', async () => {
    const strict = resolvePolicy({ monitor: { alarmAbove: { psi: 0.1, js: null, nullRateIncrease: null } } }).monitor;
    const { sync, cloudwatch, views } = setup({ v: { stable: 1, versions: [version('v', 1), version('v', 2, strict)] } });
    await sync(pointerEvent('v'));
    expect([...cloudwatch.alarms.keys()].sort()).toEqual(['rewind-drift-v-js', 'rewind-drift-v-nullRateIncrease', 'rewind-drift-v-psi']);

    views.v!.stable = 2;
    const result = await sync(pointerEvent('v', 'FeatureViewPromoted'));
    expect(result.synced).toEqual([{ view: 'v', version: 2, put: ['rewind-drift-v-psi'], unchanged: [], deleted: ['rewind-drift-v-js', 'rewind-drift-v-nullRateIncrease'] }]);
    expect(cloudwatch.alarms.get('rewind-drift-v-psi')!.Threshold).toBe(0.1);
    // Puts before deletes: never a moment with fewer alarms than needed.
    expect(cloudwatch.calls.slice(-2)).toEqual(['put rewind-drift-v-psi', 'delete rewind-drift-v-js,rewind-drift-v-nullRateIncrease']);
  });

  it('is idempotent: a redelivered event changes nothing', async () => {
    const { sync, cloudwatch } = setup({ v: { stable: 1, versions: [version('v', 1)] } });
    await sync(pointerEvent('v'));
    const callsAfterFirst = cloudwatch.calls.length;
    const again = await sync(pointerEvent('v'));
    expect(cloudwatch.calls.length).toBe(callsAfterFirst);
    expect(again.synced[0]).toMatchObject({ put: [], deleted: [], unchanged: expect.arrayContaining(['rewind-drift-v-psi']) });
  });

  it('fails (to be retried) rather than delete alarms when the served version\'s record cannot be read', async () => {
    const { sync, cloudwatch } = setup({ v: { stable: 1, versions: [version('v', 1)] }, w: { stable: 3, versions: [] } });
    await expect(sync({ all: true })).rejects.toThrow('drift alarms of w could not be synced');
    // The other view was still synced.
    expect(cloudwatch.alarms.has('rewind-drift-v-psi')).toBe(true);
  });

  it('in a second stack (another service), puts and deletes its own alarms only, beside the default stack\'s', async () => {
    const DEV = 'rewind-rewinddev';
    const cloudwatch = fakeCloudWatch(100);
    // The default stack serves v with a strict policy; the dev stack serves v with the defaults.
    const strict = resolvePolicy({ monitor: { alarmAbove: { psi: 0.1, js: null, nullRateIncrease: null } } }).monitor;
    const prod = setup({ v: { stable: 1, versions: [version('v', 1, strict)] } }, cloudwatch);
    await prod.sync(pointerEvent('v'));
    const prodAlarms = structuredClone([...cloudwatch.alarms]);
    expect(prodAlarms.map(([name]) => name)).toEqual(['rewind-drift-v-psi']);

    const dev = setup({ v: { stable: 1, versions: [version('v', 1)] } }, cloudwatch, DEV);
    const callsBefore = cloudwatch.calls.length;
    expect((await dev.sync(pointerEvent('v'))).synced[0]).toMatchObject({ put: [`${DEV}-drift-v-psi`, `${DEV}-drift-v-js`, `${DEV}-drift-v-nullRateIncrease`], deleted: [] });
    expect(cloudwatch.alarms.get(`${DEV}-drift-v-psi`)!.Dimensions).toContainEqual({ Name: 'service', Value: DEV });
    // The dev stack serves nothing any more: its alarms go, the default stack's stay as they were.
    dev.views.v!.stable = null;
    expect((await dev.sync(pointerEvent('v', 'FeatureViewRolledBack'))).synced[0]).toMatchObject({ deleted: [`${DEV}-drift-v-js`, `${DEV}-drift-v-nullRateIncrease`, `${DEV}-drift-v-psi`] });
    expect([...cloudwatch.alarms]).toEqual(prodAlarms);
    const devCalls = cloudwatch.calls.slice(callsBefore);
    expect(devCalls.flatMap((c) => c.split(' ')[1]!.split(',')).filter((name) => !name.startsWith(`${DEV}-drift-`))).toEqual([]);
  });

  it('refuses, in the adapter, to put or delete an alarm of another service', async () => {
    const cloudwatch = fakeCloudWatch();
    const dev = new CloudWatchDriftAlarms(cloudwatch.client, 'rewind-rewinddev');
    await expect(dev.put(driftAlarmsForView('v', DEFAULTS)[0]!)).rejects.toThrow(/refusing to change rewind-drift-v-psi/);
    await expect(dev.delete(['rewind-drift-v-psi'])).rejects.toThrow(/refusing to change rewind-drift-v-psi/);
    expect(cloudwatch.calls).toEqual([]);
  });

  it('ignores events without a view, and reads manual requests', async () => {
    const { sync, cloudwatch } = setup({});
    expect(await sync({ source: 'rewind', detail: {} })).toEqual({ synced: [], ignored: 'no view in the event' });
    expect(cloudwatch.calls).toEqual([]);
    expect(viewsOf({ views: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(viewsOf({ all: true })).toBe('all');
    expect(viewsOf(pointerEvent('v'))).toEqual(['v']);
    expect(viewsOf('v')).toBeUndefined();
  });
});
