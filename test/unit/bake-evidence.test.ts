/** A bake promotes nothing on no evidence: minBakeSamples served samples since the trial started (issue 15 item 2). */
import { promoteBakedCandidates, type AlarmStatus } from '../../core/bake';
import { deployVersion } from '../../core/deploy';
import { activateVersion } from '../../core/pointer-changes';
import { ActivateRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import type { SampleBatch, SampleStore } from '../../core/sampling';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const quiet: AlarmStatus = { alarmsSince: async () => [] };

function samplesWith(rowsPerBatch: number, batches: number): Pick<SampleStore, 'recent'> & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    recent: async (view, version, since) => {
      asked.push(`${view}#${version}@${since}`);
      return Array.from({ length: batches }, (): SampleBatch => ({ view, version, features: ['age'], rows: Array.from({ length: rowsPerBatch }, () => [30]), served: rowsPerBatch, from: since, to: since }));
    },
  };
}

async function bakedCanary(minBakeSamples?: number) {
  let now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(1, 20, { activate: true }), 'body'));
  await deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, deployBody(2, 20, minBakeSamples === undefined ? {} : { validation: { monitor: { minBakeSamples } } }), 'body'));
  await activateVersion(deps, 'a', 'v', parse(ActivateRequestSchema, { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 600 }, 'body'));
  now = new Date('2026-11-25T12:11:00Z');
  return deps;
}

it('holds a baked canary that served fewer than minBakeSamples (default 750), saying so, and reads only since the trial started', async () => {
  const deps = await bakedCanary();
  const samples = samplesWith(100, 7);
  expect(await promoteBakedCandidates(deps, quiet, samples)).toEqual([
    { view: 'v', action: 'held', version: 2, why: '700 served samples since activation, fewer than minBakeSamples 750' },
  ]);
  expect(samples.asked).toEqual(['v#2@2026-11-25T12:00:00.000Z']);
  expect((await deps.pointers.getPointer('v'))!.stable).toBe(1);
});

it('promotes once the evidence is there', async () => {
  const deps = await bakedCanary();
  expect(await promoteBakedCandidates(deps, quiet, samplesWith(100, 8))).toEqual([expect.objectContaining({ view: 'v', action: 'promoted', version: 2 })]);
  expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
});

it("follows the candidate's own policy", async () => {
  const deps = await bakedCanary(50);
  expect(await promoteBakedCandidates(deps, quiet, samplesWith(10, 5))).toEqual([expect.objectContaining({ action: 'promoted' })]);
});
