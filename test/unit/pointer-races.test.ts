/**
 * A pointer change that names no expectedRevision and loses the commit to a concurrent one is
 * decided again on the fresh state, a bounded number of times (issue 10 finding 8). The
 * concurrent writer here is a real second change through the same in-memory pointer log,
 * committed just before this one's commit lands.
 */
import { RevisionConflictError } from '../../core/errors';
import { deployVersion } from '../../core/deploy';
import { LOST_RACE_RETRIES, setFeatureDisabled } from '../../core/pointer-changes';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

/** `deps` whose next `races` commits each lose to another person's change made just before them. */
function racing(deps: ReturnType<typeof memoryDeps>, races: number) {
  const inner = deps.pointers;
  let left = races;
  let attempts = 0;
  const pointers = new Proxy(inner, {
    get: (target, key) =>
      key === 'commitPointerChange'
        ? async (change: Parameters<typeof inner.commitPointerChange>[0]) => {
            attempts++;
            if (left-- > 0) {
              const current = (await inner.getPointer('v'))!;
              const toggled = !current.disabledFeatures.includes('country');
              await setFeatureDisabled(deps, 'other', 'v', 'country', toggled, { reason: 'the other person' });
            }
            return target.commitPointerChange(change);
          }
        : Reflect.get(target, key),
  });
  return { deps: { ...deps, pointers }, attempts: () => attempts };
}

async function deployed() {
  const deps = memoryDeps();
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 5, { activate: true }), 'body'));
  return deps;
}

it('retries a change without expectedRevision on the fresh state until it lands, keeping the concurrent changes', async () => {
  const base = await deployed();
  const { deps, attempts } = racing(base, 2);
  const result = await setFeatureDisabled(deps, 'me', 'v', 'age', true, { reason: 'mine' });
  expect(result).toMatchObject({ changed: true, feature: 'age' });
  expect(attempts()).toBe(3);
  // The two concurrent changes (country off, then on) and mine: three revisions after the activation.
  const pointer = (await base.pointers.getPointer('v'))!;
  expect(pointer.disabledFeatures).toEqual(['age']);
  expect(base.pointers.historyEntries.map((h) => [h.actor, h.action, h.feature])).toEqual([
    ['a', 'activate', undefined],
    ['other', 'disable', 'country'],
    ['other', 'enable', 'country'],
    ['me', 'disable', 'age'],
  ]);
});

it(`gives up with 409 after losing ${LOST_RACE_RETRIES + 1} races in a row`, async () => {
  const { deps, attempts } = racing(await deployed(), 100);
  await expect(setFeatureDisabled(deps, 'me', 'v', 'age', true, { reason: 'mine' })).rejects.toThrow(RevisionConflictError);
  expect(attempts()).toBe(LOST_RACE_RETRIES + 1);
});

it('never retries a change that named its expectedRevision: that one is stale, as documented', async () => {
  const base = await deployed();
  const { deps, attempts } = racing(base, 1);
  const revision = (await base.pointers.getPointer('v'))!.revision;
  await expect(setFeatureDisabled(deps, 'me', 'v', 'age', true, { reason: 'mine', expectedRevision: revision })).rejects.toThrow(RevisionConflictError);
  expect(attempts()).toBe(1);
});
