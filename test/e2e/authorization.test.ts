/**
 * Every role against every route, on a standard-tier view with a token without MFA: allowed
 * where the policy in force says so, 403 otherwise, and every refusal is in the audit log with
 * the caller's sub. (Tiers and MFA: test/e2e/governance-matrix.test.ts.)
 *
 * The policy is global and may have been changed on a shared stack, so what each role may do
 * is computed from the document GET /policy returns, not from DEFAULT_POLICY.
 */
import { ROUTES, type RouteSpec } from '../../contract/routes';
import { decide, ROLES, type PolicyDocument } from '../../core/access-policy';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let admin: Caller;
let view: string;
let policy: PolicyDocument;

beforeAll(async () => {
  rewind = await startTestRewind('authz');
  view = rewind.view('guarded');
  admin = await rewind.as('root', ['admin']);
  const inForce = await admin.get('/policy');
  expect(inForce.status).toBe(200);
  policy = inForce.body.document;
  await admin.post(`/views/${view}/versions`, deployBody(1, 3, { activate: true }));
  await admin.post(`/views/${view}/versions`, deployBody(2, 3, { activate: true }));
});
afterAll(() => rewind.stop());

/** A request each route accepts (or refuses for a reason other than authorization). */
function sample(route: RouteSpec): { path: string; body?: unknown } {
  const path = route.path.replace('{view}', view).replace('{version}', '1').replace('{entity}', 'u1').replace('{feature}', 'age').replace('{id}', route.path.startsWith('/jobs/') ? '00000000-0000-4000-8000-000000000000' : 'no-such-proposal');
  switch (route.handler) {
    case 'deploy-version':
      return { path, body: deployBody(3, 3) };
    case 'activate':
      return { path, body: { version: 2 } };
    case 'rollback':
      return { path, body: { toVersion: 2, reason: 'matrix' } };
    case 'create-upload':
      return { path, body: { fileName: 'data.csv' } };
    case 'disable-feature':
    case 'enable-feature':
      return { path, body: { reason: 'matrix' } };
    case 'create-approval':
      return { path, body: { action: 'rollback' } };
    case 'put-policy':
      // The document in force, so that even a wrongly allowed change would change nothing.
      return { path, body: { document: policy } };
    default:
      return { path, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} };
  }
}

const matrix = ROUTES.flatMap((route) => [...ROLES, 'none' as const].map((role) => [role, route] as const));

describe.each(matrix)('%s → %o', (role, route) => {
  // Test names are fixed before the policy can be read, so they name the rule, not the outcome.
  it('is allowed where the policy in force says so, else refused with 403 and audited', async () => {
    const caller = await rewind.as(`${role}-${route.handler}`, role === 'none' ? [] : [role]);
    const allowed = role !== 'none' && decide(policy, { sub: caller.sub, roles: [role] }, route.action, 'standard').allowed;
    const { path, body } = sample(route);
    const reply = await caller.request(route.method, path, body);
    if (allowed) {
      expect([401, 403]).not.toContain(reply.status);
      expect(reply.status).toBeLessThan(500);
    } else {
      expect(reply.status).toBe(403);
      // Forbidden by role; changing the policy (or approving a change) also needs MFA, which these tokens lack.
      const mfaOnly = (route.action === 'administer' && role === 'admin') || (route.action === 'approve-policy' && (role === 'admin' || role === 'approver'));
      expect(reply.body.error.code).toBe(mfaOnly ? 'MfaRequired' : 'Forbidden');
      // The shared log holds other suites' entries: look in this view's chain, or by this caller.
      const audit = await admin.get(`/audit?limit=1000&${path.includes(view) ? `view=${view}` : `actor=${encodeURIComponent(caller.sub)}`}`);
      expect(audit.body.entries).toContainEqual(expect.objectContaining({ actor: caller.sub, action: route.action, outcome: 'denied' }));
    }
  });
});

it('keeps the audit chain verifiable after all of the above', async () => {
  expect((await admin.get('/audit/verify')).body.ok).toBe(true);
});
