/** Blast radius (issue 12, item 7) over the in-memory adapters: served windows from the history, consumers, artifacts. */
import { blastRadius, blastRadiusMarkdown, servedWindows } from '../../core/blast-radius';
import { deployVersion } from '../../core/deploy';
import type { Measurement, MeasurementLog } from '../../core/measurements';
import { activateVersion, promoteCandidate, rollbackView, setFeatureDisabled } from '../../core/pointer-changes';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

async function story() {
  let now = T0;
  const deps = memoryDeps(() => new Date(now));
  const at = (ms: number) => (now = T0 + ms);
  const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 10, extra), 'body');
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(2, { consumers: ['churn-model', 'ltv-model'] }));
  at(1_000);
  await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10 });
  at(2_000);
  await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 40 });
  at(3_000);
  await setFeatureDisabled(deps, 'dev', 'v', 'age', true, { reason: 'same share, still served' });
  at(4_000);
  await promoteCandidate(deps, 'dev', 'v', { reason: 'clean' });
  at(5_000);
  await rollbackView(deps, 'dev', 'v', { reason: 'drift after promotion' });
  at(9_000);
  return deps;
}

it('finds each window a version was served in, with its role and share, merged across changes that kept them', async () => {
  const deps = await story();
  const oldestFirst = (await deps.pointers.history('v', 100)).reverse();
  expect(servedWindows(oldestFirst, 2)).toEqual([
    { from: iso(1_000), to: iso(2_000), role: 'canary', percent: 10, openedBy: 2, closedBy: 3 },
    { from: iso(2_000), to: iso(4_000), role: 'canary', percent: 40, openedBy: 3, closedBy: 5 },
    { from: iso(4_000), to: iso(5_000), role: 'stable', percent: 100, openedBy: 5, closedBy: 6 },
  ]);
  expect(servedWindows(oldestFirst, 1)).toEqual([
    { from: iso(0), to: iso(1_000), role: 'stable', percent: 100, openedBy: 1, closedBy: 2 },
    { from: iso(1_000), to: iso(2_000), role: 'stable', percent: 90, openedBy: 2, closedBy: 3 },
    { from: iso(2_000), to: iso(4_000), role: 'stable', percent: 60, openedBy: 3, closedBy: 5 },
    { from: iso(5_000), to: null, role: 'stable', percent: 100, openedBy: 6, closedBy: null },
  ]);
});

it('reports consumers, the sampled requests the monitor measured in those windows, and renders Markdown', async () => {
  const deps = await story();
  const records: Measurement[] = [
    { view: 'v', version: 2, statistic: 'psi', value: 0.1, from: iso(1_500), to: iso(1_510), samples: 40 },
    { view: 'v', version: 2, statistic: 'nullRateIncrease', value: 0, from: iso(1_500), to: iso(1_510), samples: 38 },
    { view: 'v', version: 2, statistic: 'psi', value: 0.2, from: iso(4_500), to: iso(4_510), samples: 100 },
  ];
  const log: MeasurementLog = { record: async () => undefined, between: async (view, version, since, until) => records.filter((m) => m.view === view && m.version === version && m.from >= since && m.from <= until) };
  const report = await blastRadius(deps, log, 'v', 2, new Date(T0 + 9_000));
  expect(report.consumers).toEqual([
    { model: 'churn-model', features: 'all' },
    { model: 'ltv-model', features: 'all' },
  ]);
  expect(report.requests.sampled).toBe(140);
  expect(report.truncated).toBe(false);
  const md = blastRadiusMarkdown(report);
  expect(md).toContain('## Blast radius of v v2');
  expect(md).toContain(`| ${iso(2_000)} | ${iso(4_000)} | canary | 40 % | 3 → 5 |`);
  expect(md).toContain('**Models consuming it:** churn-model (all features); ltv-model (all features)');
  expect((await blastRadius(deps, undefined, 'v', 2, new Date())).requests).toMatchObject({ sampled: 0, method: expect.stringMatching(/^not measured/) });
});

it('says so for a version never served, and refuses an unknown one', async () => {
  const deps = await story();
  await deployVersion(deps, 'dev', 'v', parse(DeployRequestSchema, deployBody(3, 10), 'body'));
  expect((await blastRadius(deps, undefined, 'v', 3, new Date())).windows).toEqual([]);
  await expect(blastRadius(deps, undefined, 'v', 9, new Date())).rejects.toThrow(/version 9/);
});
