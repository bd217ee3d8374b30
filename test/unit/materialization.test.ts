/**
 * Materialization as a guarded state machine (issue 10, findings 1–3) over the in-memory
 * adapters, which keep the DynamoDB adapters' conditions: a pointer change checks that every
 * version it serves is `materialized`; a purge starts (→ `purging`) only while the pointer
 * serves the version neither as stable nor as candidate, and each of its delete batches checks
 * `purging`. fast-check's scheduler plays every port call of a purge and a rollback in a
 * random order.
 */
import fc from 'fast-check';
import { deployVersion } from '../../core/deploy';
import { InvalidStateError } from '../../core/errors';
import { autoRollback } from '../../core/auto-rollback';
import { activateVersion, promoteCandidate, rollbackView } from '../../core/pointer-changes';
import { purgeOnline } from '../../core/purge';
import type { MaterializationState } from '../../core/model';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const ROWS = 250; // three purge batches
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, ROWS, extra), 'body');
type Deps = ReturnType<typeof memoryDeps>;

/** v1 and v2 deployed, v2 stable. */
async function twoVersions(deps: Deps, view = 'v') {
  await deployVersion(deps, 'dev', view, request(1, { activate: true }));
  await deployVersion(deps, 'dev', view, request(2, { activate: true }));
}

/** Entities of `version` with no online row. */
function missing(deps: Deps, view: string, version: number): string[] {
  return Array.from({ length: ROWS }, (_, i) => `u${i}`).filter((e) => !deps.online.rows.has(`${view}#${version}#${e}`));
}

/** Every served version's rows all present: what serving would find. */
function servedWhole(deps: Deps, view: string) {
  const pointer = deps.pointers.byView.get(view)!;
  return [pointer.stable, pointer.candidate?.version].filter((v): v is number => typeof v === 'number').map((v) => ({ version: v, state: deps.catalog.stateOf(view, v), missing: missing(deps, view, v) }));
}

/** The same deps, each port call made a scheduled task: the scheduler decides which runs next. */
function scheduled(deps: Deps, s: fc.Scheduler): Deps {
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get: (target, key) => {
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? s.scheduleFunction((...args: unknown[]) => value.apply(target, args)) : value;
      },
    });
  return { ...deps, catalog: wrap(deps.catalog), pointers: wrap(deps.pointers), online: wrap(deps.online), snapshots: wrap(deps.snapshots) };
}

describe('deploy', () => {
  it('writes `materializing` before the first row and `materialized` after the last', async () => {
    const deps = memoryDeps();
    const seen: (MaterializationState | undefined)[] = [];
    const write = deps.online.write.bind(deps.online);
    deps.online.write = async (view, version, rows) => {
      seen.push(deps.catalog.stateOf(view, version));
      return write(view, version, rows);
    };
    await deployVersion(deps, 'dev', 'v', request(1));
    expect(seen).toEqual(['materializing']);
    expect(deps.catalog.materializations.get('v#1')).toMatchObject({ state: 'materialized', rows: ROWS });
  });
});

describe('finding 1: a purge racing a way back to the same version', () => {
  it('in any interleaving of their steps, v1 is served only when all of it is there', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, alarm) => {
        const deps = memoryDeps();
        await twoVersions(deps);
        const racing = scheduled(deps, s);
        const purge = purgeOnline(racing, 'ops', 'v', 1).then(
          () => 'purged',
          (e: Error) => (e instanceof InvalidStateError ? 'refused' : Promise.reject(e)),
        );
        const way = alarm ? autoRollback(racing, { eventId: 'e1', alarmName: 'rewind-drift-v-psi', state: 'ALARM', reason: 'drift', firedAt: new Date('2026-11-25T12:00:01Z'), dimensions: { view: 'v' } }) : rollbackView(racing, 'dev', 'v', { toVersion: 1, reason: 'race' });
        const back = way.then(
          () => 'moved',
          (e: Error) => (e instanceof InvalidStateError ? 'refused' : Promise.reject(e)),
        );
        await s.waitAll();
        await Promise.all([purge, back]);
        // Whatever the order, what is served is whole; then a retry of the way back lands whole.
        expect(servedWhole(deps, 'v').every((v) => v.state === 'materialized' && v.missing.length === 0)).toBe(true);
        await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'retry' });
        expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
      }),
      { numRuns: 60 },
    );
  });

  it('two rollbacks rebuilding the same purged version at once both land on whole data', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const deps = memoryDeps();
        await twoVersions(deps);
        await purgeOnline(deps, 'ops', 'v', 1);
        const racing = scheduled(deps, s);
        const outcomes = [rollbackView(racing, 'a', 'v', { toVersion: 1, reason: 'a' }), rollbackView(racing, 'b', 'v', { toVersion: 1, reason: 'b' })].map((p) =>
          p.then(
            (r) => r.changed,
            (e: Error) => e.name,
          ),
        );
        await s.waitAll();
        const results = await Promise.all(outcomes);
        // One moves the pointer; the other finds it done or lost the revision race (409).
        expect(results.filter((r) => r === true)).toHaveLength(1);
        expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('finding 2: a candidate is served', () => {
  it.each(['canary', 'shadow'] as const)('refuses to purge the %s candidate and leaves it materialized', async (strategy) => {
    const deps = memoryDeps();
    await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
    await deployVersion(deps, 'dev', 'v', request(2));
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy, ...(strategy === 'canary' ? { percent: 10 } : {}) });
    await expect(purgeOnline(deps, 'ops', 'v', 2)).rejects.toThrow(/candidate/);
    expect(servedWhole(deps, 'v')).toEqual([
      { version: 1, state: 'materialized', missing: [] },
      { version: 2, state: 'materialized', missing: [] },
    ]);
    await promoteCandidate(deps, 'dev', 'v', { reason: 'clean' });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 2, state: 'materialized', missing: [] }]);
  });
});

describe('finding 3: an interrupted purge', () => {
  /** The online store fails after its first delete batch, as a DynamoDB error or a timeout would. */
  function failingAfterOneBatch(deps: Deps) {
    const purge = deps.online.purge.bind(deps.online);
    deps.online.purge = async (view, version, entities) => {
      await purge(view, version, entities.slice(0, 99));
      throw new Error('ProvisionedThroughputExceededException (simulated in memory: the emulator cannot be made to fail mid-purge on cue)');
    };
    return () => (deps.online.purge = purge);
  }

  it('leaves `purging`, never `materialized`; a rollback onto it rebuilds it first', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const restore = failingAfterOneBatch(deps);
    await expect(purgeOnline(deps, 'ops', 'v', 1)).rejects.toThrow(/Throughput/);
    restore();
    expect(deps.catalog.stateOf('v', 1)).toBe('purging');
    expect(missing(deps, 'v', 1)).toHaveLength(99);
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'onto the half-purged version' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });

  it('is resumed by a second purge, which finishes it', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const restore = failingAfterOneBatch(deps);
    await expect(purgeOnline(deps, 'ops', 'v', 1)).rejects.toThrow();
    restore();
    await purgeOnline(deps, 'ops', 'v', 1);
    expect(deps.catalog.stateOf('v', 1)).toBe('purged');
    expect(missing(deps, 'v', 1)).toHaveLength(ROWS);
  });

  it('is stopped between batches by a rebuild that claims the version, deleting nothing after the claim', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const purging = purgeOnline(deps, 'ops', 'v', 1);
    // The claim lands while the purge is between two delete batches.
    await Promise.resolve();
    const rebuilt = rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    await expect(purging).rejects.toThrow(/stopped/);
    await rebuilt;
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });

  it('a version left `materializing` by an interrupted rebuild is rebuilt by the next way back', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    await purgeOnline(deps, 'ops', 'v', 1);
    await deps.catalog.claimMaterialization('v', 1, 'now'); // the rebuild died right after its claim
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });
});
