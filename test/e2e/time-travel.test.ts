/**
 * Time travel through HTTP and the CLI (issue 12, item 1), against DynamoDB Local and s3rver:
 * `GET /views/{view}/as-of?at=` answers the pointer each change set, at the instants the
 * history records, and the version records it named; bad instants are 400 naming `query.at`.
 */
import { run } from '../../cli/main';
import { deployBody } from '../support/fixtures';
import { ENV } from '../../contract/config';
import { eventually, purgeOnceUnread, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

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

describe('values as served at a time', () => {
  const entities = Array.from({ length: 12 }, (_, i) => `u${i}`);
  /** Live answers once every server serves `revision` (the cache bound has passed), and the instant they were read. */
  async function liveAt(view: string, revision: number) {
    const bound = Number(rewind.env[ENV.pointerCacheMs] ?? 1000);
    const changed = Date.parse((await deployer.get(`/views/${view}`)).body.pointer.updatedAt);
    expect((await deployer.get(`/views/${view}`)).body.pointer.revision).toBe(revision);
    await eventually(async () => Date.now(), (now) => now > changed + bound + 20, bound + 10_000);
    const answers = await Promise.all(entities.map((e) => deployer.get(`/online/${view}/${e}`)));
    return { at: new Date().toISOString(), bodies: answers.map((a) => a.body) };
  }

  it('GET /online/{view}/{entity}?at= answers what was served then: arm, kill switches, values; from the snapshot once purged', async () => {
    const view = rewind.view('tt_values');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 12, { activate: true }))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 12))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 50 })).status).toBe(200);
    expect((await deployer.post(`/views/${view}/features/age/disable`, { reason: 'zeros upstream' })).status).toBe(200);
    const duringCanary = await liveAt(view, 3);
    expect(new Set(duringCanary.bodies.map((b) => b.version))).toEqual(new Set([1, 2]));
    expect((await deployer.post(`/views/${view}/rollback`, { reason: 'candidate drifted' })).status).toBe(200);
    const afterRollback = await liveAt(view, 4);

    for (const moment of [duringCanary, afterRollback]) {
      const replayed = await Promise.all(entities.map((e) => deployer.get(`/online/${view}/${e}?at=${encodeURIComponent(moment.at)}`)));
      expect(replayed.map((r) => r.status)).toEqual(entities.map(() => 200));
      expect(replayed.map(({ body: { at: _a, revision: _r, servedFrom, ...served } }) => ({ ...served, servedFrom }))).toEqual(moment.bodies.map((b) => ({ ...b, servedFrom: 'online' })));
    }

    let stdout = '';
    const code = await run(['get', view, 'u3', '--at', afterRollback.at], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } as never, env: { REWIND_URL: rewind.url, REWIND_TOKEN: deployer.token } });
    expect(code).toBe(0);
    expect(stdout).toContain(`${view}/u3 from v1`);
    expect(stdout).toContain(`(as served at ${afterRollback.at}, pointer revision 4; values read from the online store)`);

    // v2 is no longer served: once purged, the canary's answers come from its verified snapshot.
    expect((await purgeOnceUnread(deployer, view, 2)).status).toBe(200);
    const fromSnapshot = await Promise.all(entities.map((e) => deployer.get(`/views/${view}/as-of/online/${e}?at=${encodeURIComponent(duringCanary.at)}`)));
    expect(fromSnapshot.map(({ body: { at: _a, revision: _r, servedFrom: _s, ...served } }) => served)).toEqual(duringCanary.bodies);
    expect(fromSnapshot.filter((r) => r.body.version === 2).map((r) => r.body.servedFrom)).toEqual(duringCanary.bodies.filter((b) => b.version === 2).map(() => 'snapshot'));
  });

  it('answers 404 NothingServed between the first deploy and the first activation, and 400 naming query.at for a bad instant', async () => {
    const view = rewind.view('tt_values_early');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 3))).status).toBe(201);
    const deployedAt = (await deployer.get(`/views/${view}/versions/1`)).body.createdAt as string;
    expect((await deployer.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);
    const activatedAt = Date.parse((await deployer.get(`/views/${view}`)).body.pointer.updatedAt);
    const between = new Date(Math.floor((Date.parse(deployedAt) + activatedAt) / 2)).toISOString();
    expect(Date.parse(between)).toBeLessThan(activatedAt);
    const early = await deployer.get(`/online/${view}/u1?at=${encodeURIComponent(between)}`);
    expect(early.status).toBe(404);
    expect(early.body.error.code).toBe('NothingServed');
    const bad = await deployer.get(`/online/${view}/u1?at=noon`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'ValidationError', field: 'query.at' });
  });
});

describe('blast radius', () => {
  it('reports the windows a version was served in, its consumers, as JSON, Markdown and from the CLI', async () => {
    const view = rewind.view('tt_blast');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 5, { consumers: ['churn-model'] }))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 20 })).status).toBe(200);
    expect((await deployer.post(`/views/${view}/rollback`, { reason: 'canary drifted' })).status).toBe(200);
    const history = ((await deployer.get(`/views/${view}/history`)).body.history as { revision: number; at: string }[]).reverse();

    const report = await deployer.get(`/views/${view}/versions/2/blast-radius`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      view,
      version: 2,
      windows: [{ from: history[1]!.at, to: history[2]!.at, role: 'canary', percent: 20, openedBy: 2, closedBy: 3 }],
      consumers: [{ model: 'churn-model', features: 'all' }],
      requests: { sampled: expect.any(Number), method: expect.any(String) },
      truncated: false,
    });

    const md = await fetch(`${rewind.url}/views/${view}/versions/2/blast-radius?format=md`, { headers: { authorization: `Bearer ${deployer.token}` } });
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await md.text()).toContain(`| ${history[1]!.at} | ${history[2]!.at} | canary | 20 % | 2 → 3 |`);

    let stdout = '';
    const code = await run(['blast-radius', view, '2'], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } as never, env: { REWIND_URL: rewind.url, REWIND_TOKEN: deployer.token } });
    expect(code).toBe(0);
    expect(stdout).toContain(`## Blast radius of ${view} v2`);
    expect(stdout).toContain('**Models consuming it:** churn-model (all features)');

    const bad = await deployer.get(`/views/${view}/versions/2/blast-radius?format=pdf`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('query.format');
    expect((await deployer.get(`/views/${view}/versions/9/blast-radius`)).status).toBe(404);
  });
});
