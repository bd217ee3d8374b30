/**
 * "As served" training sets over the in-memory adapters (issue 12, item 3): a set replayed
 * later equals what the live serving path answered when it was asked, for random histories
 * of activations, canaries, rollbacks, kill switches and purges.
 */
import fc from 'fast-check';
import { createTrainingSet } from '../../core/create-training-set';
import { deployVersion } from '../../core/deploy';
import { NothingActiveError, ValidationError } from '../../core/errors';
import { activateVersion, rollbackView, setFeatureDisabled } from '../../core/pointer-changes';
import { purgeOnline } from '../../core/purge';
import { DeployRequestSchema, TrainingSetRequestSchema, parse } from '../../core/requests';
import { FeatureServer } from '../../core/serving';
import { servedRows, type EntityInstant } from '../../core/training-sets';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
/** Versions of different sizes, so an entity has a row in some and none in others. */
const SIZES = [20, 10, 15];
const ENTITIES = Array.from({ length: 24 }, (_, i) => `u${i}`);

function world() {
  let now = T0;
  const deps = memoryDeps(() => new Date(now));
  return { deps, at: (ms: number) => (now = T0 + ms) };
}

async function deployThree(w: ReturnType<typeof world>) {
  for (const [i, size] of SIZES.entries()) await deployVersion(w.deps, 'dev', 'v', parse(DeployRequestSchema, deployBody(i + 1, size), 'body'));
}

/** Three versions deployed at 0, v1 activated at 1 s. */
async function servingV1() {
  const w = world();
  w.at(0);
  await deployThree(w);
  w.at(1_000);
  await activateVersion(w.deps, 'dev', 'v', { version: 1 });
  return w;
}

type Live = { version: number | null; arm: string | null; found: boolean; features: Record<string, unknown> };

describe('servedRows', () => {
  it('equals what GET /online answered live at each instant, for random histories', async () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('activate' as const), version: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('canary' as const), version: fc.integer({ min: 1, max: 3 }), percent: fc.integer({ min: 1, max: 99 }) }),
      fc.record({ kind: fc.constant('rollback' as const) }),
      fc.record({ kind: fc.constant('switch' as const), feature: fc.constantFrom('age', 'country'), off: fc.boolean() }),
      fc.record({ kind: fc.constant('purge' as const), version: fc.integer({ min: 1, max: 3 }) }),
    );
    const step = fc.record({ change, gap: fc.integer({ min: 2, max: 5_000 }), asked: fc.subarray(ENTITIES, { minLength: 1, maxLength: 6 }) });
    await fc.assert(
      fc.asyncProperty(step.chain((first) => fc.array(step, { maxLength: 20 }).map((rest) => [first, ...rest])), async (steps) => {
        const w = world();
        w.at(0);
        await deployThree(w);
        const server = new FeatureServer({ pointers: w.deps.pointers, catalog: w.deps.catalog }, w.deps.online, 0);
        const asked: EntityInstant[] = [];
        const live: Live[] = [];
        let t = 0;
        for (const { change: c, gap, asked: entities } of steps) {
          t += gap;
          w.at(t);
          try {
            if (c.kind === 'activate') await activateVersion(w.deps, 'dev', 'v', { version: c.version });
            else if (c.kind === 'canary') await activateVersion(w.deps, 'dev', 'v', { version: c.version, strategy: 'canary', percent: c.percent });
            else if (c.kind === 'rollback') await rollbackView(w.deps, 'dev', 'v', { reason: 'r' });
            else if (c.kind === 'switch') await setFeatureDisabled(w.deps, 'dev', 'v', c.feature, c.off, { reason: 's' });
            else await purgeOnline(w.deps, 'ops', 'v', c.version, { servingCacheMs: 0 });
          } catch {
            // refused by the state (nothing to roll back to, a purge of a served version, …): nothing changed
          }
          // Asked live a millisecond later (the next change is at least 2 ms away): the live server, its cache bypassed.
          w.at(t + 1);
          server.forget();
          for (const entity of entities) {
            asked.push({ entity, at: iso(t + 1) });
            live.push(
              await server.serve('v', entity).then(
                (s) => ({ version: s.version, arm: s.arm ?? null, found: s.found, features: s.features }),
                (error: unknown) => {
                  if (!(error instanceof NothingActiveError)) throw error;
                  return { version: null, arm: null, found: false, features: {} };
                },
              ),
            );
          }
        }
        w.at(t + 10_000);
        // Replayed later, in a shuffled order: each row answered as it was live.
        const order = asked.map((_, i) => i).reverse();
        const replayed = await servedRows(w.deps, 'v', order.map((i) => asked[i]!));
        expect(replayed.rows.map(({ version, arm, found, features }) => ({ version, arm, found, features }))).toEqual(order.map((i) => live[i]));
      }),
      { numRuns: 40 },
    );
  });

  it('reads the history once for the range and each version once, whatever the number of rows', async () => {
    const w = await servingV1();
    w.at(2_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 50 });
    w.at(2_500);
    await rollbackView(w.deps, 'dev', 'v', { reason: 'candidate drifted' });
    w.at(3_000);
    await activateVersion(w.deps, 'dev', 'v', { version: 3 });
    w.at(3_500);
    await purgeOnline(w.deps, 'ops', 'v', 1, { servingCacheMs: 0 });
    w.at(9_000);
    const ranges = jest.spyOn(w.deps.pointers, 'historyRange');
    const reads = w.deps.online.reads;
    const rows = Array.from({ length: 300 }, (_, i) => ({ entity: ENTITIES[i % 20]!, at: iso(1_000 + ((i * 37) % 3_000)) }));
    const { rows: served } = await servedRows(w.deps, 'v', rows);
    expect(ranges).toHaveBeenCalledTimes(1);
    // v1 purged: one snapshot read; v2 and v3 online: one batched read each (≤ 100 keys per call in DynamoDB; one here).
    expect(w.deps.snapshots.snapshotReads).toBe(1);
    expect(w.deps.online.reads - reads).toBe(2);
    expect(new Set(served.map((r) => `${r.version}:${r.servedFrom}`))).toEqual(new Set(['1:snapshot', '2:online', '3:online']));
  });
});

describe('createTrainingSet', () => {
  async function activated() {
    const w = await servingV1();
    w.at(2_000);
    await setFeatureDisabled(w.deps, 'dev', 'v', 'age', true, { reason: 'zeros upstream' });
    w.at(5_000);
    return w;
  }
  const body = (input: unknown) => parse(TrainingSetRequestSchema, input, 'body');

  it('stores one Parquet table: the fixed columns, the features, disabled features as their defaults, and a summary', async () => {
    const w = await activated();
    const created = await createTrainingSet(w.deps, 'v', body({ rows: [{ entity: 'u1', at: iso(500) }, { entity: 'u1', at: iso(1_500) }, { entity: 'u1', at: iso(2_500) }] }), { maxRows: 10 });
    const table = w.deps.snapshots.trainingSets.get(created.uri)!;
    expect(table.columns.map((c) => c.name)).toEqual(['entity', 'at', 'version', 'arm', 'revision', 'served_from', 'found', 'age', 'country', 'avg_basket', 'is_premium']);
    const age = table.columns.findIndex((c) => c.name === 'age');
    // Before the first activation nothing was served; then u1's age; then the kill switch's default 0.
    expect(table.rows.map((r) => [r[2], r[age]])).toEqual([
      [null, null],
      [1, 18 + ((7 + 1) % 60)],
      [1, 0],
    ]);
    expect(created.summary).toMatchObject({ rows: 3, notServed: 1, online: 2, snapshot: 0, servedBy: [{ version: 1, arm: null, rows: 2 }], revisions: [1, 2] });
  });

  it('refuses a future instant, naming the row, and writes nothing', async () => {
    const w = await activated();
    const asked = createTrainingSet(w.deps, 'v', body({ rows: [{ entity: 'u1', at: iso(1_500) }, { entity: 'u2', at: iso(60_000) }] }), { maxRows: 10 });
    await expect(asked).rejects.toBeInstanceOf(ValidationError);
    await expect(asked).rejects.toMatchObject({ field: 'body.rows[1].at' });
    expect(w.deps.snapshots.trainingSets.size).toBe(0);
  });

  it('refuses a file over the row limit, a column not in the file and a malformed instant, naming the field', async () => {
    const w = await activated();
    const file = (records: Record<string, unknown>[]) => {
      const uri = `s3://memory/uploads/${w.deps.snapshots.sources.size}.csv`;
      w.deps.snapshots.sources.set(uri, { records, fromText: true });
      return uri;
    };
    const good = file([{ user_id: 'u1', at: iso(1_500) }, { user_id: 'u2', at: iso(2_500) }]);
    await expect(createTrainingSet(w.deps, 'v', body({ dataUri: good }), { maxRows: 1 })).rejects.toMatchObject({ field: 'body.dataUri', message: expect.stringContaining('holds 2 rows') });
    await expect(createTrainingSet(w.deps, 'v', body({ dataUri: good, entityColumn: 'customer' }), { maxRows: 10 })).rejects.toMatchObject({ field: 'body.entityColumn' });
    await expect(createTrainingSet(w.deps, 'v', body({ dataUri: good, timestampColumn: 'ts' }), { maxRows: 10 })).rejects.toMatchObject({ field: 'body.timestampColumn' });
    const malformed = file([{ user_id: 'u1', at: iso(1_500) }, { user_id: 'u2', at: 'yesterday' }]);
    await expect(createTrainingSet(w.deps, 'v', body({ dataUri: malformed }), { maxRows: 10 })).rejects.toMatchObject({ field: 'body.dataUri', message: expect.stringContaining('row 2') });
    expect(w.deps.snapshots.trainingSets.size).toBe(0);
    // The view's entity key is the default column: the good file is answered.
    expect((await createTrainingSet(w.deps, 'v', body({ dataUri: good }), { maxRows: 10 })).summary.rows).toBe(2);
  });

  it('refuses at the edge: inline rows over the limit, a malformed instant, rows and dataUri together', () => {
    expect(() => body({ rows: Array.from({ length: 1001 }, () => ({ entity: 'u1', at: iso(0) })) })).toThrow(/body\.rows: at most 1000 inline rows/);
    expect(() => body({ rows: [{ entity: 'u1', at: '2026-11-25 12:00' }] })).toThrow(ValidationError);
    expect(() => body({ rows: [{ entity: 'u1', at: '2026-11-25 12:00' }] })).toThrow(/body\.rows\[0\]\.at/);
    expect(() => body({ rows: [{ entity: 'u1', at: iso(0) }], dataUri: 's3://b/k.csv' })).toThrow(/body\.dataUri/);
    expect(() => body({ dataUri: 's3://b/k.jsonl' })).toThrow(/body\.dataUri/);
  });
});
