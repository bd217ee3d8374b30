/**
 * Materialization as a guarded state machine (issue 10, findings 1–3) over the in-memory
 * adapters, which keep the DynamoDB adapters' conditions: a pointer change checks that every
 * version it serves is `materialized`; a purge starts (→ `purging`) only while the pointer
 * serves the version neither as stable nor as candidate, and each of its delete batches checks
 * `purging`. The real races (concurrent HTTP requests on DynamoDB Local) are in
 * test/e2e/materialization.test.ts.
 */
import { deployVersion } from '../../core/deploy';
import { activateVersion, promoteCandidate, rollbackView } from '../../core/pointer-changes';
import { purgeOnline } from '../../core/purge';
import type { MaterializationState } from '../../core/model';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const ROWS = 150; // two purge batches
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
    const purge = deps.online.purge.bind(deps.online);
    deps.online.purge = async (view, version, entities) => {
      await purge(view, version, entities.slice(0, 99));
      // A rollback's rebuild claims the version between two delete batches.
      expect(await deps.catalog.claimMaterialization(view, version, 'now')).toBe(true);
      return purge(view, version, entities.slice(99));
    };
    await expect(purgeOnline(deps, 'ops', 'v', 1)).rejects.toThrow(/stopped/);
    expect(missing(deps, 'v', 1)).toHaveLength(99);
    expect(deps.catalog.stateOf('v', 1)).toBe('materializing');
    const back = await rollbackView(deps, 'dev', 'v', { toVersion: 1, reason: 'back' });
    expect(back.rematerialized).toMatchObject({ rows: ROWS });
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
