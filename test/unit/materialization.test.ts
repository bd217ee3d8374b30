/**
 * Materialization as a guarded state machine (issue 10, findings 1–3) over the in-memory
 * adapters, which keep the DynamoDB adapters' conditions: a pointer change checks that every
 * version it serves is `materialized`; a purge starts (→ `purging`) only while the pointer
 * serves the version neither as stable nor as candidate, and each of its delete batches checks
 * `purging`. The real races (concurrent HTTP requests on DynamoDB Local) are in
 * test/e2e/materialization.test.ts.
 */
import { deployVersion } from '../../core/deploy';
import { activateVersion, promoteCandidate, rollbackView, setFeatureDisabled } from '../../core/pointer-changes';
import { purgeOnline } from '../../core/purge';
import type { MaterializationState } from '../../core/model';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const ROWS = 150; // two purge batches
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, ROWS, extra), 'body');
type Deps = ReturnType<typeof memoryDeps>;
/** Servers that cache no pointer: a version stops being read the moment the pointer moves off it. */
const NO_CACHE = { servingCacheMs: 0 };

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

describe('finding 2: a candidate is served', () => {
  it.each(['canary', 'shadow'] as const)('refuses to purge the %s candidate and leaves it materialized', async (strategy) => {
    const deps = memoryDeps();
    await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
    await deployVersion(deps, 'dev', 'v', request(2));
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy, ...(strategy === 'canary' ? { percent: 10 } : {}) });
    await expect(purgeOnline(deps, 'ops', 'v', 2, NO_CACHE)).rejects.toThrow(/candidate/);
    expect(servedWhole(deps, 'v')).toEqual([
      { version: 1, state: 'materialized', missing: [] },
      { version: 2, state: 'materialized', missing: [] },
    ]);
    await promoteCandidate(deps, 'dev', 'v', { reason: 'clean' });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 2, state: 'materialized', missing: [] }]);
  });
});

describe('a version stops being read one pointer-cache bound after it stops being served', () => {
  /** A clock the test moves; the deploys happen at its start. */
  function movingClock() {
    let at = Date.parse('2026-11-25T12:00:00Z');
    return { now: () => new Date(at), advance: (ms: number) => (at += ms) };
  }

  it('refuses a purge inside the bound after the rollback away from the version (409, saying until when), and allows it after', async () => {
    const clock = movingClock();
    const deps = memoryDeps(clock.now);
    await twoVersions(deps); // v1 stopped being served at 12:00:00.000
    clock.advance(999);
    await expect(purgeOnline(deps, 'ops', 'v', 1, { servingCacheMs: 1000 })).rejects.toThrow(
      "version 1 of 'v' stopped being served at 2026-11-25T12:00:00.000Z; servers may still read it from a cached pointer until 2026-11-25T12:00:01.000Z",
    );
    expect(deps.catalog.stateOf('v', 1)).toBe('materialized');
    expect(missing(deps, 'v', 1)).toEqual([]);
    clock.advance(1);
    await purgeOnline(deps, 'ops', 'v', 1, { servingCacheMs: 1000 });
    expect(deps.catalog.stateOf('v', 1)).toBe('purged');
  });

  it('counts the bound from when the change was committed, not when it was decided: a rebuild before the commit does not shorten it', async () => {
    const clock = movingClock();
    const deps = memoryDeps(clock.now);
    await twoVersions(deps); // v2 stable, v1 materialized
    clock.advance(5000);
    await purgeOnline(deps, 'ops', 'v', 1, { servingCacheMs: 1000 });
    // The way back to v1 rebuilds it from its snapshot, which takes 4 s here: v2 is served until the commit.
    const read = deps.snapshots.read.bind(deps.snapshots);
    deps.snapshots.read = async (...args: Parameters<typeof read>) => {
      clock.advance(4000);
      return read(...args);
    };
    const decidedAt = clock.now().toISOString();
    await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'bad v2' });
    const [entry] = await deps.pointers.history('v', 1);
    expect({ decidedAt, at: entry!.at }).toEqual({ decidedAt: '2026-11-25T12:00:05.000Z', at: '2026-11-25T12:00:09.000Z' });
    expect(deps.pointers.byView.get('v')!.updatedAt).toBe(entry!.at);
    // 1.5 s after the decision's bound but inside the commit's: servers may still read v2.
    clock.advance(500);
    await expect(purgeOnline(deps, 'ops', 'v', 2, { servingCacheMs: 1000 })).rejects.toThrow(/stopped being served at 2026-11-25T12:00:09.000Z/);
    expect(missing(deps, 'v', 2)).toEqual([]);
  });

  it('looks past later changes that did not serve it: a kill switch after the rollback does not hide it', async () => {
    const clock = movingClock();
    const deps = memoryDeps(clock.now);
    await twoVersions(deps);
    clock.advance(600);
    await setFeatureDisabled(deps, 'dev', 'v', 'age', true, { reason: 'later change' });
    clock.advance(300);
    await expect(purgeOnline(deps, 'ops', 'v', 1, { servingCacheMs: 1000 })).rejects.toThrow(/stopped being served at 2026-11-25T12:00:00.000Z/);
  });

  it('refuses when the pointer moved between its read and the purge start (the revision is checked in the same write)', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const history = deps.pointers.history.bind(deps.pointers);
    deps.pointers.history = async (view, limit) => {
      const read = await history(view, limit);
      await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'lands between the read and the start' });
      return read;
    };
    await expect(purgeOnline(deps, 'ops', 'v', 1, NO_CACHE)).rejects.toThrow(/changed while the purge of version 1 was starting/);
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
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
    await expect(purgeOnline(deps, 'ops', 'v', 1, NO_CACHE)).rejects.toThrow(/Throughput/);
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
    await expect(purgeOnline(deps, 'ops', 'v', 1, NO_CACHE)).rejects.toThrow();
    restore();
    await purgeOnline(deps, 'ops', 'v', 1, NO_CACHE);
    expect(deps.catalog.stateOf('v', 1)).toBe('purged');
    expect(missing(deps, 'v', 1)).toHaveLength(ROWS);
  });

  it('is stopped between batches by a rebuild that claims the version, deleting nothing after the claim', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const purge = deps.online.purge.bind(deps.online);
    deps.online.purge = async (view, version, entities) => {
      await purge(view, version, entities.slice(0, 99));
      // A rollback's rebuild claims the version between two delete batches.
      expect(await deps.catalog.claimMaterialization(view, version, 'now')).toEqual(expect.any(String));
      return purge(view, version, entities.slice(99));
    };
    await expect(purgeOnline(deps, 'ops', 'v', 1, NO_CACHE)).rejects.toThrow(/stopped/);
    expect(missing(deps, 'v', 1)).toHaveLength(99);
    expect(deps.catalog.stateOf('v', 1)).toBe('materializing');
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });

  it('only the latest claim marks it: an earlier rebuild whose rows a purge deleted before a second claim cannot mark it materialized', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    await purgeOnline(deps, 'ops', 'v', 1, NO_CACHE);
    // Rebuild A claims and writes every row; a purge then deletes one batch of them; rebuild B
    // claims (stopping the purge) and has not written yet when A tries to mark.
    const claimA = (await deps.catalog.claimMaterialization('v', 1, 'now'))!;
    const record = (await deps.catalog.getVersion('v', 1))!;
    await deps.online.write('v', 1, await deps.snapshots.read(record.snapshot));
    deps.catalog.transition('v', 1, 'now', 'purging', undefined, () => true);
    await deps.online.purge('v', 1, Array.from({ length: 99 }, (_, i) => `u${i}`));
    const claimB = await deps.catalog.claimMaterialization('v', 1, 'now');
    expect(claimB).toEqual(expect.any(String));
    expect(await deps.catalog.markMaterialized('v', 1, ROWS, 'now', claimA)).toBe(false);
    expect(deps.catalog.stateOf('v', 1)).toBe('materializing');
    // B writes every row after its claim; its mark lands, and A's late mark is then harmless.
    await deps.online.write('v', 1, await deps.snapshots.read(record.snapshot));
    expect(await deps.catalog.markMaterialized('v', 1, ROWS, 'now', claimB!)).toBe(true);
    expect(await deps.catalog.markMaterialized('v', 1, ROWS, 'now', claimA)).toBe(true);
    expect(missing(deps, 'v', 1)).toEqual([]);
  });

  it('a version left `materializing` by an interrupted rebuild is rebuilt by the next way back', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    await purgeOnline(deps, 'ops', 'v', 1, NO_CACHE);
    await deps.catalog.claimMaterialization('v', 1, 'now'); // the rebuild died right after its claim
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });
});

describe("a pointer change's commit is the materialization check", () => {
  it('reads no materialization state for a way back to a version still materialized', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    const reads = jest.spyOn(deps.catalog, 'getMaterialization');
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back).toMatchObject({ changed: true, toVersion: 1 });
    expect(back.rematerialized).toBeUndefined();
    expect(reads).not.toHaveBeenCalled();
  });

  /** After each rebuild's mark, a purge starts before the change commits (`times` times). */
  function purgeAfterEachRebuild(deps: Deps, times: number) {
    const mark = deps.catalog.markMaterialized.bind(deps.catalog);
    let left = times;
    deps.catalog.markMaterialized = async (view, version, rows, at, claim) => {
      const marked = await mark(view, version, rows, at, claim);
      if (left-- > 0) deps.catalog.transition(view, version, at, 'purging', undefined, () => true);
      return marked;
    };
  }

  it('rebuilds again when a purge starts between the rebuild and the commit, then serves it whole', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    await purgeOnline(deps, 'ops', 'v', 1, NO_CACHE);
    purgeAfterEachRebuild(deps, 1);
    const claims = jest.spyOn(deps.catalog, 'claimMaterialization');
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
    expect(claims).toHaveBeenCalledTimes(2);
    expect(servedWhole(deps, 'v')).toEqual([{ version: 1, state: 'materialized', missing: [] }]);
  });

  it('answers 409 after three rebuilds that each met a purge, moving nothing', async () => {
    const deps = memoryDeps();
    await twoVersions(deps);
    await purgeOnline(deps, 'ops', 'v', 1, NO_CACHE);
    purgeAfterEachRebuild(deps, 100);
    const claims = jest.spyOn(deps.catalog, 'claimMaterialization');
    const revision = deps.pointers.byView.get('v')!.revision;
    await expect(rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' })).rejects.toThrow(/is not fully materialized/);
    expect(claims).toHaveBeenCalledTimes(3);
    expect(deps.pointers.byView.get('v')).toMatchObject({ stable: 2, revision });
  });
});
