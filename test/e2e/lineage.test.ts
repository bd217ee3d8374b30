/**
 * Lineage through HTTP and the CLI (issue 12, item 4), against DynamoDB Local and s3rver:
 * sources → versions → views → models, from the version records and what is served now.
 */
import { runCli } from '../support/cli';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('lineage');
  deployer = await rewind.as('dev', ['deployer']);
});
afterAll(() => rewind.stop());

const cli = (argv: string[]) => runCli(rewind.url, deployer.token, argv);

it('answers who read a source, what is served from it now and which models it feeds; a view and a model the same way', async () => {
  const source = `s3://lake/${rewind.tag}/events`;
  const profile = rewind.view('lin_profile');
  const other = rewind.view('lin_other');
  const model = `churn-${rewind.tag}`;
  expect((await deployer.post(`/views/${profile}/versions`, deployBody(1, 5, { sources: [{ uri: source, checksum: 'sha256:aaa' }], consumers: [model], activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${profile}/versions`, deployBody(2, 5, { sources: [{ uri: `s3://lake/${rewind.tag}/fixed` }], consumers: [model] }))).status).toBe(201);
  expect((await deployer.post(`/views/${other}/versions`, deployBody(3, 5, { sources: [{ uri: `s3://lake/${rewind.tag}/other` }], activate: true }))).status).toBe(201);

  const bySource = await deployer.get(`/lineage/sources?uri=${encodeURIComponent(source)}`);
  expect(bySource.status).toBe(200);
  expect(bySource.body).toEqual({
    source: { uri: source, checksums: ['sha256:aaa'] },
    versions: [{ view: profile, version: 1, served: 'stable', checksum: 'sha256:aaa', consumers: [model] }],
    servedNow: [{ view: profile, version: 1, served: 'stable' }],
    models: [model],
  });
  // Nobody read it: an empty answer, not a 404.
  expect((await deployer.get(`/lineage/sources?uri=${encodeURIComponent('s3://nobody/' + rewind.tag)}`)).body.versions).toEqual([]);

  const byView = await deployer.get(`/lineage/views/${profile}`);
  expect(byView.body.versions.map((v: { version: number; served: string | null }) => [v.version, v.served])).toEqual([
    [1, 'stable'],
    [2, null],
  ]);
  expect((await deployer.get(`/lineage/views/${rewind.view('lin_none')}`)).status).toBe(404);

  const byModel = await deployer.get(`/lineage/models/${model}`);
  expect(byModel.body).toMatchObject({ model, servedNow: [{ view: profile, version: 1, served: 'stable' }], sources: [source] });
  expect(byModel.body.versions.map((v: { view: string }) => v.view)).toEqual([profile, profile]);

  const printed = await cli(['lineage', 'source', source]);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toMatch(new RegExp(`${profile}\\s+v1\\s+stable\\s+sha256:aaa\\s+${model}`));
  expect(printed.stdout).toContain(`served now feeds: ${model}`);
  expect((await cli(['lineage', 'table', 'x'])).code).toBe(2);
});

it('refuses a source query without a uri, naming query.uri', async () => {
  const reply = await deployer.get('/lineage/sources');
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'ValidationError', field: 'query.uri' });
});
