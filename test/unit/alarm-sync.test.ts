/**
 * Drift alarms in CloudWatch follow the views (core/alarm-sync.ts, behind functions/sync-alarms.ts): the plan
 * (contract/alarm-sync.ts), its rendering as CloudWatch requests (store/cloudwatch-alarms.ts)
 * against a fake CloudWatch that keeps what was put, the handler's reading of the pointer, and
 * the stack's custom resource: sync every view on deploy, purge every alarm of the service
 * when the stack is deleted.
 */
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { driftAlarmsToPurge, planDriftAlarmSync, type ExistingDriftAlarm } from '../../contract/alarm-sync';
import { driftAlarmsForView } from '../../contract/alarms';
import type { Pointer, VersionRecord } from '../../core/model';
import { resolvePolicy } from '../../core/validation/tolerances';
import { logger } from '../../functions/commons/powertools';
import {
  createDriftAlarmsResource,
  createPurgeDriftAlarms,
  createSyncAlarms,
  createSyncAlarmsHandler,
  purgeRequested,
  viewsOf,
  type StackStatusPort,
} from '../../core/alarm-sync';
import { CloudWatchDriftAlarms, putMetricAlarmInput, type CloudWatchSender } from '../../store/cloudwatch-alarms';

const DEFAULTS = resolvePolicy().monitor;
const OPS_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:oncall';
/** The service of a second stack (`RewindDev`) in the same account and region. */
const DEV_SERVICE = 'rewind-rewinddev';
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

  it('purges a service\'s alarms only: by name prefix and service dimension (the default stack\'s prefix covers a stack named Drift)', () => {
    const drift = (view: string) => ({ alarmName: `rewind-drift-drift-${view}-psi`, dimensions: { service: 'rewind-drift', view, statistic: 'psi' } });
    const described = [existing('b', 'psi'), drift('v'), existing('a', 'js'), { ...existing('c', 'js'), dimensions: { view: 'c' } }];
    expect(driftAlarmsToPurge(described)).toEqual(['rewind-drift-a-js', 'rewind-drift-b-psi']);
    expect(driftAlarmsToPurge(described, 'rewind-drift')).toEqual(['rewind-drift-drift-v-psi']);
    expect(driftAlarmsToPurge(described, 'rewind-rewinddev')).toEqual([]);
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

/**
 * A CloudWatch that keeps metric alarms by name, answering the three calls the adapter makes.
 * `failDelete` makes a DeleteAlarms call fail as a whole, as CloudWatch does, when it names one
 * of those alarms.
 */
function fakeCloudWatch(pageSize = 2, failDelete: (name: string) => boolean = () => false) {
  const alarms = new Map<string, MetricAlarm>();
  const calls: string[] = [];
  const client: CloudWatchSender = {
    send: (async (command: unknown) => {
      if (command instanceof DeleteAlarmsCommand && command.input.AlarmNames!.some(failDelete)) {
        calls.push(`failed delete ${command.input.AlarmNames!.length}`);
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      }
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
      AlarmActions: [],
      OKActions: [],
    });
  });

  it('renders a heartbeat (an alarm that pages) with the ops topic as its action on ALARM and on OK; drift alarms keep none', () => {
    const specs = driftAlarmsForView('user_profile', DEFAULTS, { version: 3, opsTopicArn: OPS_TOPIC });
    const heartbeat = specs.find((s) => s.target.kind === 'page')!;
    expect(putMetricAlarmInput(heartbeat)).toMatchObject({ AlarmName: 'ops-rewind-monitor-user_profile-v3-heartbeat', AlarmActions: [OPS_TOPIC], OKActions: [OPS_TOPIC] });
    for (const drift of specs.filter((s) => s.target.kind === 'view')) expect(putMetricAlarmInput(drift)).toMatchObject({ AlarmActions: [], OKActions: [] });
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

const version = (view: string, v: number, monitor?: object): VersionRecord => ({ view, version: v, ...(monitor ? { validation: { policy: { monitor } } } : {}) }) as unknown as VersionRecord;
const pointer = (view: string, stable: number | null): Pointer => ({ view, stable, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 1, updatedAt: '', updatedBy: '' });
type FakeViews = Record<string, { stable: number | null; versions: VersionRecord[] }>;

/** The catalog and pointer reads the sync makes, over views held in memory. */
function fakeStore(views: FakeViews) {
  return {
    pointers: { getPointer: async (view: string) => (views[view] ? pointer(view, views[view]!.stable) : undefined) },
    catalog: {
      getVersion: async (view: string, v: number) => views[view]?.versions.find((r) => r.version === v),
      listViews: async () => Object.keys(views),
    },
  };
}

describe('core/alarm-sync', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  afterAll(() => logger.setLogLevel('INFO'));

  function setup(views: FakeViews, cloudwatch = fakeCloudWatch(100), service?: string) {
    const sync = createSyncAlarms({ ...fakeStore(views), alarms: new CloudWatchDriftAlarms(cloudwatch.client, service), ...(service ? { service } : {}) });
    return { sync, cloudwatch, views };
  }
  const pointerEvent = (view: string, detailType = 'FeatureViewActivated') => ({ source: 'rewind', 'detail-type': detailType, detail: { eventId: `${view}#1`, view } });

  it('puts the alarms of the served version\'s policy, then follows a rollback to a version with another policy', async () => {
    const strict = resolvePolicy({ monitor: { alarmAbove: { psi: 0.1, js: null, nullRateIncrease: null } } }).monitor;
    const { sync, cloudwatch, views } = setup({ v: { stable: 1, versions: [version('v', 1), version('v', 2, strict)] } });
    await sync(pointerEvent('v'));
    // Per served version, with its heartbeat (ops-named: it pages, never rolls back).
    expect([...cloudwatch.alarms.keys()].sort()).toEqual(['ops-rewind-monitor-v-v1-heartbeat', 'rewind-drift-v-v1-js', 'rewind-drift-v-v1-nullRateIncrease', 'rewind-drift-v-v1-psi']);

    views.v!.stable = 2;
    const result = await sync(pointerEvent('v', 'FeatureViewPromoted'));
    const v1 = ['ops-rewind-monitor-v-v1-heartbeat', 'rewind-drift-v-v1-js', 'rewind-drift-v-v1-nullRateIncrease', 'rewind-drift-v-v1-psi'];
    expect(result.synced).toEqual([{ view: 'v', version: 2, put: ['rewind-drift-v-v2-psi', 'ops-rewind-monitor-v-v2-heartbeat'], unchanged: [], deleted: v1 }]);
    expect(cloudwatch.alarms.get('rewind-drift-v-v2-psi')!.Threshold).toBe(0.1);
    // Puts before deletes: never a moment with fewer alarms than needed.
    expect(cloudwatch.calls.slice(-3)).toEqual(['put rewind-drift-v-v2-psi', 'put ops-rewind-monitor-v-v2-heartbeat', `delete ${v1.join(',')}`]);
  });

  it('gives heartbeats the ops topic (REWIND_OPS_TOPIC_ARN), and re-puts one put before the topic existed', async () => {
    const cloudwatch = fakeCloudWatch(100);
    const views: FakeViews = { v: { stable: 1, versions: [version('v', 1)] } };
    await createSyncAlarms({ ...fakeStore(views), alarms: new CloudWatchDriftAlarms(cloudwatch.client) })(pointerEvent('v'));
    expect(cloudwatch.alarms.get('ops-rewind-monitor-v-v1-heartbeat')!.AlarmActions).toEqual([]);
    cloudwatch.calls.length = 0;
    const withTopic = createSyncAlarms({ ...fakeStore(views), alarms: new CloudWatchDriftAlarms(cloudwatch.client), opsTopicArn: OPS_TOPIC });
    await withTopic(pointerEvent('v'));
    expect(cloudwatch.calls.filter((c) => c.startsWith('put '))).toEqual(['put ops-rewind-monitor-v-v1-heartbeat']);
    expect(cloudwatch.alarms.get('ops-rewind-monitor-v-v1-heartbeat')).toMatchObject({ AlarmActions: [OPS_TOPIC], OKActions: [OPS_TOPIC] });
    cloudwatch.calls.length = 0;
    await withTopic(pointerEvent('v'));
    expect(cloudwatch.calls.filter((c) => c.startsWith('put '))).toEqual([]);
  });

  it('gives a candidate on trial its CandidateVsStable alarms (the stable version none), and drops them when the trial ends', async () => {
    const views: FakeViews = { v: { stable: 1, versions: [version('v', 1), version('v', 2)] } };
    const cloudwatch = fakeCloudWatch(100);
    const store = fakeStore(views);
    let candidate: number | undefined = 2;
    const sync = createSyncAlarms({
      ...store,
      pointers: { getPointer: async (view: string) => ({ ...(await store.pointers.getPointer(view))!, ...(candidate ? { candidate: { version: candidate, strategy: 'canary', percent: 10 } } : {}) }) as Pointer },
      alarms: new CloudWatchDriftAlarms(cloudwatch.client),
    });
    await sync(pointerEvent('v', 'FeatureViewCanaryStarted'));
    const vsStable = [...cloudwatch.alarms.keys()].filter((n) => n.includes('vsStable')).sort();
    expect(vsStable).toEqual(['rewind-drift-v-v2-vsStable-js', 'rewind-drift-v-v2-vsStable-nullRateIncrease', 'rewind-drift-v-v2-vsStable-psi']);
    expect(cloudwatch.alarms.get('rewind-drift-v-v2-vsStable-psi')).toMatchObject({
      MetricName: 'CandidateVsStable',
      Namespace: 'Rewind',
      Dimensions: [
        { Name: 'service', Value: 'rewind' },
        { Name: 'view', Value: 'v' },
        { Name: 'version', Value: '2' },
        { Name: 'statistic', Value: 'psi' },
      ],
      Threshold: DEFAULTS.alarmAbove.psi,
      TreatMissingData: 'notBreaching',
      AlarmActions: [],
    });
    candidate = undefined;
    views.v!.stable = 2;
    await sync(pointerEvent('v', 'FeatureViewPromoted'));
    expect([...cloudwatch.alarms.keys()].filter((n) => n.includes('vsStable'))).toEqual([]);
  });

  it('is idempotent: a redelivered event changes nothing', async () => {
    const { sync, cloudwatch } = setup({ v: { stable: 1, versions: [version('v', 1)] } });
    await sync(pointerEvent('v'));
    const callsAfterFirst = cloudwatch.calls.length;
    const again = await sync(pointerEvent('v'));
    expect(cloudwatch.calls.length).toBe(callsAfterFirst);
    expect(again.synced[0]).toMatchObject({ put: [], deleted: [], unchanged: expect.arrayContaining(['rewind-drift-v-v1-psi', 'ops-rewind-monitor-v-v1-heartbeat']) });
  });

  it('fails (to be retried) rather than delete alarms when the served version\'s record cannot be read', async () => {
    const { sync, cloudwatch } = setup({ v: { stable: 1, versions: [version('v', 1)] }, w: { stable: 3, versions: [] } });
    await expect(sync({ all: true })).rejects.toThrow('drift alarms of w could not be synced');
    // The other view was still synced.
    expect(cloudwatch.alarms.has('rewind-drift-v-v1-psi')).toBe(true);
  });

  it('in a second stack (another service), puts and deletes its own alarms only, beside the default stack\'s', async () => {
    const DEV = 'rewind-rewinddev';
    const cloudwatch = fakeCloudWatch(100);
    // The default stack serves v with a strict policy; the dev stack serves v with the defaults.
    const strict = resolvePolicy({ monitor: { alarmAbove: { psi: 0.1, js: null, nullRateIncrease: null } } }).monitor;
    const prod = setup({ v: { stable: 1, versions: [version('v', 1, strict)] } }, cloudwatch);
    await prod.sync(pointerEvent('v'));
    const prodAlarms = structuredClone([...cloudwatch.alarms]);
    expect(prodAlarms.map(([name]) => name)).toEqual(['rewind-drift-v-v1-psi', 'ops-rewind-monitor-v-v1-heartbeat']);

    const dev = setup({ v: { stable: 1, versions: [version('v', 1)] } }, cloudwatch, DEV);
    const callsBefore = cloudwatch.calls.length;
    expect((await dev.sync(pointerEvent('v'))).synced[0]).toMatchObject({ put: [`${DEV}-drift-v-v1-psi`, `${DEV}-drift-v-v1-js`, `${DEV}-drift-v-v1-nullRateIncrease`, `ops-${DEV}-monitor-v-v1-heartbeat`], deleted: [] });
    expect(cloudwatch.alarms.get(`${DEV}-drift-v-v1-psi`)!.Dimensions).toContainEqual({ Name: 'service', Value: DEV });
    // The dev stack serves nothing any more: its alarms go, the default stack's stay as they were.
    dev.views.v!.stable = null;
    expect((await dev.sync(pointerEvent('v', 'FeatureViewRolledBack'))).synced[0]).toMatchObject({ deleted: [`ops-${DEV}-monitor-v-v1-heartbeat`, `${DEV}-drift-v-v1-js`, `${DEV}-drift-v-v1-nullRateIncrease`, `${DEV}-drift-v-v1-psi`] });
    expect([...cloudwatch.alarms]).toEqual(prodAlarms);
    const devCalls = cloudwatch.calls.slice(callsBefore);
    expect(devCalls.flatMap((c) => c.split(' ')[1]!.split(',')).filter((name) => !name.startsWith(`${DEV}-drift-`) && !name.startsWith(`ops-${DEV}-monitor-`))).toEqual([]);
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

describe('purging a service\'s drift alarms (the stack is deleted)', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  afterAll(() => logger.setLogLevel('INFO'));

  /** Puts every default drift alarm of `count` views for `service`, through the adapter. */
  async function seed(cloudwatch: ReturnType<typeof fakeCloudWatch>, service: string, count: number, prefix = 'v'): Promise<string[]> {
    const adapter = new CloudWatchDriftAlarms(cloudwatch.client, service);
    for (let i = 0; i < count; i++) for (const spec of driftAlarmsForView(`${prefix}${i}`, DEFAULTS, { service })) await adapter.put(spec);
    return [...cloudwatch.alarms.keys()].filter((name) => name.startsWith(`${service}-drift-`)).sort();
  }
  const deleteCalls = (cloudwatch: ReturnType<typeof fakeCloudWatch>) => cloudwatch.calls.filter((c) => c.startsWith('delete ')).map((c) => c.slice('delete '.length).split(','));

  it('describes every page under the service\'s prefix, and deletes in DeleteAlarms batches of at most 100', async () => {
    // arrange: 84 views × 3 checks = 252 alarms, described 7 at a time
    const cloudwatch = fakeCloudWatch(7);
    const mine = await seed(cloudwatch, 'rewind', 84);
    expect(mine).toHaveLength(252);
    expect(await new CloudWatchDriftAlarms(cloudwatch.client).describeAll()).toHaveLength(252);
    // act
    const result = await createPurgeDriftAlarms({ alarms: new CloudWatchDriftAlarms(cloudwatch.client) })();
    // assert
    expect(result).toEqual({ purged: mine, left: [] });
    expect(deleteCalls(cloudwatch).map((batch) => batch.length)).toEqual([100, 100, 52]);
    expect(cloudwatch.alarms.size).toBe(0);
  });

  it('deletes its own service\'s alarms only: another stack\'s, and a stack named Drift whose names share the default prefix, stay', async () => {
    const cloudwatch = fakeCloudWatch(3);
    await seed(cloudwatch, DEV_SERVICE, 2);
    const drift = await seed(cloudwatch, 'rewind-drift', 2);
    const mine = (await seed(cloudwatch, 'rewind', 2)).filter((name) => !drift.includes(name));
    const others = [...cloudwatch.alarms.keys()].filter((name) => !mine.includes(name)).sort();
    expect(others).toHaveLength(12);

    expect(await createPurgeDriftAlarms({ alarms: new CloudWatchDriftAlarms(cloudwatch.client), service: 'rewind' })()).toEqual({ purged: mine, left: [] });
    expect([...cloudwatch.alarms.keys()].sort()).toEqual(others);
    expect(deleteCalls(cloudwatch).flat().filter((name) => !mine.includes(name))).toEqual([]);
  });

  it('keeps going when a batch fails, retries it in a second pass, and reports what is left', async () => {
    const stuck = 'rewind-drift-v0-psi';
    const cloudwatch = fakeCloudWatch(100, (name) => name === stuck);
    const mine = await seed(cloudwatch, 'rewind', 40); // 120 alarms: batches of 100 and 20
    const result = await createPurgeDriftAlarms({ alarms: new CloudWatchDriftAlarms(cloudwatch.client) })();
    // The batch with the stuck alarm failed twice as a whole; every other alarm is gone.
    expect(result.left).toEqual(mine.slice(0, 100));
    expect(result.purged).toEqual(mine.slice(100));
    expect(cloudwatch.calls.filter((c) => c.startsWith('failed delete'))).toEqual(['failed delete 100', 'failed delete 100']);
  });

  it('is asked for by hand with { "purgeAll": true }', async () => {
    expect(purgeRequested({ purgeAll: true })).toBe(true);
    expect(purgeRequested({ purgeAll: 'yes' })).toBe(false);
    const cloudwatch = fakeCloudWatch(100);
    const mine = await seed(cloudwatch, 'rewind', 1);
    const handle = createSyncAlarmsHandler({ ...fakeStore({}), alarms: new CloudWatchDriftAlarms(cloudwatch.client), stacks: stackIn('UPDATE_COMPLETE') });
    expect(await handle({ purgeAll: true })).toEqual({ purged: mine, left: [] });
  });
});

/** A stack whose status is `status` (or whose DescribeStacks fails with it). */
function stackIn(status: string | Error): StackStatusPort & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    status: async (stackId: string) => {
      asked.push(stackId);
      if (status instanceof Error) throw status;
      return status;
    },
  };
}

describe('the drift-alarm custom resource (CloudFormation, through the Provider framework)', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  afterAll(() => logger.setLogLevel('INFO'));
  const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Rewind/0f3c0c60-0000-0000-0000-000000000000';
  /** As the framework passes it on: CloudFormation's request, ResponseURL included. */
  const request = (RequestType: 'Create' | 'Update' | 'Delete', extra: object = {}) => ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework-onEvent',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/signed',
    StackId: STACK_ID,
    RequestId: 'req-1',
    LogicalResourceId: 'DriftAlarms0DA54469',
    ResourceType: 'Custom::RewindDriftAlarms',
    ResourceProperties: { ServiceToken: 'arn:…', Service: 'rewind' },
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'rewind-drift-alarms' }),
    ...extra,
  });

  function setup(views: FakeViews, stacks: StackStatusPort, cloudwatch = fakeCloudWatch(100)) {
    const ports = { ...fakeStore(views), alarms: new CloudWatchDriftAlarms(cloudwatch.client), stacks };
    return { resource: createDriftAlarmsResource(ports), handle: createSyncAlarmsHandler(ports), cloudwatch };
  }
  const alarmNames = (cloudwatch: ReturnType<typeof fakeCloudWatch>) => [...cloudwatch.alarms.keys()].sort();

  it('on Create, syncs every view (the first deploy, or the upgrade that adds the resource) and names the resource for the service', async () => {
    const { handle, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] }, b: { stable: null, versions: [] } }, stackIn('CREATE_IN_PROGRESS'));
    expect(await handle(request('Create'))).toEqual({ PhysicalResourceId: 'rewind-drift-alarms', Data: { Synced: 2, Unsynced: 0 } });
    expect(alarmNames(cloudwatch)).toEqual(['ops-rewind-monitor-a-v1-heartbeat', 'rewind-drift-a-v1-js', 'rewind-drift-a-v1-nullRateIncrease', 'rewind-drift-a-v1-psi']);
  });

  it('on Update, syncs every view again (idempotent) and keeps its physical id, so CloudFormation never deletes a "replaced" one', async () => {
    const { resource, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stackIn('UPDATE_IN_PROGRESS'));
    await resource(request('Create'));
    const calls = cloudwatch.calls.length;
    expect(await resource(request('Update', { PhysicalResourceId: 'kept-id' }))).toEqual({ PhysicalResourceId: 'kept-id', Data: { Synced: 1, Unsynced: 0 } });
    expect(cloudwatch.calls.length).toBe(calls); // nothing to put again
  });

  it('answers Create with success even when a view cannot be synced (the deploy goes on; the view is named in the log)', async () => {
    const { resource, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] }, broken: { stable: 3, versions: [] } }, stackIn('CREATE_IN_PROGRESS'));
    expect(await resource(request('Create'))).toMatchObject({ Data: { Synced: 1, Unsynced: 1 } });
    expect(alarmNames(cloudwatch)).toHaveLength(4);
  });

  it('stops starting views when the invocation is about to time out, and reports the rest as not synced', async () => {
    const views = { a: { stable: 1, versions: [version('a', 1)] }, b: { stable: 1, versions: [version('b', 1)] } };
    const { resource, cloudwatch } = setup(views, stackIn('CREATE_IN_PROGRESS'));
    let left = 11_000;
    const result = await resource(request('Create'), { remainingMs: () => (left -= 1_000) });
    expect(result.Data).toEqual({ Synced: 1, Unsynced: 1 });
    expect(alarmNames(cloudwatch).every((name) => name.startsWith('rewind-drift-a-') || name.startsWith('ops-rewind-monitor-a-'))).toBe(true);
  });

  it('on Delete while the stack is being deleted, purges every drift alarm of the service, whatever the posture', async () => {
    const stacks = stackIn('DELETE_IN_PROGRESS');
    const { handle, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stacks);
    await handle(request('Create'));
    await new CloudWatchDriftAlarms(cloudwatch.client, DEV_SERVICE).put(driftAlarmsForView('a', DEFAULTS, { service: DEV_SERVICE })[0]!);
    expect(await handle(request('Delete'))).toEqual({ PhysicalResourceId: 'rewind-drift-alarms', Data: { Purged: 4, Left: 0 } });
    expect(alarmNames(cloudwatch)).toEqual([`${DEV_SERVICE}-drift-a-psi`]);
    expect(stacks.asked).toEqual([STACK_ID]);
  });

  it.each(['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS'])(
    'on Delete while the stack stays (%s: a rollback or a replacement), keeps the views\' alarms',
    async (status) => {
      const { resource, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stackIn(status));
      await resource(request('Create'));
      expect(await resource(request('Delete'))).toEqual({ PhysicalResourceId: 'rewind-drift-alarms', Data: { Purged: 0, Kept: `stack is ${status}` } });
      expect(alarmNames(cloudwatch)).toHaveLength(4);
    },
  );

  it('on Delete, answers success and keeps the alarms when the stack\'s status cannot be read', async () => {
    const { resource, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stackIn(new Error('AccessDenied')));
    await resource(request('Create'));
    expect(await resource(request('Delete'))).toMatchObject({ Data: { Purged: 0, Kept: 'stack status unknown' } });
    expect(alarmNames(cloudwatch)).toHaveLength(4);
  });

  it('on Delete, answers success even when deletes fail, counting what was left (so the stack can still be deleted)', async () => {
    const cloudwatch = fakeCloudWatch(100, (name) => name === 'rewind-drift-a-v1-psi');
    const { resource } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stackIn('DELETE_IN_PROGRESS'), cloudwatch);
    await resource(request('Create'));
    expect(await resource(request('Delete'))).toEqual({ PhysicalResourceId: 'rewind-drift-alarms', Data: { Purged: 0, Left: 4 } });
  });

  it('on Delete, answers success when the alarms cannot even be listed', async () => {
    const failing: CloudWatchSender = { send: (async () => { throw new Error('AccessDenied'); }) as CloudWatchSender['send'] };
    const resource = createDriftAlarmsResource({ ...fakeStore({}), alarms: new CloudWatchDriftAlarms(failing), stacks: stackIn('DELETE_IN_PROGRESS') });
    expect(await resource(request('Delete'))).toMatchObject({ Data: { Purged: 0, Left: 'unknown' } });
  });

  it('refuses what is not a custom-resource event, naming the field; a pointer event still syncs', async () => {
    const { resource, handle, cloudwatch } = setup({ a: { stable: 1, versions: [version('a', 1)] } }, stackIn('UPDATE_COMPLETE'));
    await expect(resource({ RequestType: 'Remove', StackId: STACK_ID, RequestId: 'r' })).rejects.toThrow(/RequestType/);
    await expect(handle({ RequestType: 'Delete', RequestId: 'r' })).rejects.toThrow(/StackId/);
    expect(await handle({ source: 'rewind', 'detail-type': 'FeatureViewActivated', detail: { view: 'a' } })).toMatchObject({ synced: [{ view: 'a', version: 1 }] });
    expect(alarmNames(cloudwatch)).toHaveLength(4);
  });
});
