/**
 * Release strategies and kill switches through HTTP, against DynamoDB Local and s3rver:
 * canary → promote, rollback during a canary, shadow, the bake promoting on its own (and held
 * by an alarm), kill switches, derived artifacts and their events, and the serving cache
 * never outliving its staleness bound after a rollback returns, on several servers at once.
 */
import { inCanary } from '../../core/canary';
import { FeatureServer } from '../../core/serving';
import { getDeps } from '../../functions/commons/deps';
import { deployBody, rows } from '../support/fixtures';
import { eventually, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

const STALENESS_MS = 300;
let rewind: TestRewind;
let dev: Caller;
let admin: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('releases', { pointerCacheMs: STALENESS_MS });
  dev = await rewind.as('dev', ['deployer']);
  admin = await rewind.as('ada', ['admin']);
});
afterAll(() => rewind.stop());

const entities = Array.from({ length: 200 }, (_, i) => `u${i}`);

async function twoVersions(view: string, extra: Record<string, unknown> = {}) {
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 200, { activate: true, ...extra }))).status).toBe(201);
  expect((await dev.post(`/views/${view}/versions`, deployBody(2, 200, extra))).status).toBe(201);
}

describe('canary', () => {
  it('serves the candidate to a stable share of entities, names the arm, and promotes', async () => {
    const view = 'canary_promote';
    await twoVersions(view);
    const started = await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 25, reason: 'try on a quarter' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ action: 'canary', changed: true, pointer: { stable: 1, candidate: { version: 2, strategy: 'canary', percent: 25, startedBy: 'dev' } } });

    // Every entity gets the arm its hash says, with that version's values, on every call.
    await eventually(() => dev.get(`/online/${view}/u0`), (r) => r.body.arm !== undefined, 3000);
    const first = await Promise.all(entities.map((e) => dev.get(`/online/${view}/${e}`)));
    const again = await Promise.all(entities.map((e) => dev.get(`/online/${view}/${e}`)));
    first.forEach((r, i) => {
      const arm = inCanary(view, entities[i]!, 25) ? 'candidate' : 'stable';
      expect(r.body).toMatchObject({ arm, version: arm === 'candidate' ? 2 : 1, entity: entities[i] });
      const { user_id: _id, ...features } = rows(200, r.body.version)[i]!;
      expect(r.body.features).toEqual(features);
      expect(again[i]!.body).toEqual(r.body);
    });
    const share = first.filter((r) => r.body.arm === 'candidate').length / entities.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.35);

    const versions = await dev.get(`/views/${view}/versions`);
    expect(versions.body.versions.map((v: any) => [v.version, v.status])).toEqual([
      [1, 'active'],
      [2, 'candidate'],
    ]);

    const promoted = await dev.post(`/views/${view}/promote`, { reason: 'quarter looks good' });
    expect(promoted.body).toMatchObject({ action: 'promote', fromVersion: 1, toVersion: 2, pointer: { stable: 2, previousStable: [1] } });
    const after = await eventually(() => dev.get(`/online/${view}/u3`), (r) => r.body.version === 2 && r.body.arm === undefined, 3000);
    expect(after.body.arm).toBeUndefined();

    const history = await dev.get(`/views/${view}/history`);
    expect(history.body.history.map((h: any) => [h.action, h.fromVersion, h.toVersion])).toEqual([
      ['promote', 1, 2],
      ['canary', 1, 2],
      ['activate', null, 1],
    ]);
    const audit = await admin.get(`/audit?view=${view}`);
    expect(audit.body.entries.map((e: any) => e.action).reverse()).toEqual(['deploy', 'activate', 'deploy', 'canary', 'promote']);
    expect(audit.body.entries[1].detail).toMatchObject({ strategy: 'canary', percent: 25 });
  });

  it('rollback during a canary drops the candidate: everyone is on stable again and the candidate is marked', async () => {
    const view = 'canary_abort';
    await twoVersions(view);
    await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 100 });
    await eventually(() => dev.get(`/online/${view}/u1`), (r) => r.body.version === 2, 3000);
    const rb = await dev.post(`/views/${view}/rollback`, { reason: 'error rate up in the canary' });
    expect(rb.body).toMatchObject({ changed: true, action: 'rollback', fromVersion: 2, toVersion: 1, pointer: { stable: 1, rolledBack: [2] } });
    expect(rb.body.pointer.candidate).toBeUndefined();
    const back = await eventually(() => dev.get(`/online/${view}/u1`), (r) => r.body.version === 1, 3000);
    expect(back.body.arm).toBeUndefined();
    expect((await dev.get(`/views/${view}/versions/2`)).body.status).toBe('rolled-back');
    // Promote has nothing left to promote.
    expect((await dev.post(`/views/${view}/promote`, {})).body.error).toMatchObject({ code: 'InvalidState' });
  });

  it('refuses bad canary requests, naming the field, writing nothing', async () => {
    const view = 'canary_bad';
    await twoVersions(view);
    const before = await rewind.dump();
    const noPercent = await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary' });
    expect(noPercent).toMatchObject({ status: 400, body: { error: { field: 'body.percent' } } });
    const tooMuch = await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 120 });
    expect(tooMuch).toMatchObject({ status: 400, body: { error: { field: 'body.percent' } } });
    const bakeAllAtOnce = await dev.post(`/views/${view}/activate`, { version: 2, bakeSeconds: 60 });
    expect(bakeAllAtOnce).toMatchObject({ status: 400, body: { error: { field: 'body.bakeSeconds' } } });
    const stableAsCandidate = await dev.post(`/views/${view}/activate`, { version: 1, strategy: 'shadow' });
    expect(stableAsCandidate).toMatchObject({ status: 409, body: { error: { code: 'InvalidState' } } });
    expect(await rewind.dump()).toEqual(before);
  });
});

describe('shadow (blue/green)', () => {
  it('never returns the shadow version to callers', async () => {
    const view = 'shadowed';
    await twoVersions(view);
    const started = await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'shadow' });
    expect(started.body.pointer.candidate).toMatchObject({ version: 2, strategy: 'shadow', percent: 0 });
    await eventually(() => dev.get(`/online/${view}/u0`), (r) => r.body.arm === 'stable', 3000);
    const served = await Promise.all(entities.slice(0, 50).map((e) => dev.get(`/online/${view}/${e}`)));
    expect(served.every((r) => r.body.version === 1 && r.body.arm === 'stable')).toBe(true);
    // Blue/green: switch everyone over at once.
    expect((await dev.post(`/views/${view}/promote`, {})).body.pointer.stable).toBe(2);
  });
});

describe('bake', () => {
  it('promotes a canary by itself once its bake passes with no alarm, and holds one whose view alarmed', async () => {
    await twoVersions('baked');
    await twoVersions('alarmed');
    await dev.post('/views/baked/activate', { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 1 });
    await dev.post('/views/alarmed/activate', { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 1 });
    // What the local alarm evaluator reports when a drift alarm of the view goes off.
    rewind.releases.alarms.record('rewind-drift-alarmed-psi', 'alarmed', 'ALARM');
    // The bake check is idempotent: run it until both bakes have passed and each view got
    // its decision (promoted, or held), keeping every outcome seen along the way.
    type Outcome = { view: string; action: string; why?: string };
    const seen: Outcome[] = [];
    const decided = (o: Outcome) => o.action !== 'waiting';
    await eventually(
      async () => (seen.push(...((await rewind.releases.runBakeCheck()) as { outcomes: Outcome[] }).outcomes), seen),
      (all) => ['baked', 'alarmed'].every((v) => all.some((o) => o.view === v && decided(o))),
      5000,
    );
    const run = { outcomes: seen.filter(decided) };
    expect(run.outcomes).toContainEqual(expect.objectContaining({ view: 'baked', action: 'promoted' }));
    expect(run.outcomes).toContainEqual(expect.objectContaining({ view: 'alarmed', action: 'held', why: expect.stringContaining('rewind-drift-alarmed-psi') }));
    expect((await dev.get('/views/baked')).body.pointer).toMatchObject({ stable: 2 });
    expect((await dev.get('/views/alarmed')).body.pointer).toMatchObject({ stable: 1, candidate: { version: 2 } });
    expect((await dev.get('/views/baked/history?limit=1')).body.history[0]).toMatchObject({ action: 'promote', actor: 'system:canary/bake' });

    // Idempotent: the next run finds nothing to do for the promoted view.
    const rerun = (await rewind.releases.runBakeCheck()) as { outcomes: { view: string }[] };
    expect(rerun.outcomes.map((o) => o.view)).not.toContain('baked');
  });
});

describe('kill switch', () => {
  it('serves one disabled feature as its default with a flag, the rest unchanged, and enables it again', async () => {
    const view = 'switched';
    await dev.post(`/views/${view}/versions`, deployBody(1, 20, { activate: true }));
    const off = await dev.post(`/views/${view}/features/age/disable`, { reason: 'age pipeline wrote zeros' });
    expect(off.body).toMatchObject({ action: 'disable', feature: 'age', changed: true, pointer: { stable: 1, disabledFeatures: ['age'] } });

    const served = await eventually(() => dev.get(`/online/${view}/u2`), (r) => r.body.disabled !== undefined, 3000);
    const { user_id: _id, ...values } = rows(20, 1)[2]!;
    expect(served.body).toEqual({ view, version: 1, entity: 'u2', found: true, features: { ...values, age: 0 }, disabled: ['age'] });

    // A feature with no declared default is served as null.
    await dev.post(`/views/${view}/features/avg_basket/disable`, { reason: 'also suspicious' });
    const both = await eventually(() => dev.get(`/online/${view}/u2`), (r) => r.body.disabled?.length === 2, 3000);
    expect(both.body.features).toMatchObject({ age: 0, avg_basket: null, country: values.country });

    const again = await dev.post(`/views/${view}/features/age/disable`, { reason: 'twice' });
    expect(again.body.changed).toBe(false);
    const on = await dev.post(`/views/${view}/features/age/enable`, { reason: 'pipeline fixed' });
    expect(on.body.pointer.disabledFeatures).toEqual(['avg_basket']);
    const restored = await eventually(() => dev.get(`/online/${view}/u2`), (r) => r.body.features.age === values.age, 3000);
    expect(restored.body.disabled).toEqual(['avg_basket']);

    const history = await dev.get(`/views/${view}/history`);
    expect(history.body.history.slice(0, 3).map((h: any) => [h.action, h.feature, h.reason])).toEqual([
      ['enable', 'age', 'pipeline fixed'],
      ['disable', 'avg_basket', 'also suspicious'],
      ['disable', 'age', 'age pipeline wrote zeros'],
    ]);
    const audit = await admin.get(`/audit?view=${view}&limit=3`);
    expect(audit.body.entries.map((e: any) => [e.action, e.detail.feature])).toEqual([
      ['enable', 'age'],
      ['disable', 'avg_basket'],
      ['disable', 'age'],
    ]);
    expect((await dev.post(`/views/${view}/features/nope/disable`, { reason: 'x' })).body.error).toMatchObject({ field: 'path.feature' });
    expect((await dev.post(`/views/${view}/features/age/disable`, {})).body.error).toMatchObject({ field: 'body.reason' });
  });
});

describe('derived artifacts and the serving cache', () => {
  const artifacts = [
    { kind: 'dashboard', name: 'churn-dashboard' },
    { kind: 'feature-vector-table', name: 'churn-vectors' },
    { kind: 'cache-namespace', name: 'user-profile-cache' },
  ];

  it('after a rollback returns, no read through any server returns the rolled-back version once the staleness bound has passed', async () => {
    const view = 'cached';
    await twoVersions(view, { artifacts });
    const activated = await dev.post(`/views/${view}/activate`, { version: 2 });
    expect(activated.body.artifacts.map((a: any) => [a.name, a.status])).toEqual([
      ['user-profile-cache', 'invalidated'],
      ['churn-vectors', 'requested'],
      ['churn-dashboard', 'requested'],
    ]);

    // Five "servers" (FeatureServer instances, each with its own pointer cache, as five Lambda
    // containers would have), plus a response cache in front of one of them, keyed by the
    // cache namespace's generation and admitting only the versions its last refresh says are
    // served, as a consumer of the artifact events would.
    const { registry, online } = getDeps();
    const servers = Array.from({ length: 5 }, () => new FeatureServer(registry, online, STALENESS_MS));
    const responseCache = new Map<string, number>();
    const namespace = () => rewind.releases.artifacts.namespace('user-profile-cache');
    const reads: { server: string; started: number; version: number }[] = [];
    let stop = false;
    const loops = [
      ...servers.map(async (server, s) => {
        for (let i = 0; !stop; i++) {
          const started = performance.now();
          const served = await server.serve(view, `u${(i * 7 + s) % 200}`);
          reads.push({ server: `server-${s}`, started, version: served.version });
        }
      }),
      (async () => {
        for (let i = 0; !stop; i++) {
          const started = performance.now();
          const { generation, serves } = namespace();
          const key = `${generation}:u${i % 20}`;
          let version = responseCache.get(key);
          if (version === undefined) {
            version = (await servers[0]!.serve(view, `u${i % 20}`)).version;
            if (serves.length === 0 || serves.includes(version)) responseCache.set(key, version);
          }
          reads.push({ server: 'response-cache', started, version });
          await new Promise((r) => setImmediate(r));
        }
      })(),
    ];
    await eventually(async () => reads.filter((r) => r.version === 2).length, (n) => n > 50, 5000);

    const rb = await dev.post(`/views/${view}/rollback`, { reason: 'v2 is bad' });
    const returnedAt = performance.now();
    expect(rb.body).toMatchObject({ changed: true, toVersion: 1 });
    expect(rb.body.artifacts.map((a: any) => [a.name, a.tier, a.status])).toEqual([
      ['user-profile-cache', 'data', 'invalidated'],
      ['churn-vectors', 'model', 'requested'],
      ['churn-dashboard', 'dashboard', 'requested'],
    ]);
    // Keep reading until every server has answered reads begun past the staleness bound.
    await eventually(async () => new Set(reads.filter((r) => r.started >= returnedAt + STALENESS_MS).map((r) => r.server)).size, (n) => n === 6, 5000);
    stop = true;
    await Promise.all(loops);

    const late = reads.filter((r) => r.started >= returnedAt + STALENESS_MS);
    expect(new Set(late.map((r) => r.server)).size).toBe(6);
    expect(late.filter((r) => r.version !== 1)).toEqual([]);
    // The response cache was invalidated before the rollback returned, and kept no fill from a server still within its bound.
    expect(namespace()).toEqual({ generation: 3, serves: [1] });
    expect([...responseCache].filter(([key, version]) => key.startsWith('3:') && version !== 1)).toEqual([]);
    // And the test had teeth: v2 was being served right up to the rollback.
    expect(reads.some((r) => r.version === 2 && r.started < returnedAt)).toBe(true);

    // One event per artifact per pointer change, in refresh order.
    const events = rewind.releases.events.events.filter((e) => e.detail.view === view && e.detail.action === 'rollback');
    expect(events.map((e) => [e.detailType, (e.detail.artifact as { name: string }).name, e.detail.order])).toEqual([
      ['FeatureArtifactRefreshed', 'user-profile-cache', 0],
      ['FeatureArtifactRefreshed', 'churn-vectors', 1],
      ['FeatureArtifactRefreshed', 'churn-dashboard', 2],
    ]);
    expect(events[0]!.detail).toMatchObject({ fromVersion: 2, toVersion: 1, serves: { stable: 1 }, auditId: rb.body.auditId });
  });

  it('the kill switch is a pointer change like any other: artifacts are refreshed for it too', async () => {
    const view = 'cached_switch';
    await dev.post(`/views/${view}/versions`, deployBody(1, 10, { activate: true, artifacts }));
    const off = await dev.post(`/views/${view}/features/country/disable`, { reason: 'bad geo data' });
    expect(off.body.artifacts.map((a: any) => a.name)).toEqual(['user-profile-cache', 'churn-vectors', 'churn-dashboard']);
  });
});
