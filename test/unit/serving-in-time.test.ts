/**
 * A read answers "not found" only on a pointer still inside the staleness bound: a purge may
 * delete a version's rows once the bound has passed since it stopped being served, so a row
 * read that comes back later than that (a store slowed by faults, a call retried) is made
 * again on a fresh pointer, for the single and the batch read alike; a found value is always
 * answered (versions are immutable). Over the in-memory adapters with a clock moved by hand.
 */
import { deployVersion } from '../../core/deploy';
import { ServedTooLateError } from '../../core/errors';
import { activateVersion } from '../../core/pointer-changes';
import { DeployRequestSchema, parse } from '../../core/requests';
import { BatchFeatureServer } from '../../core/serving-batch';
import { FeatureServer, IN_TIME_ATTEMPTS } from '../../core/serving';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const BOUND = 1000;
const request = (seed: number, extra: Record<string, unknown> = {}) => parse(DeployRequestSchema, deployBody(seed, 40, extra), 'body');

async function servedV1() {
  const deps = memoryDeps(() => new Date('2026-11-25T12:00:00Z'));
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(2));
  let now = 10_000;
  const clock = { now: () => now };
  const single = new FeatureServer(deps, deps.online, BOUND, clock);
  const batch = new BatchFeatureServer(single, deps.online);
  const get = deps.online.get.bind(deps.online);
  const getMany = deps.online.getMany.bind(deps.online);
  /**
   * The next `slow` reads of version 1 take longer than the bound and find nothing, as when the
   * pointer moved to v2 and v1 was purged while the read was in flight.
   */
  const slowPurgedV1 = (slow: number) => {
    let left = slow;
    deps.online.get = async (view, version, entity) => {
      if (version === 1 && left > 0) {
        left -= 1;
        now += BOUND + 1;
        return undefined;
      }
      return get(view, version, entity);
    };
    deps.online.getMany = async (view, keys) => {
      if (keys.some((k) => k.version === 1) && left > 0) {
        left -= 1;
        now += BOUND + 1;
        return keys.map(() => undefined);
      }
      return getMany(view, keys);
    };
    return { reads: () => slow - left };
  };
  return { deps, single, batch, slowPurgedV1 };
}

describe('FeatureServer: a missing row is answered only on a pointer inside the bound', () => {
  it('reads again on a fresh pointer when a slow read of a version moved away from found nothing', async () => {
    const { deps, single, slowPurgedV1 } = await servedV1();
    await single.serve('v', 'u1'); // caches the pointer at v1
    await activateVersion(deps, 'dev', 'v', { version: 2 });
    const slow = slowPurgedV1(1);
    const served = await single.serve('v', 'u1');
    expect({ version: served.version, found: served.found, slowReads: slow.reads() }).toEqual({ version: 2, found: true, slowReads: 1 });
  });

  it('the batch read does the same for a batch with a missing row', async () => {
    const { deps, single, batch, slowPurgedV1 } = await servedV1();
    await single.serve('v', 'u1');
    await activateVersion(deps, 'dev', 'v', { version: 2 });
    slowPurgedV1(1);
    const { results } = await batch.serveMany('v', ['u1', 'u2', 'u3']);
    expect(results.map((r) => [r.version, r.found])).toEqual([
      [2, true],
      [2, true],
      [2, true],
    ]);
  });

  it(`answers 503 (ServedTooLate) after ${IN_TIME_ATTEMPTS} reads that all came back too late`, async () => {
    const { single, batch, slowPurgedV1 } = await servedV1();
    const slow = slowPurgedV1(100);
    await expect(single.serve('v', 'u1')).rejects.toBeInstanceOf(ServedTooLateError);
    expect(slow.reads()).toBe(IN_TIME_ATTEMPTS);
    await expect(batch.serveMany('v', ['u1', 'u2'])).rejects.toMatchObject({ code: 'ServedTooLate' });
  });

  it('answers a missing entity at once when its read came back inside the bound (one read)', async () => {
    const { deps, single } = await servedV1();
    let reads = 0;
    const get = deps.online.get.bind(deps.online);
    deps.online.get = (view, version, entity) => ((reads += 1), get(view, version, entity));
    expect(await single.serve('v', 'nobody')).toMatchObject({ version: 1, found: false });
    expect(reads).toBe(1);
  });
});
