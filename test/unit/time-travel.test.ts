/**
 * Time travel over the in-memory adapters (issue 12, item 1): the pointer in force at an
 * instant, found by binary search over the history's revisions, and the records it named.
 */
import fc from 'fast-check';
import { deployVersion } from '../../core/deploy';
import { BeforeFirstDeployError, NothingServedError, ValidationError } from '../../core/errors';
import type { Pointer } from '../../core/model';
import { activateVersion, rollbackView, setFeatureDisabled } from '../../core/pointer-changes';
import { DeployRequestSchema, parse } from '../../core/requests';
import { purgeOnline } from '../../core/purge';
import { FeatureServer } from '../../core/serving';
import { pointerAsOf, servedAsOf } from '../../core/time-travel';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 20, extra), 'body');
const iso = (ms: number) => new Date(ms).toISOString();

/** Deps whose clock the test moves. */
function world() {
  let now = T0;
  const deps = memoryDeps(() => new Date(now));
  return { deps, at: (ms: number) => (now = T0 + ms), iso: (ms: number) => iso(T0 + ms), futureOk: () => (now = T0 + 10_000_000) };
}

describe('pointerAsOf', () => {
  it('answers the pointer each change set, from the instant of the change until the next', async () => {
    const w = world();
    w.at(0);
    await deployVersion(w.deps, 'dev', 'v', request(1));
    w.at(1_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 1 });
    w.at(2_000);
    await deployVersion(w.deps, 'dev', 'v', request(2));
    w.at(3_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 30 });
    w.at(4_000);
    await setFeatureDisabled(w.deps, 'dev', 'v', 'age', true, { reason: 'zeros upstream' });
    w.at(5_000);
    await rollbackView(w.deps, 'dev', 'v', { reason: 'candidate drifted' });
    w.futureOk();

    // After the first deploy, before the first activation: the view existed, nothing was served.
    expect(await pointerAsOf(w.deps, 'v', w.iso(500), 1000)).toMatchObject({ pointer: null, setBy: null, versions: [] });
    const at1 = await pointerAsOf(w.deps, 'v', w.iso(1_000), 1000);
    expect(at1).toMatchObject({ pointer: { stable: 1, revision: 1 }, setBy: { revision: 1, action: 'activate' } });
    expect(at1.versions.map((r) => r.version)).toEqual([1]);
    const canary = await pointerAsOf(w.deps, 'v', w.iso(3_500), 1000);
    expect(canary.pointer).toMatchObject({ stable: 1, candidate: { version: 2, strategy: 'canary', percent: 30 }, disabledFeatures: [] });
    expect(canary.versions.map((r) => [r.version, r.createdAt])).toEqual([
      [1, w.iso(0)],
      [2, w.iso(2_000)],
    ]);
    expect((await pointerAsOf(w.deps, 'v', w.iso(4_999), 1000)).pointer).toMatchObject({ disabledFeatures: ['age'], candidate: { version: 2 } });
    const after = await pointerAsOf(w.deps, 'v', w.iso(9_000), 1000);
    expect(after.setBy).toMatchObject({ action: 'rollback', reason: 'candidate drifted', revision: 4 });
    expect(after.pointer?.candidate ?? null).toBeNull();
  });

  it('says when the view was first deployed for an instant before it (404 at the edge)', async () => {
    const w = world();
    w.at(60_000);
    await deployVersion(w.deps, 'dev', 'v', request(1, { activate: true }));
    const asked = pointerAsOf(w.deps, 'v', w.iso(0), 1000);
    await expect(asked).rejects.toBeInstanceOf(BeforeFirstDeployError);
    await expect(asked).rejects.toThrow(`view 'v' did not exist at ${w.iso(0)}: it was first deployed at ${w.iso(60_000)}`);
  });

  it('refuses an instant in the future, naming query.at', async () => {
    const w = world();
    await deployVersion(w.deps, 'dev', 'v', request(1, { activate: true }));
    const asked = pointerAsOf(w.deps, 'v', w.iso(1), 1000);
    await expect(asked).rejects.toBeInstanceOf(ValidationError);
    await expect(asked).rejects.toMatchObject({ field: 'query.at' });
  });

  it('equals a linear scan of what was committed, for random histories and instants', async () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('activate' as const), version: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('canary' as const), version: fc.integer({ min: 1, max: 3 }), percent: fc.integer({ min: 1, max: 99 }) }),
      fc.record({ kind: fc.constant('rollback' as const) }),
      fc.record({ kind: fc.constant('switch' as const), off: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(change, fc.integer({ min: 1, max: 5_000 })), { minLength: 1, maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 10 }), async (changes, instants) => {
        const w = world();
        let t = 0;
        w.at(t);
        for (const seed of [1, 2, 3]) await deployVersion(w.deps, 'dev', 'v', request(seed));
        const committed: { at: number; pointer: Pointer }[] = [];
        for (const [c, gap] of changes) {
          t += gap;
          w.at(t);
          const done = await (async () => {
            try {
              if (c.kind === 'activate') return await activateVersion(w.deps, 'dev', 'v', { version: c.version });
              if (c.kind === 'canary') return await activateVersion(w.deps, 'dev', 'v', { version: c.version, strategy: 'canary', percent: c.percent });
              if (c.kind === 'rollback') return await rollbackView(w.deps, 'dev', 'v', { reason: 'r' });
              return await setFeatureDisabled(w.deps, 'dev', 'v', 'age', c.off, { reason: 's' });
            } catch {
              return undefined; // refused by the state (nothing to roll back to, …): nothing committed
            }
          })();
          if (done?.changed) committed.push({ at: t, pointer: done.pointer });
        }
        w.futureOk();
        for (const instant of instants) {
          const expected = committed.filter((c) => c.at <= instant).at(-1)?.pointer ?? null;
          expect((await pointerAsOf(w.deps, 'v', w.iso(instant), 1000)).pointer).toEqual(expected);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('servedAsOf', () => {
  it('recomputes the arm, applies the kill switches then in force, and reads a purged version from its snapshot', async () => {
    const w = world();
    w.at(0);
    await deployVersion(w.deps, 'dev', 'v', request(1, { activate: true }));
    await deployVersion(w.deps, 'dev', 'v', request(2));
    w.at(1_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 50 });
    w.at(2_000);
    await setFeatureDisabled(w.deps, 'dev', 'v', 'age', true, { reason: 'zeros' });
    w.at(3_000);
    await rollbackView(w.deps, 'dev', 'v', { reason: 'drift' });
    w.futureOk();
    const entities = Array.from({ length: 20 }, (_, i) => `u${i}`);

    // What the live server answered at 2.5 s, computed by the live path on that pointer.
    const server = new FeatureServer({ pointers: { getPointer: async () => (await pointerAsOf(w.deps, 'v', w.iso(2_500), 1000)).pointer! }, catalog: w.deps.catalog }, w.deps.online, 0);
    const live = await Promise.all(entities.map((e) => server.serve('v', e)));
    expect(new Set(live.map((s) => s.arm))).toEqual(new Set(['stable', 'candidate']));
    const replayed = await Promise.all(entities.map((e) => servedAsOf(w.deps, 'v', e, w.iso(2_500), 1000)));
    expect(replayed.map(({ at: _at, revision: _r, servedFrom: _s, ...body }) => body)).toEqual(live);
    expect(replayed.every((r) => r.servedFrom === 'online' && r.revision === 3 && r.disabled?.includes('age'))).toBe(true);

    // v2 is purged later: the same question is answered from its snapshot, with the same values.
    await purgeOnline(w.deps, 'ops', 'v', 2, { servingCacheMs: 0 });
    const fromSnapshot = await Promise.all(entities.map((e) => servedAsOf(w.deps, 'v', e, w.iso(2_500), 1000)));
    expect(fromSnapshot.map(({ servedFrom: _s, ...r }) => r)).toEqual(replayed.map(({ servedFrom: _s, ...r }) => r));
    expect(fromSnapshot.filter((r) => r.version === 2).every((r) => r.servedFrom === 'snapshot')).toBe(true);
  });

  it('answers NothingServed between the first deploy and the first activation', async () => {
    const w = world();
    await deployVersion(w.deps, 'dev', 'v', request(1));
    w.at(1_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 1 });
    w.futureOk();
    await expect(servedAsOf(w.deps, 'v', 'u1', w.iso(500), 1000)).rejects.toBeInstanceOf(NothingServedError);
  });
});
