/**
 * Time travel through HTTP and the CLI (issue 12, item 1), against DynamoDB Local and s3rver:
 * `GET /views/{view}/as-of?at=` answers the pointer each change set, at the instants the
 * history records, and the version records it named; bad instants are 400 naming `query.at`.
 */
import { run } from '../../cli/main';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('time-travel');
  deployer = await rewind.as('dev', ['deployer']);
});
afterAll(() => rewind.stop());

const asOf = (view: string, at: string) => deployer.get(`/views/${view}/as-of?at=${encodeURIComponent(at)}`);
const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

it('answers, for every change in the history, the pointer it set, from its instant until the next change', async () => {
  const view = rewind.view('tt');
  const v1 = await deployer.post(`/views/${view}/versions`, deployBody(1, 10));
  expect(v1.status).toBe(201);
  expect((await deployer.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 10))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 25 })).status).toBe(200);
  expect((await deployer.post(`/views/${view}/features/age/disable`, { reason: 'zeros upstream' })).status).toBe(200);
  expect((await deployer.post(`/views/${view}/rollback`, { reason: 'candidate drifted' })).status).toBe(200);
  const history = ((await deployer.get(`/views/${view}/history`)).body.history as { revision: number; at: string; after: unknown }[]).reverse();
  expect(history.map((h) => h.revision)).toEqual([1, 2, 3, 4]);

  for (const [i, entry] of history.entries()) {
    const reply = await asOf(view, entry.at);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ view, pointer: entry.after, setBy: { revision: entry.revision } });
    // Just before it: the one before (or, before the first activation, nothing served).
    const earlier = await asOf(view, before(entry.at));
    if (i === 0) expect(earlier.body).toMatchObject({ pointer: null, setBy: null, versions: [] });
    else if (Date.parse(history[i - 1]!.at) < Date.parse(entry.at)) expect(earlier.body.setBy.revision).toBe(history[i - 1]!.revision);
  }
  // The canary's instant names both records, with what they were built from.
  const canary = await asOf(view, history[1]!.at);
  expect(canary.body.pointer.candidate).toMatchObject({ version: 2, strategy: 'canary', percent: 25 });
  expect(canary.body.versions.map((r: { version: number }) => r.version)).toEqual([1, 2]);
  expect(canary.body.versions[0]).toMatchObject({ view, version: 1, snapshot: v1.body.snapshot, definition: expect.objectContaining({ features: expect.any(Array) }) });

  // The same from the CLI.
  let stdout = '';
  const code = await run(['as-of', view, history[2]!.at], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } as never, env: { REWIND_URL: rewind.url, REWIND_TOKEN: deployer.token } });
  expect(code).toBe(0);
  expect(stdout).toContain(`${view} at ${history[2]!.at}: serving v1 · candidate v2 (canary 25%) · revision 3`);
  expect(stdout).toContain('disabled: age');
});

it('answers 404 saying when the view was first deployed, for an instant before it', async () => {
  const view = rewind.view('tt_young');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
  const { createdAt } = (await deployer.get(`/views/${view}/versions/1`)).body;
  const reply = await asOf(view, '2020-01-01T00:00:00Z');
  expect(reply.status).toBe(404);
  expect(reply.body.error).toEqual({ code: 'BeforeFirstDeploy', message: `view '${view}' did not exist at 2020-01-01T00:00:00Z: it was first deployed at ${createdAt}` });
  expect((await asOf(rewind.view('tt_never'), '2020-01-01T00:00:00Z')).status).toBe(404);
});

it.each([
  ['malformed', 'yesterday'],
  ['without a time zone', '2026-11-30T02:14:00'],
  ['in the future', '2999-01-01T00:00:00Z'],
])('refuses an instant %s with 400 naming query.at, writing nothing', async (_what, at) => {
  const view = rewind.view('tt_bad');
  await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }));
  const before = await rewind.dump();
  const reply = await asOf(view, at);
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'ValidationError', field: 'query.at' });
  expect(await rewind.dump()).toEqual(before);
});

it('needs the at parameter', async () => {
  const view = rewind.view('tt_missing');
  await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }));
  const reply = await deployer.get(`/views/${view}/as-of`);
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ field: 'query.at', message: 'query.at: is required' });
});
