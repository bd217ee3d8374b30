/** The drift monitor's measurement over in-memory adapters: which versions, which window, noise out, coverage apart. */
import { ActivateRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import { measureDrift, type ViewResult } from '../../core/drift';
import type { FeatureValue } from '../../core/model';
import { activateVersion } from '../../core/pointer-changes';
import type { SampleBatch, SampleStore } from '../../core/sampling';
import { deployBody, rows } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const FEATURES = ['age', 'country', 'avg_basket', 'is_premium'];

interface Spec {
  seed: number;
  scale: number;
  /** Requests for entities with no row, on top of the sampled ones. */
  unknown?: number;
  /** Batch end; default inside the window [11:59, 12:00) the clock at 12:00 reads. */
  to?: string;
}

/** Serves back, for each version, samples drawn from the rows it was deployed with, scaled. */
function samplesOf(byVersion: Record<number, Spec | Spec[]>): SampleStore {
  return {
    put: async () => undefined,
    recent: async (view, version) => {
      const specs = byVersion[version];
      if (!specs) return [];
      return (Array.isArray(specs) ? specs : [specs]).map((spec): SampleBatch => {
        const sampled: FeatureValue[][] = rows(600, spec.seed).map((r) => FEATURES.map((f) => (f === 'avg_basket' ? (r[f] as number) * spec.scale : (r[f] as FeatureValue))));
        return { view, version, features: FEATURES, rows: sampled, served: sampled.length + (spec.unknown ?? 0), unknown: spec.unknown ?? 0, from: '2026-11-25T11:59:00Z', to: spec.to ?? '2026-11-25T11:59:50Z' };
      });
    },
  };
}

async function canaryDeps() {
  const deps = memoryDeps();
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 600, { activate: true }), 'body'));
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 600, { validation: { enforce: 'warn' } }), 'body'));
  await activateVersion(deps, 'a', 'v', parse(ActivateRequestSchema, { version: 2, strategy: 'canary', percent: 20 }, 'body'));
  return deps;
}

it('measures a canary candidate as well as the stable version; noise is taken out, so only the candidate drifts', async () => {
  const deps = await canaryDeps();
  const { measured, skipped } = await measureDrift(deps, samplesOf({ 1: { seed: 1, scale: 1 }, 2: { seed: 1, scale: 100 } }));

  expect(skipped).toEqual([]);
  const stable = measured.find((m) => m.version === 1)!;
  const candidate = measured.find((m) => m.version === 2)!;
  expect([stable.role, candidate.role]).toEqual(['stable', 'candidate']);
  expect(stable.corrected.psi).toBe(0);
  expect(candidate.corrected.psi!).toBeGreaterThan(1);
  expect(candidate.max.psi!).toBeGreaterThan(candidate.corrected.psi!);
  // Against what stable served in the same window, too.
  expect(candidate.vsStable!.psi!).toBeGreaterThan(1);
  expect(candidate.window).toMatchObject({ from: '2026-11-25T11:59:00.000Z', to: '2026-11-25T12:00:00.000Z' });
});

it('counts requests for unknown entities as coverage, never as nulls', async () => {
  const deps = await canaryDeps();
  const { measured } = await measureDrift(deps, samplesOf({ 1: { seed: 1, scale: 1, unknown: 400 }, 2: { seed: 1, scale: 1 } }));
  const stable = measured.find((m) => m.version === 1)!;
  expect(stable.unknown).toBe(400);
  expect(stable.unknownShare).toBeCloseTo(0.4, 6);
  expect(stable.corrected.nullRateIncrease ?? 0).toBe(0);
  expect(stable.maxNullRate).toBeLessThan(0.1);
});

it('reads only the batches of its own window: the previous window does not count twice', async () => {
  const deps = await canaryDeps();
  const { measured, skipped } = await measureDrift(deps, samplesOf({ 1: [{ seed: 1, scale: 100, to: '2026-11-25T11:58:50Z' }, { seed: 1, scale: 1 }], 2: { seed: 1, scale: 1, to: '2026-11-25T12:00:00Z' } }));
  expect(measured.map((m) => [m.version, m.samples, m.corrected.psi])).toEqual([[1, 600, 0]]);
  // The candidate's only batch ended at the window's end: it belongs to the next window.
  expect(skipped).toEqual([expect.objectContaining({ view: 'v', version: 2, reason: expect.stringMatching(/^0 sampled values/) })]);
  expect(skipped[0]!.failed).toBeUndefined();
});

it('one failing view and one hanging view neither stop nor delay the others, and each is reported as soon as it is done', async () => {
  const deps = memoryDeps();
  for (const view of ['a', 'b', 'c']) await deployVersion(deps, 'a', view, parse(DeployRequestSchema, deployBody(1, 600, { activate: true }), 'body'));
  const good = samplesOf({ 1: { seed: 1, scale: 1 } });
  const store: SampleStore = {
    put: async () => undefined,
    recent: (view, version, since, max) => (view === 'a' ? Promise.reject(new Error('throttled')) : view === 'b' ? new Promise<never>(() => undefined) : good.recent(view, version, since, max)),
  };
  const order: string[] = [];
  const { measured, skipped } = await measureDrift(deps, store, { viewTimeoutMs: 300, onMeasured: (r: ViewResult) => void order.push(r.view) });
  expect(measured.map((m) => m.view)).toEqual(['c']);
  expect(skipped).toEqual([
    { view: 'a', reason: 'failed: throttled', failed: true },
    { view: 'b', reason: expect.stringMatching(/took longer than 300 ms/), failed: true },
  ]);
  // c, measured while b hung, was reported before b's deadline.
  expect(order).toEqual(['a', 'c', 'b']);
});
