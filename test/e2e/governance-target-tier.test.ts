/**
 * Issue 10 finding 4: a rollback is judged at the tier of the version the pointer will serve
 * after it, whatever the request names. Critical v1, standard v2 active: rolling back with
 * `{ reason }` alone lands on critical v1 exactly as `{ toVersion: 1 }` does, so both need MFA,
 * and a break-glass reason without MFA is refused too. Each refusal is audited and writes
 * nothing else.
 */
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller; // deployer with MFA
let devNoMfa: Caller;
let ann: Caller; // approver with MFA
let rootNoMfa: Caller; // admin without MFA
let view: string;

beforeAll(async () => {
  rewind = await startTestRewind('governance-target-tier');
  view = rewind.view('mixed');
  dev = await rewind.as('dev', ['deployer'], { mfa: true });
  devNoMfa = await rewind.as('dev', ['deployer']);
  ann = await rewind.as('ann', ['approver'], { mfa: true });
  rootNoMfa = await rewind.as('root', ['admin']);
  // v1 critical, approved and active; v2 standard, active (moving off a critical version takes an approval too).
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 5, { definition: { ...deployBody(1).definition, tier: 'critical' } }))).status).toBe(201);
  expect((await ann.post(`/views/${view}/approvals`, { action: 'activate', version: 1, reason: 'first release' })).status).toBe(201);
  expect((await dev.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);
  expect((await dev.post(`/views/${view}/versions`, deployBody(2, 5))).status).toBe(201);
  expect((await ann.post(`/views/${view}/approvals`, { action: 'activate', version: 2, reason: 'standard v2' })).status).toBe(201);
  expect((await dev.post(`/views/${view}/activate`, { version: 2 })).status).toBe(200);
  // A usable rollback approval, so that MFA is the only thing missing.
  expect((await ann.post(`/views/${view}/approvals`, { action: 'rollback', reason: 'if v2 misbehaves' })).status).toBe(201);
});
afterAll(() => rewind.stop());

async function refusedWithoutWriting(caller: Caller, body: Record<string, unknown>): Promise<void> {
  const before = await rewind.dump();
  const reply = await caller.post(`/views/${view}/rollback`, body);
  expect(reply.status).toBe(403);
  expect(reply.body.error).toEqual({ code: 'MfaRequired', message: expect.stringMatching(/^rollback on a critical view needs a token with MFA/) });
  // Only the refusal's record is new: the audit chain is untouched (refusals are in the refusal log).
  expect(await rewind.dump()).toEqual(before);
  const denied = (await rootNoMfa.get(`/audit?view=${view}&actor=${encodeURIComponent(caller.sub)}&limit=1`)).body.entries[0];
  expect(denied).toMatchObject({ outcome: 'denied', action: 'rollback', detail: { code: 'MfaRequired', mfa: false } });
}

it('refuses a rollback without MFA that names the critical target', async () => {
  await refusedWithoutWriting(devNoMfa, { toVersion: 1, reason: 'v2 is bad' });
});

it('refuses a rollback without MFA that lands on the critical version without naming it', async () => {
  await refusedWithoutWriting(devNoMfa, { reason: 'v2 is bad' });
});

it("refuses an admin's break-glass rollback without MFA onto the critical version", async () => {
  await refusedWithoutWriting(rootNoMfa, { reason: 'v2 is bad', breakGlassReason: 'approver unreachable' });
});

it('lets the same rollback through with MFA and the approval, onto v1', async () => {
  const done = await dev.post(`/views/${view}/rollback`, { reason: 'v2 is bad' });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ changed: true, toVersion: 1, approvalId: expect.any(String) });
});
