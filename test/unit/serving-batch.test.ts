/**
 * Batch online reads as a use case over the in-memory adapters: each entity gets exactly the
 * single read's body (arm, defaults, kill switches), with one pointer read and one store read
 * per batch, and the same samples; the request schema refuses what the route must refuse.
 */
import { deployVersion } from '../../core/deploy';
import { ValidationError } from '../../core/errors';
import { activateVersion, setFeatureDisabled } from '../../core/pointer-changes';
import { DeployRequestSchema, OnlineBatchRequestSchema, parse } from '../../core/requests';
import { BatchFeatureServer } from '../../core/serving-batch';
import { FeatureServer } from '../../core/serving';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const request = (seed: number, extra: Record<string, unknown> = {}) => parse(DeployRequestSchema, deployBody(seed, 40, extra), 'body');
const entities = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

async function twoVersions() {
  const deps = memoryDeps(() => new Date('2026-11-25T12:00:00Z'));
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(2));
  return deps;
}

function servers(deps: Awaited<ReturnType<typeof twoVersions>>, recorded?: [number, string | undefined][]) {
  let now = 10_000;
  const clock = { now: () => now };
  const recorder = recorded ? { record: (_v: string, version: number, _d: unknown, stored: Record<string, unknown> | undefined) => recorded.push([version, stored ? 'row' : undefined]) } : undefined;
  const single = new FeatureServer(deps, deps.online, 1000, clock, recorder);
  return { single, batch: new BatchFeatureServer(single, deps.online), advance: (ms: number) => (now += ms) };
}

describe('BatchFeatureServer', () => {
  it('answers each entity, in order, with the body GET /online gives it, during a canary with a kill switch', async () => {
    const deps = await twoVersions();
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 40 });
    await setFeatureDisabled(deps, 'oncall', 'v', 'age', true, { reason: 'zeros upstream' });
    const { single, batch } = servers(deps);
    const asked = [...entities(45).reverse(), 'nobody'];
    const { view, results } = await batch.serveMany('v', asked);
    expect(view).toBe('v');
    expect(results.map((r) => r.entity)).toEqual(asked);
    for (const [i, entity] of asked.entries()) expect(results[i]).toEqual(await single.serve('v', entity));
    // Both arms and an unknown entity are in this batch, so the comparison covered each.
    expect(new Set(results.map((r) => r.arm))).toEqual(new Set(['stable', 'candidate']));
    expect(results.at(-1)).toMatchObject({ found: false, disabled: ['age'] });
  });

  it('costs one pointer read and one store read for 100 entities, and shares the pointer cache with the single read', async () => {
    const deps = await twoVersions();
    const { single, batch, advance } = servers(deps);
    let pointerReads = 0;
    const getPointer = deps.pointers.getPointer.bind(deps.pointers);
    deps.pointers.getPointer = (view: string) => (pointerReads++, getPointer(view));
    await single.serve('v', 'u1'); // fills the cache the batch must use
    const reads = deps.online.reads;
    const { results } = await batch.serveMany('v', entities(100));
    expect({ pointerReads, storeReads: deps.online.reads - reads, served: results.length }).toEqual({ pointerReads: 1, storeReads: 1, served: 100 });

    // A pointer move is seen by the batch once the staleness bound has passed, as by the single read.
    await activateVersion(deps, 'dev', 'v', { version: 2 });
    expect(new Set((await batch.serveMany('v', entities(5))).results.map((r) => r.version))).toEqual(new Set([1]));
    advance(1001);
    pointerReads = 0;
    expect(new Set((await batch.serveMany('v', entities(5))).results.map((r) => r.version))).toEqual(new Set([2]));
    expect((await single.serve('v', 'u3')).version).toBe(2);
    expect(pointerReads).toBe(1);
  });

  it('samples every served entity under its own arm, and a shadow for the monitor only', async () => {
    const deps = await twoVersions();
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'shadow' });
    const recorded: [number, string | undefined][] = [];
    const { batch } = servers(deps, recorded);
    const { results } = await batch.serveMany('v', [...entities(30), 'nobody']);
    expect(new Set(results.map((r) => `${r.version}/${r.arm}`))).toEqual(new Set(['1/stable']));
    expect(recorded.filter(([v]) => v === 1)).toHaveLength(31);
    expect(recorded.filter(([v]) => v === 2)).toHaveLength(31);
    expect(recorded.filter(([, row]) => row === undefined)).toHaveLength(2); // 'nobody', once per version
  });

  it('refuses a batch for a view that serves nothing, as the single read does', async () => {
    const deps = memoryDeps(() => new Date('2026-11-25T12:00:00Z'));
    const { batch } = servers(deps);
    await expect(batch.serveMany('missing', ['u1'])).rejects.toMatchObject({ code: 'NothingActive' });
  });
});

describe('OnlineBatchRequestSchema', () => {
  const refusal = (body: unknown) => {
    try {
      parse(OnlineBatchRequestSchema, body, 'body');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return { field: (error as ValidationError).field, message: (error as ValidationError).message };
    }
    throw new Error('accepted');
  };

  it.each([
    ['missing', {}, 'body.entities', /required/],
    ['empty', { entities: [] }, 'body.entities', /at least one/],
    ['more than 100', { entities: entities(101) }, 'body.entities', /at most 100/],
    ['a duplicate', { entities: ['a', 'b', 'a'] }, 'body.entities[2]', /duplicates entities\[0\]/],
    ['a number', { entities: ['a', 7] }, 'body.entities[1]', /string/],
    ['an empty id', { entities: ['a', ''] }, 'body.entities[1]', /./],
    ['not an array', { entities: 'a' }, 'body.entities', /array/],
  ])('refuses %s, naming entities', (_case, body, field, message) => {
    const { field: named, message: said } = refusal(body);
    expect(named).toBe(field);
    expect(said).toMatch(message);
  });

  it('accepts 100 distinct ids', () => {
    expect(parse(OnlineBatchRequestSchema, { entities: entities(100) }, 'body').entities).toHaveLength(100);
  });
});
