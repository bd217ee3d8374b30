/**
 * The whole matrix: role × tier × action × MFA, through HTTP. Every cell is checked against
 * the policy in force (GET /policy: the default on a fresh Rewind, whatever an admin stored on
 * a shared stack), read with `decide` (roles first, then MFA), every refusal must say which
 * rule refused it (Forbidden or MfaRequired), and every refusal must be in the audit log under
 * the caller's name; no allowed request may leave a refusal there.
 */
import { DEFAULT_POLICY, decide, ROLES, type PolicyDocument } from '../../core/access-policy';
import type { Tier } from '../../core/model';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type Reply, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let VIEW: Record<Tier, string>;
/** The policy document in force when the suite starts: what every cell is judged by. */
let policy: PolicyDocument;
const criticalBody = (seed: number, extra = {}) => deployBody(seed, 10, { definition: { ...deployBody(seed).definition, tier: 'critical' }, ...extra });

beforeAll(async () => {
  rewind = await startTestRewind('matrix');
  VIEW = { standard: rewind.view('matrix_std'), critical: rewind.view('matrix_crit') };
  const admin = await rewind.as('root', ['admin'], { mfa: true });
  const approver = await rewind.as('ann', ['approver'], { mfa: true });
  expect((await admin.post(`/views/${VIEW.standard}/versions`, deployBody(1, 10, { activate: true }))).status).toBe(201);
  expect((await admin.post(`/views/${VIEW.critical}/versions`, criticalBody(1))).status).toBe(201);
  expect((await approver.post(`/views/${VIEW.critical}/approvals`, { version: 1 })).status).toBe(201);
  expect((await admin.post(`/views/${VIEW.critical}/activate`, { version: 1 })).status).toBe(200);
  const inForce = await admin.get('/policy');
  expect(inForce.status).toBe(200);
  policy = inForce.body.document;
});
afterAll(() => rewind.stop());

type Action = 'read' | 'deploy' | 'activate' | 'promote' | 'rollback' | 'disable' | 'enable' | 'approve' | 'purge' | 'upload' | 'break-glass' | 'administer';

/** One request per action; each is harmless when allowed (no-ops, or refused later for another reason than authorization). */
function requestFor(action: Action, tier: Tier): { method: string; path: string; body?: unknown; viewScoped: boolean; actions: Action[] } {
  const v = VIEW[tier];
  const one = (method: string, path: string, body?: unknown) => ({ method, path, body, viewScoped: true, actions: [action] });
  switch (action) {
    case 'read':
      return one('GET', `/views/${v}`);
    case 'deploy':
      // Plan runs the deploy's checks and writes nothing.
      return one('POST', `/views/${v}/plan`, tier === 'critical' ? criticalBody(2) : deployBody(2, 10));
    case 'activate':
      return one('POST', `/views/${v}/activate`, { version: 1 }); // already active: nothing changes
    case 'promote':
      return one('POST', `/views/${v}/promote`, {}); // no candidate: 409 once allowed
    case 'rollback':
      return one('POST', `/views/${v}/rollback`, { toVersion: 1, reason: 'matrix' }); // already there
    case 'disable':
      return one('POST', `/views/${v}/features/age/disable`, { reason: 'matrix' });
    case 'enable':
      return one('POST', `/views/${v}/features/age/enable`, { reason: 'matrix' });
    case 'approve':
      return one('POST', `/views/${v}/approvals`, { action: 'rollback', reason: 'matrix' });
    case 'purge':
      return one('DELETE', `/views/${v}/versions/1/online`); // the served version: 409 once allowed
    case 'upload':
      return { method: 'POST', path: '/uploads', body: { fileName: 'data.csv' }, viewScoped: false, actions: ['upload'] };
    case 'break-glass':
      // A rollback without an approval: needs `rollback` and `break-glass`.
      return { ...one('POST', `/views/${v}/rollback`, { toVersion: 1, reason: 'matrix', breakGlassReason: 'matrix' }), actions: ['rollback', 'break-glass'] };
    case 'administer':
      // The document in force, put back as it is: allowed, it changes nothing anyone can see.
      return { method: 'PUT', path: '/policy', body: { document: policy }, viewScoped: false, actions: ['administer'] };
  }
}

/** What `document` says of a request needing `actions`, in order: the first action refused is the one audited. */
function expected(document: PolicyDocument, role: string, tier: Tier, actions: Action[], mfa: boolean): { allowed: true } | { allowed: false; code: string; action: Action } {
  const principal = { sub: 'matrix', roles: role === 'none' ? [] : [role], ...(mfa ? { amr: ['mfa'] } : {}) };
  for (const action of actions) {
    const decision = decide(document, principal, action, tier);
    if (!decision.allowed) return { allowed: false, code: decision.code, action };
  }
  return { allowed: true };
}

/** The actions whose requests name no view (requestFor: viewScoped false). */
const VIEWLESS: Action[] = ['upload', 'administer'];
const ACTIONS: Action[] = ['read', 'deploy', 'activate', 'promote', 'rollback', 'disable', 'enable', 'approve', 'purge', 'upload', 'break-glass', 'administer'];
const cases = ACTIONS.flatMap((action) =>
  (['standard', 'critical'] as Tier[])
    // Uploads and the policy belong to no view: they have no tier (judged as standard).
    .filter((tier) => !VIEWLESS.includes(action) || tier === 'standard')
    .flatMap((tier) => [...ROLES, 'none'].flatMap((role) => [false, true].map((mfa) => ({ action, tier, role, mfa })))),
);

it('pins what the default policy says for the cells a release engineer asks about first', () => {
  const of = (...args: [string, Tier, Action[], boolean]) => expected(DEFAULT_POLICY, ...args);
  expect(of('deployer', 'critical', ['activate'], false)).toMatchObject({ allowed: false, code: 'MfaRequired' });
  expect(of('deployer', 'critical', ['activate'], true)).toEqual({ allowed: true });
  expect(of('deployer', 'critical', ['purge'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(of('deployer', 'standard', ['rollback', 'break-glass'], true)).toMatchObject({ allowed: false, action: 'break-glass' });
  expect(of('approver', 'critical', ['approve'], false)).toMatchObject({ allowed: false, code: 'MfaRequired' });
  expect(of('admin', 'critical', ['approve'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(of('viewer', 'critical', ['read'], false)).toEqual({ allowed: true });
  // Changing the policy is an admin's with MFA, whatever the document says.
  expect(of('admin', 'standard', ['administer'], false)).toMatchObject({ allowed: false, code: 'MfaRequired' });
  expect(of('deployer', 'standard', ['administer'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(of('none', 'standard', ['read'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(cases.length).toBe(10 * 2 * 5 * 2 + 2 * 1 * 5 * 2);
});

it(`answers all ${cases.length} cells of role × tier × action × MFA as the policy says, and audits every refusal`, async () => {
  // `cell` names the cell; `sub` is what its caller's token carries (and the audit log records).
  const results: { sub: string; cell: string; viewScoped: boolean; want: ReturnType<typeof expected>; reply: Reply }[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const caller: Caller = await rewind.as(`${c.role}.${c.tier}.${c.action}.${c.mfa ? 'mfa' : 'pwd'}`, c.role === 'none' ? [] : [c.role], { mfa: c.mfa });
      const request = requestFor(c.action, c.tier);
      const reply = await caller.request(request.method, request.path, request.body);
      results.push({
        sub: caller.sub,
        cell: `${c.role} × ${c.tier} × ${c.action} × ${c.mfa ? 'mfa' : 'no mfa'}`,
        viewScoped: request.viewScoped,
        want: expected(policy, c.role, c.tier, request.actions, c.mfa),
        reply,
      });
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  expect(ACTIONS.filter((action) => !requestFor(action, 'standard').viewScoped)).toEqual(VIEWLESS);
  expect(new Set(results.map((r) => r.sub)).size).toBe(cases.length);

  const wrong = results
    .filter(({ want, reply }) =>
      want.allowed ? reply.status === 401 || reply.status === 403 || reply.status >= 500 : reply.status !== 403 || reply.body?.error?.code !== want.code,
    )
    .map(({ cell, want, reply }) => `${cell}: wanted ${want.allowed ? 'allowed' : want.code}, got ${reply.status} ${JSON.stringify(reply.body?.error ?? reply.body)}`);
  expect(wrong).toEqual([]);

  // An MFA refusal says so in words.
  const mfaRefusal = results.find((r) => !r.want.allowed && r.want.code === 'MfaRequired')!;
  expect(mfaRefusal.reply.body.error.message).toMatch(/needs a token with MFA/);

  // The log may be shared: read the two views' chains whole, and the view-less cells
  // (uploads, the policy) by their callers' subs, each unique to its cell.
  const admin = await rewind.as('auditor', ['admin']);
  type Entry = { actor: string; action: string; outcome: string; detail?: { code?: string } };
  const read = async (query: string): Promise<Entry[]> => {
    const reply = await admin.get(`/audit?${query}&limit=1000`);
    expect(reply.status).toBe(200);
    return reply.body.entries;
  };
  const audit = [
    ...(await Promise.all(Object.values(VIEW).map((v) => read(`view=${v}`)))).flat(),
    ...(await Promise.all(results.filter((r) => !r.viewScoped).map((r) => read(`actor=${encodeURIComponent(r.sub)}`)))).flat(),
  ];
  const denied = new Map(audit.filter((e) => e.outcome === 'denied').map((e) => [e.actor, e]));
  const unaudited = results.filter((r) => !r.want.allowed && !denied.has(r.sub)).map((r) => r.cell);
  expect(unaudited).toEqual([]);
  for (const r of results.filter((x) => !x.want.allowed)) {
    const want = r.want as { action: Action; code: string };
    expect({ cell: r.cell, action: denied.get(r.sub)!.action, code: denied.get(r.sub)!.detail?.code }).toEqual({ cell: r.cell, action: want.action, code: want.code });
  }
  const spurious = results.filter((r) => r.want.allowed && denied.has(r.sub)).map((r) => r.cell);
  expect(spurious).toEqual([]);
  expect(results.filter((r) => r.want.allowed).length).toBeGreaterThan(40);
  expect((await admin.get('/audit/verify')).body.ok).toBe(true);
});
