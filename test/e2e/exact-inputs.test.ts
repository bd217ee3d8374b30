/**
 * Issue 10 findings 5 and 8 through HTTP: roles are matched exactly (no splitting, no
 * prototype lookups), a version path is one canonical decimal, a deploy cannot name another
 * view's snapshot, and a pointer change that names no expectedRevision is not refused for
 * losing a race to a concurrent one.
 */
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type Reply, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let admin: Caller;
let dev: Caller;
let view: string;

beforeAll(async () => {
  rewind = await startTestRewind('exact');
  view = rewind.view('exact');
  admin = await rewind.as('root', ['admin'], { mfa: true });
  dev = await rewind.as('dev', ['deployer']);
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 10, { activate: true }))).status).toBe(201);
  expect((await dev.post(`/views/${view}/versions`, deployBody(2, 10))).status).toBe(201);
});
afterAll(() => rewind.stop());

describe('roles are matched exactly', () => {
  const policyBody = async () => ({ document: (await admin.get('/policy')).body.document });

  it.each([
    ['one role named "not admin"', ['not admin']],
    ['one role named "viewer,admin"', ['viewer,admin']],
    ['one role named "[admin]"', ['[admin]']],
    ['one role named " admin"', [' admin']],
  ])('does not let a token with %s and MFA change the policy, and audits the refusal', async (_name, roles) => {
    const caller = await rewind.as(`split-${roles[0]!.replace(/\W/g, '_')}`, roles, { mfa: true });
    const reply = await caller.request('PUT', '/policy', await policyBody());
    expect(reply).toMatchObject({ status: 403, body: { error: { code: 'Forbidden' } } });
    const audit = await admin.get(`/audit?actor=${encodeURIComponent(caller.sub)}&limit=10`);
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: 'administer', outcome: 'denied', detail: expect.objectContaining({ roles }) }));
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers a token whose role is %s with a plain refusal on every kind of route, never a 500', async (role) => {
    const caller = await rewind.as(`proto-${role.replace(/\W/g, '_')}`, [role], { mfa: true });
    const replies: Reply[] = await Promise.all([
      caller.get('/views'),
      caller.get(`/online/${view}/u1`),
      caller.get('/policy'),
      caller.request('PUT', '/policy', await policyBody()),
      caller.post(`/views/${view}/rollback`, { reason: 'x' }),
      caller.post(`/policy/proposals/no-such/approve`, {}),
    ]);
    expect(replies.map((r) => [r.status, r.body.error?.code])).toEqual(replies.map(() => [403, 'Forbidden']));
  });

  it('still honours a real list of roles', async () => {
    const both = await rewind.as('both', ['viewer', 'admin'], { mfa: true });
    expect((await both.request('PUT', '/policy', await policyBody())).status).toBe(202);
  });
});

describe('a version in a path is a canonical decimal integer ≥ 1', () => {
  it.each(['0x2', '%202', '2%20', '02', '2.0', '1e0', '+2', '0', '-1', '%E2%80%8B2'])('refuses /versions/%s with 400 naming path.version', async (segment) => {
    const reply = await dev.get(`/views/${view}/versions/${segment}`);
    expect(reply).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'path.version' } } });
  });

  it('refuses a purge of /versions/0x2 before anything is written, and still serves version 2 at /versions/2', async () => {
    // Everything but the audit log, which records refusals.
    const state = async () => {
      const { tables, objects } = await rewind.dump();
      const { audit: _audit, auditHeads: _heads, ...rest } = tables;
      return { rest, objects };
    };
    const before = await state();
    expect(await dev.del(`/views/${view}/versions/0x2/online`)).toMatchObject({ status: 400, body: { error: { field: 'path.version' } } });
    expect(await state()).toEqual(before);
    expect(await dev.get(`/views/${view}/versions/2`)).toMatchObject({ status: 200, body: { version: 2 } });
  });
});

describe("a deploy's snapshotUri", () => {
  it("may not name another view's snapshot (400 naming snapshotUri), nor reach one through . or .. segments; its own view's is fine", async () => {
    const other = rewind.view('exact_other');
    const theirs = await dev.post(`/views/${other}/versions`, deployBody(3, 10));
    expect(theirs.status).toBe(201);
    const theirUri: string = theirs.body.snapshot.uri;
    expect(theirUri).toContain(`/snapshots/${other}/`);

    const before = await dev.get(`/views/${view}/versions`);
    const stolen = await dev.post(`/views/${view}/versions`, { definition: deployBody(1).definition, snapshotUri: theirUri });
    expect(stolen).toMatchObject({ status: 400, body: { error: { code: 'ValidationError', field: 'snapshotUri' } } });
    expect(stolen.body.error.message).toContain(`a snapshot of view '${other}'`);
    const sneaky = theirUri.replace(`/snapshots/${other}/`, `/snapshots/${view}/../${other}/`);
    expect((await dev.post(`/views/${view}/versions`, { definition: deployBody(1).definition, snapshotUri: sneaky })).body.error).toMatchObject({ field: 'snapshotUri' });
    // Nothing was written: no version number taken.
    expect((await dev.get(`/views/${view}/versions`)).body).toEqual(before.body);

    const own = (await dev.get(`/views/${view}/versions/1`)).body.snapshot.uri as string;
    expect((await dev.post(`/views/${view}/versions`, { definition: deployBody(1).definition, snapshotUri: own })).status).toBe(201);
  });
});

describe('a pointer change without expectedRevision', () => {
  const FEATURES = ['age', 'country', 'avg_basket', 'is_premium'];

  it('is not refused for losing a race: concurrent kill switches are all made, each on the fresh state', async () => {
    const raced = rewind.view('exact_race');
    expect((await dev.post(`/views/${raced}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
    const start = (await dev.get(`/views/${raced}`)).body.pointer.revision as number;
    for (const to of ['disable', 'enable'] as const) {
      const replies = await Promise.all(FEATURES.map((f) => dev.post(`/views/${raced}/features/${f}/${to}`, { reason: `race ${to}` })));
      expect(replies.map((r) => [r.status, r.body.changed])).toEqual(FEATURES.map(() => [200, true]));
      const pointer = (await dev.get(`/views/${raced}`)).body.pointer;
      expect([...pointer.disabledFeatures].sort()).toEqual(to === 'disable' ? [...FEATURES].sort() : []);
    }
    // Each change is its own revision and history entry: none was lost or merged.
    expect((await dev.get(`/views/${raced}`)).body.pointer.revision).toBe(start + 2 * FEATURES.length);
    expect((await dev.get(`/views/${raced}/history?limit=100`)).body.history.filter((h: { action: string }) => h.action !== 'activate')).toHaveLength(2 * FEATURES.length);
  });

  it('keeps 409 for a stale expectedRevision: of concurrent changes naming the same revision, one wins', async () => {
    const raced = rewind.view('exact_stale');
    expect((await dev.post(`/views/${raced}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
    const revision = (await dev.get(`/views/${raced}`)).body.pointer.revision as number;
    const replies = await Promise.all(FEATURES.map((f) => dev.post(`/views/${raced}/features/${f}/disable`, { reason: 'race', expectedRevision: revision })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(['RevisionConflict', 'RevisionConflict', 'RevisionConflict']);
  });
});
