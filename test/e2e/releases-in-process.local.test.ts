/**
 * The parts of the release machinery a test can only reach in process, on the local runtime
 * (never against a deployed stack): the canary bake check promoting on its own and held by an
 * alarm recorded in the local alarm status, and the serving cache never outliving its
 * staleness bound after a rollback returns, on several FeatureServers at once, with the local
 * artifact invalidator's namespaces and the artifact events the outbox relay published from
 * the history entries (even for a process that died right after its commit). The HTTP-only
 * release tests are in releases.test.ts.
 */
import { driftAlarmName } from '../../contract/alarms';
import { rollbackView } from '../../core/pointer-changes';
import { FeatureServer } from '../../core/serving';
import { withArtifacts } from '../../functions/commons/artifacts';
import { getDeps } from '../../functions/commons/deps';
import { churnArtifacts, CRASH_AFTER_COMMIT, crashingAfterCommit, deployTwoVersions } from '../support/fixtures';
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';

const STALENESS_MS = 300;
let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let dev: Caller;

beforeAll(async () => {
  rewind = await startLocalTestRewind('releases-local', { pointerCacheMs: STALENESS_MS });
  dev = await rewind.as('dev', ['deployer']);
});
afterAll(() => rewind.stop());

const twoVersions = (view: string, extra: Record<string, unknown> = {}) => deployTwoVersions(dev, view, extra);

describe('bake', () => {
  it('promotes a canary by itself once its bake passes with no alarm, and holds one whose view alarmed', async () => {
    const baked = rewind.view('baked');
    const alarmed = rewind.view('alarmed');
    // No served-sample evidence required here (minBakeSamples 0): this test is about the alarm
    // check; the evidence rule has its own tests (test/unit/bake-evidence.test.ts).
    const noEvidence = { validation: { monitor: { minBakeSamples: 0 } } };
    await twoVersions(baked, noEvidence);
    await twoVersions(alarmed, noEvidence);
    await dev.post(`/views/${baked}/activate`, { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 1 });
    await dev.post(`/views/${alarmed}/activate`, { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 1 });
    // What the local alarm evaluator reports when a drift alarm of the view goes off.
    const alarmName = driftAlarmName(alarmed, 'psi');
    rewind.local.releases.alarms.record(alarmName, alarmed, 'ALARM');
    // The bake check is idempotent: run it until both bakes have passed and each view got
    // its decision (promoted, or held), keeping every outcome seen along the way.
    type Outcome = { view: string; action: string; why?: string };
    const seen: Outcome[] = [];
    const decided = (o: Outcome) => o.action !== 'waiting';
    await eventually(
      async () => (seen.push(...((await rewind.local.releases.runBakeCheck()) as { outcomes: Outcome[] }).outcomes), seen),
      (all) => [baked, alarmed].every((v) => all.some((o) => o.view === v && decided(o))),
      5000,
    );
    const run = { outcomes: seen.filter(decided) };
    expect(run.outcomes).toContainEqual(expect.objectContaining({ view: baked, action: 'promoted' }));
    expect(run.outcomes).toContainEqual(expect.objectContaining({ view: alarmed, action: 'held', why: expect.stringContaining(alarmName) }));
    expect((await dev.get(`/views/${baked}`)).body.pointer).toMatchObject({ stable: 2 });
    expect((await dev.get(`/views/${alarmed}`)).body.pointer).toMatchObject({ stable: 1, candidate: { version: 2 } });
    expect((await dev.get(`/views/${baked}/history?limit=1`)).body.history[0]).toMatchObject({ action: 'promote', actor: 'system:canary/bake' });

    // Idempotent: the next run finds nothing to do for the promoted view.
    const rerun = (await rewind.local.releases.runBakeCheck()) as { outcomes: { view: string }[] };
    expect(rerun.outcomes.map((o) => o.view)).not.toContain(baked);
  });
});

describe('derived artifacts and the serving cache', () => {
  const artifacts = churnArtifacts;

  it('after a rollback returns, no read through any server returns the rolled-back version once the staleness bound has passed', async () => {
    const view = rewind.view('cached');
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
    const deps = getDeps();
    const servers = Array.from({ length: 5 }, () => new FeatureServer(deps, deps.online, STALENESS_MS));
    const responseCache = new Map<string, number>();
    const namespace = () => rewind.local.releases.artifacts.namespace('user-profile-cache');
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

    // One event per artifact per pointer change, in refresh order, published by the outbox
    // relay from the rollback's history entry (so a moment after the response, not in it).
    const events = await eventually(
      async () => rewind.local.releases.events.events.filter((e) => e.detail.view === view && e.detail.action === 'rollback'),
      (found) => found.length >= 3,
      5000,
    );
    expect(events.map((e) => [e.detailType, (e.detail.artifact as { name: string }).name, e.detail.order])).toEqual([
      ['FeatureArtifactRefreshed', 'user-profile-cache', 0],
      ['FeatureArtifactRefreshed', 'churn-vectors', 1],
      ['FeatureArtifactRefreshed', 'churn-dashboard', 2],
    ]);
    expect(events[0]!.detail).toMatchObject({ fromVersion: 2, toVersion: 1, serves: { stable: 1 }, auditId: rb.body.auditId });
  });

  it('the artifact events come from the history entry alone: a process that dies right after the commit still has them published', async () => {
    const view = rewind.view('crashed');
    await twoVersions(view, { artifacts });
    await dev.post(`/views/${view}/activate`, { version: 2 });
    // The handlers' own deps (DynamoDB Local, the local invalidator), with a registry whose
    // process "dies" the moment the transaction lands: no in-request step, no response, and
    // no code of this request after the commit. The outbox is the only path left.
    const deps = withArtifacts(getDeps());
    const pointers = crashingAfterCommit(deps.pointers);
    await expect(rollbackView({ ...deps, pointers }, dev.sub, view, { reason: 'v2 is bad' })).rejects.toThrow(CRASH_AFTER_COMMIT);

    const [entry] = (await dev.get(`/views/${view}/history?limit=1`)).body.history;
    expect(entry).toMatchObject({ action: 'rollback', toVersion: 1 });
    const events = await eventually(
      async () => rewind.local.releases.events.events.filter((e) => e.detail.view === view && e.detail.action === 'rollback'),
      (found) => found.length >= 3,
      5000,
    );
    // Each says what the plan committed: the cache was to be invalidated in the request (a real
    // crash takes that in-process cache down with it), the others are asked of their owners.
    expect(events.map((e) => [e.eventId, e.detail.order, e.detail.status])).toEqual([
      [`${view}#${entry.revision}#cache-namespace#user-profile-cache`, 0, 'invalidated'],
      [`${view}#${entry.revision}#feature-vector-table#churn-vectors`, 1, 'requested'],
      [`${view}#${entry.revision}#dashboard#churn-dashboard`, 2, 'requested'],
    ]);
    expect(events[0]!.detail).toMatchObject({ fromVersion: 2, toVersion: 1, serves: { stable: 1 }, auditId: entry.auditId });
  });
});
