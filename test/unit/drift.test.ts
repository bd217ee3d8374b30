/** The drift monitor's measurement over in-memory adapters: which versions it measures. */
import { ActivateRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import { measureDrift } from '../../core/drift';
import type { FeatureValue } from '../../core/model';
import { activateVersion } from '../../core/pointer-changes';
import type { SampleBatch, SampleStore } from '../../core/sampling';
import { deployBody, rows } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

/** Serves back, for each version, samples drawn from the rows it was deployed with, scaled. */
function samplesOf(byVersion: Record<number, { seed: number; scale: number }>): SampleStore {
  const features = ['age', 'country', 'avg_basket', 'is_premium'];
  return {
    put: async () => undefined,
    recent: async (view, version) => {
      const spec = byVersion[version];
      if (!spec) return [];
      const sampled: FeatureValue[][] = rows(600, spec.seed).map((r) => features.map((f) => (f === 'avg_basket' ? (r[f] as number) * spec.scale : (r[f] as FeatureValue))));
      const batch: SampleBatch = { view, version, features, rows: sampled, served: sampled.length, from: '2026-11-25T11:59:00Z', to: '2026-11-25T12:00:00Z' };
      return [batch];
    },
  };
}

it('measures a canary candidate as well as the stable version, and only the candidate drifts', async () => {
  const deps = memoryDeps();
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 600, { activate: true }), 'body'));
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 600, { validation: { enforce: 'warn' } }), 'body'));
  await activateVersion(deps, 'a', 'v', parse(ActivateRequestSchema, { version: 2, strategy: 'canary', percent: 20 }, 'body'));

  const { measured, skipped } = await measureDrift(deps, samplesOf({ 1: { seed: 1, scale: 1 }, 2: { seed: 1, scale: 100 } }), { windowMs: 300_000 });

  expect(skipped).toEqual([]);
  expect(measured.map((m) => m.version).sort()).toEqual([1, 2]);
  const stable = measured.find((m) => m.version === 1)!;
  const candidate = measured.find((m) => m.version === 2)!;
  expect(stable.max.psi!).toBeLessThan(0.01);
  expect(candidate.max.psi!).toBeGreaterThan(1);
  expect(candidate.features.avg_basket!.psi!).toBe(candidate.max.psi);
});
