/** Lineage (issue 12, item 4) over the in-memory adapters: sources → versions → views → models. */
import { deployVersion } from '../../core/deploy';
import { modelLineage, sourceLineage, viewLineage } from '../../core/lineage';
import { activateVersion } from '../../core/pointer-changes';
import { DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 5, extra), 'body');
const events = { uri: 's3://lake/events/2026-11-24', checksum: 'sha256:aaa' };
const eventsFixed = { uri: 's3://lake/events/2026-11-24', checksum: 'sha256:bbb' };
const crm = { uri: 's3://lake/crm/accounts' };

async function graph() {
  const deps = memoryDeps();
  await deployVersion(deps, 'dev', 'profile', request(1, { sources: [events, crm], consumers: ['churn'], transformation: { kind: 'sql', ref: 'jobs/profile.sql', code: 'select 1' }, activate: true }));
  await deployVersion(deps, 'dev', 'profile', request(2, { sources: [eventsFixed, crm], consumers: ['churn', { name: 'ltv', features: ['age'] }] }));
  await activateVersion(deps, 'dev', 'profile', { version: 2, strategy: 'canary', percent: 10 });
  await deployVersion(deps, 'dev', 'basket', request(3, { sources: [crm], consumers: ['ltv'], activate: true }));
  await deployVersion(deps, 'dev', 'unrelated', request(4, { sources: [{ uri: 's3://lake/other' }], consumers: ['fraud'], activate: true }));
  return deps;
}

it('a source: every version that read it (with the checksum it read), which are served now, and the models they feed', async () => {
  const deps = await graph();
  const lineage = await sourceLineage(deps, events.uri);
  expect(lineage.source).toEqual({ uri: events.uri, checksums: ['sha256:aaa', 'sha256:bbb'] });
  expect(lineage.versions).toEqual([
    { view: 'profile', version: 1, served: 'stable', checksum: 'sha256:aaa', consumers: ['churn'] },
    { view: 'profile', version: 2, served: 'candidate', checksum: 'sha256:bbb', consumers: ['churn', 'ltv'] },
  ]);
  expect(lineage.models).toEqual(['churn', 'ltv']);
  expect((await sourceLineage(deps, crm.uri)).servedNow.map((s) => s.view).sort()).toEqual(['basket', 'profile', 'profile']);
  // A source nobody read is a fact, not an error.
  expect(await sourceLineage(deps, 's3://nobody/read/this')).toEqual({ source: { uri: 's3://nobody/read/this', checksums: [] }, versions: [], servedNow: [], models: [] });
});

it('a view: upstream and downstream per version, the transformation without its code', async () => {
  const deps = await graph();
  const lineage = await viewLineage(deps, 'profile');
  expect(lineage.versions.map((v) => [v.version, v.served, v.joinKey])).toEqual([
    [1, 'stable', 'user_id'],
    [2, 'candidate', 'user_id'],
  ]);
  expect(lineage.versions[0]!.upstream.transformation).toEqual({ kind: 'sql', ref: 'jobs/profile.sql', codeSha256: expect.any(String) });
  expect(lineage.versions[1]!.downstream.models).toEqual(['churn', 'ltv']);
  await expect(viewLineage(deps, 'nope')).rejects.toThrow(/does not exist/);
});

it('a model: the views and versions it consumes, and the sources of what it is served now', async () => {
  const deps = await graph();
  const lineage = await modelLineage(deps, 'ltv');
  expect(lineage.versions.map((v) => [v.view, v.version, v.served])).toEqual([
    ['basket', 1, 'stable'],
    ['profile', 2, 'candidate'],
  ]);
  expect(lineage.sources).toEqual([crm.uri, events.uri]);
  expect((await modelLineage(deps, 'nobody')).versions).toEqual([]);
});
