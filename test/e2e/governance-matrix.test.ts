/**
 * The whole matrix: role × tier × action × MFA, through HTTP. Every cell is checked against
 * the default policy document (read as data here: grants per tier, then MFA per tier), every
 * refusal must say which rule refused it (Forbidden or MfaRequired), and every refusal must
 * be in the audit log under the caller's name; no allowed request may leave a refusal there.
 */
import { DEFAULT_POLICY, ROLES } from '../../core/policy';
import type { Tier } from '../../core/model';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type Reply, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
const VIEW: Record<Tier, string> = { standard: 'matrix_std', critical: 'matrix_crit' };
const criticalBody = (seed: number, extra = {}) => deployBody(seed, 10, { definition: { ...deployBody(seed).definition, tier: 'critical' }, ...extra });

beforeAll(async () => {
  rewind = await startTestRewind('matrix');
  const admin = await rewind.as('root', ['admin'], { mfa: true });
  const approver = await rewind.as('ann', ['approver'], { mfa: true });
  expect((await admin.post(`/views/${VIEW.standard}/versions`, deployBody(1, 10, { activate: true }))).status).toBe(201);
  expect((await admin.post(`/views/${VIEW.critical}/versions`, criticalBody(1))).status).toBe(201);
  expect((await approver.post(`/views/${VIEW.critical}/approvals`, { version: 1 })).status).toBe(201);
  expect((await admin.post(`/views/${VIEW.critical}/activate`, { version: 1 })).status).toBe(200);
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
      return { method: 'PUT', path: '/policy', body: { document: DEFAULT_POLICY }, viewScoped: false, actions: ['administer'] };
  }
}

/** The policy, read as data: roles first, then MFA; the first action refused is the one audited. */
function expected(role: string, tier: Tier, actions: Action[], mfa: boolean): { allowed: true } | { allowed: false; code: string; action: Action } {
  for (const action of actions) {
    if (action === 'administer') {
      if (role !== 'admin') return { allowed: false, code: 'Forbidden', action };
      if (!mfa) return { allowed: false, code: 'MfaRequired', action };
      continue;
    }
    const rules = DEFAULT_POLICY.tiers[tier];
    if (!(rules.grants[role] ?? []).includes(action)) return { allowed: false, code: 'Forbidden', action };
    if (rules.mfa.includes(action) && !mfa) return { allowed: false, code: 'MfaRequired', action };
  }
  return { allowed: true };
}

const ACTIONS: Action[] = ['read', 'deploy', 'activate', 'promote', 'rollback', 'disable', 'enable', 'approve', 'purge', 'upload', 'break-glass', 'administer'];
const cases = ACTIONS.flatMap((action) =>
  (['standard', 'critical'] as Tier[])
    // Uploads and the policy belong to no view: they have no tier (judged as standard).
    .filter((tier) => requestFor(action, tier).viewScoped || tier === 'standard')
    .flatMap((tier) => [...ROLES, 'none'].flatMap((role) => [false, true].map((mfa) => ({ action, tier, role, mfa })))),
);

it('pins what the default policy says for the cells a release engineer asks about first', () => {
  expect(expected('deployer', 'critical', ['activate'], false)).toMatchObject({ allowed: false, code: 'MfaRequired' });
  expect(expected('deployer', 'critical', ['activate'], true)).toEqual({ allowed: true });
  expect(expected('deployer', 'critical', ['purge'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(expected('deployer', 'standard', ['rollback', 'break-glass'], true)).toMatchObject({ allowed: false, action: 'break-glass' });
  expect(expected('approver', 'critical', ['approve'], false)).toMatchObject({ allowed: false, code: 'MfaRequired' });
  expect(expected('admin', 'critical', ['approve'], true)).toMatchObject({ allowed: false, code: 'Forbidden' });
  expect(expected('viewer', 'critical', ['read'], false)).toEqual({ allowed: true });
  expect(cases.length).toBe(10 * 2 * 5 * 2 + 2 * 1 * 5 * 2);
});

it(`answers all ${cases.length} cells of role × tier × action × MFA as the policy says, and audits every refusal`, async () => {
  const results: { sub: string; cell: string; want: ReturnType<typeof expected>; reply: Reply }[] = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const sub = `${c.role}.${c.tier}.${c.action}.${c.mfa ? 'mfa' : 'pwd'}`;
      const caller: Caller = await rewind.as(sub, c.role === 'none' ? [] : [c.role], { mfa: c.mfa });
      const request = requestFor(c.action, c.tier);
      const reply = await caller.request(request.method, request.path, request.body);
      results.push({ sub, cell: `${c.role} × ${c.tier} × ${c.action} × ${c.mfa ? 'mfa' : 'no mfa'}`, want: expected(c.role, c.tier, request.actions, c.mfa), reply });
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));

  const wrong = results
    .filter(({ want, reply }) =>
      want.allowed ? reply.status === 401 || reply.status === 403 || reply.status >= 500 : reply.status !== 403 || reply.body?.error?.code !== want.code,
    )
    .map(({ cell, want, reply }) => `${cell}: wanted ${want.allowed ? 'allowed' : want.code}, got ${reply.status} ${JSON.stringify(reply.body?.error ?? reply.body)}`);
  expect(wrong).toEqual([]);

  // An MFA refusal says so in words.
  const mfaRefusal = results.find((r) => !r.want.allowed && r.want.code === 'MfaRequired')!;
  expect(mfaRefusal.reply.body.error.message).toMatch(/needs a token with MFA/);

  const admin = await rewind.as('auditor', ['admin']);
  const audit = (await admin.get('/audit?limit=1000')).body.entries as { actor: string; action: string; outcome: string; detail?: { code?: string } }[];
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
