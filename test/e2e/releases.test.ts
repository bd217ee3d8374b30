/**
 * Release strategies and kill switches through HTTP only, so that the suite runs against the
 * local runtime and against a deployed stack alike: canary → promote, rollback during a
 * canary, bad canary requests, shadow, kill switches, and the artifacts a kill switch
 * refreshes. The bake check, the alarms it reads, the artifact events and the serving cache's
 * staleness bound are driven in process: releases-in-process.local.test.ts.
 */
import { inCanary } from '../../core/canary';
import { churnArtifacts, deployTwoVersions, deployBody, rows } from '../support/fixtures';
import { eventually, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

/** Serving's staleness bound on the local runtime (a deployed stack has its own, configured at deploy). */
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

const twoVersions = (view: string, extra: Record<string, unknown> = {}) => deployTwoVersions(dev, view, extra);

describe('canary', () => {
  it('serves the candidate to a stable share of entities, names the arm, and promotes', async () => {
    const view = rewind.view('canary_promote');
    await twoVersions(view);
    const started = await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 25, reason: 'try on a quarter' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ action: 'canary', changed: true, pointer: { stable: 1, candidate: { version: 2, strategy: 'canary', percent: 25, startedBy: dev.sub } } });

    // Every entity gets the arm its hash (of the view's name, tag included) says, with that
    // version's values, on every call.
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
    // Both arms are served (each of 200 entities misses the candidate with p = 0.75) …
    expect(new Set(first.map((r) => r.body.arm))).toEqual(new Set(['stable', 'candidate']));
    // … and the split itself gives this view's entities a quarter: over 20,000 names, 25 ± 2.5 %
    // is 8 standard deviations wide, so a random tag in the view name cannot make it flaky.
    const population = Array.from({ length: 20_000 }, (_, i) => `entity-${i}`);
    const share = population.filter((e) => inCanary(view, e, 25)).length / population.length;
    expect(share).toBeGreaterThan(0.225);
    expect(share).toBeLessThan(0.275);

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
    const view = rewind.view('canary_abort');
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
    const view = rewind.view('canary_bad');
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
    const view = rewind.view('shadowed');
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

describe('kill switch', () => {
  it('serves one disabled feature as its default with a flag, the rest unchanged, and enables it again', async () => {
    const view = rewind.view('switched');
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

describe('derived artifacts', () => {
  const artifacts = churnArtifacts;

  it('the kill switch is a pointer change like any other: artifacts are refreshed for it too', async () => {
    const view = rewind.view('cached_switch');
    await dev.post(`/views/${view}/versions`, deployBody(1, 10, { activate: true, artifacts }));
    const off = await dev.post(`/views/${view}/features/country/disable`, { reason: 'bad geo data' });
    expect(off.body.artifacts.map((a: any) => a.name)).toEqual(['user-profile-cache', 'churn-vectors', 'churn-dashboard']);
  });
});
