/**
 * Governance through HTTP: a critical view needs MFA for every change, a second person's
 * approval to activate, and an approval or an admin's break-glass reason to roll back by hand;
 * the policy document is read and replaced through the API, versioned and audited.
 */
import { DEFAULT_POLICY, type PolicyDocument } from '../../core/access-policy';
import { deployBody } from '../support/fixtures';
import { eventually, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller; // deployer with MFA
let devNoMfa: Caller;
let ann: Caller; // approver with MFA
let annNoMfa: Caller;
let root: Caller; // admin with MFA
let rootNoMfa: Caller;
let view: string;
const critical = (seed: number, extra = {}) => deployBody(seed, 10, { definition: { ...deployBody(seed).definition, tier: 'critical' }, ...extra });

beforeAll(async () => {
  rewind = await startTestRewind('governance');
  view = rewind.view('payments');
  dev = await rewind.as('dev', ['deployer'], { mfa: true });
  devNoMfa = await rewind.as('dev', ['deployer']);
  ann = await rewind.as('ann', ['approver'], { mfa: true });
  annNoMfa = await rewind.as('ann', ['approver']);
  root = await rewind.as('root', ['admin'], { mfa: true });
  rootNoMfa = await rewind.as('root', ['admin']);
});
afterAll(() => rewind.stop());

/** The newest entries recorded under `actor` (a caller's `sub`), whatever view they concern. */
async function auditOf(actor: string): Promise<any[]> {
  const reply = await rootNoMfa.get(`/audit?actor=${encodeURIComponent(actor)}&limit=1000`);
  expect(reply.status).toBe(200);
  return reply.body.entries;
}

async function lastDenial(actor: string) {
  return (await auditOf(actor)).find((e) => e.outcome === 'denied');
}

describe('a critical view', () => {
  it('refuses changes without MFA, saying why, and audits the refusal', async () => {
    const refused = await devNoMfa.post(`/views/${view}/versions`, critical(1));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: 'MfaRequired', message: expect.stringMatching(/^deploy on a critical view needs a token with MFA \(amr must include "mfa"; this token has no amr claim\)$/) });
    expect(await lastDenial(dev.sub)).toMatchObject({ action: 'deploy', view, detail: { code: 'MfaRequired', mfa: false } });
  });

  it('refuses a deploy that would activate at once, before writing anything: the version cannot be approved yet', async () => {
    const before = await rewind.dump();
    const refused = await dev.post(`/views/${view}/versions`, critical(1, { activate: true }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ApprovalRequired');
    // Only the refusal's record is new: the audit chain is untouched (refusals are in the refusal log).
    expect(await rewind.dump()).toEqual(before);
  });

  it('activates only with a second person\'s approval, which is used once and recorded', async () => {
    expect((await dev.post(`/views/${view}/versions`, critical(1))).status).toBe(201);
    const unapproved = await dev.post(`/views/${view}/activate`, { version: 1 });
    expect(unapproved.status).toBe(403);
    expect(unapproved.body.error).toMatchObject({ code: 'ApprovalRequired', message: expect.stringContaining(`POST /views/${view}/approvals`) });
    expect(await lastDenial(dev.sub)).toMatchObject({ action: 'activate', detail: { code: 'ApprovalRequired' } });

    expect((await annNoMfa.post(`/views/${view}/approvals`, { version: 1 })).body.error.code).toBe('MfaRequired');
    // Approving is the approver's alone: a deployer cannot approve.
    expect((await dev.post(`/views/${view}/approvals`, { version: 1 })).body.error.code).toBe('Forbidden');
    const approval = await ann.post(`/views/${view}/approvals`, { version: 1, reason: 'reviewed the diff' });
    expect(approval.status).toBe(201);
    expect(approval.body).toMatchObject({ view, action: 'activate', version: 1, approver: ann.sub, reason: 'reviewed the diff' });

    const activated = await dev.post(`/views/${view}/activate`, { version: 1 });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ changed: true, approvalId: approval.body.id, pointer: { stable: 1 } });
    const history = (await dev.get(`/views/${view}/history?limit=1`)).body.history[0];
    expect(history).toMatchObject({ action: 'activate', actor: dev.sub, approvalId: approval.body.id });
    const audit = (await root.get(`/audit?view=${view}&limit=1`)).body.entries[0];
    expect(audit).toMatchObject({ action: 'activate', outcome: 'allowed', detail: { approvalId: approval.body.id, approvedBy: ann.sub } });

    const listed = await dev.get(`/views/${view}/approvals`);
    expect(listed.body.approvals[0]).toMatchObject({ id: approval.body.id, state: 'used', usedBy: dev.sub, usedRevision: activated.body.pointer.revision });
  });

  it('does not let one person be both halves of the four eyes', async () => {
    const both = await rewind.as('bo', ['deployer', 'approver'], { mfa: true });
    expect((await both.post(`/views/${view}/versions`, critical(2))).status).toBe(201);
    const ownDeploy = await both.post(`/views/${view}/approvals`, { version: 2 });
    expect(ownDeploy.status).toBe(403);
    expect(ownDeploy.body.error.message).toMatch(/deployed version 2 .* cannot also approve it/);
    await ann.post(`/views/${view}/approvals`, { version: 2, reason: 'ok' });
    // Ann approved, Bo activates: fine. (Had Ann tried to activate on her own approval, it would not count.)
    const annAsDeployer = await rewind.as('ann', ['deployer', 'approver'], { mfa: true });
    expect((await annAsDeployer.post(`/views/${view}/activate`, { version: 2 })).body.error.message).toMatch(/your own approval does not count/);
    expect((await both.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 10 })).status).toBe(200);
    // The approved canary is promoted without a second approval.
    expect((await both.post(`/views/${view}/promote`, {})).body.pointer).toMatchObject({ stable: 2 });
  });

  it('rolls back by hand only with an approval, or an admin\'s break-glass reason recorded as such', async () => {
    const unapproved = await dev.post(`/views/${view}/rollback`, { reason: 'latency' });
    expect(unapproved.body.error).toMatchObject({ code: 'ApprovalRequired', message: expect.stringContaining("or an admin's breakGlassReason") });
    const notAdmin = await dev.post(`/views/${view}/rollback`, { reason: 'latency', breakGlassReason: 'on call' });
    expect(notAdmin.body.error).toMatchObject({ code: 'Forbidden', message: expect.stringContaining('may not break-glass') });
    expect(await lastDenial(dev.sub)).toMatchObject({ action: 'break-glass' });
    expect((await rootNoMfa.post(`/views/${view}/rollback`, { reason: 'latency', breakGlassReason: 'on call' })).body.error.code).toBe('MfaRequired');

    const glass = await root.post(`/views/${view}/rollback`, { reason: 'latency', breakGlassReason: 'approvers asleep, checkout failing' });
    expect(glass.status).toBe(200);
    expect(glass.body).toMatchObject({ changed: true, breakGlass: true, toVersion: 1 });
    expect((await dev.get(`/views/${view}/history?limit=1`)).body.history[0]).toMatchObject({ breakGlass: true, reason: 'latency (break-glass: approvers asleep, checkout failing)' });
    // By root: the rollback's runbook appends its own entry (system:runbook) a moment later.
    expect((await root.get(`/audit?view=${view}&actor=${encodeURIComponent(root.sub)}&limit=1`)).body.entries[0].detail).toMatchObject({ breakGlass: true, breakGlassReason: 'approvers asleep, checkout failing' });

    // With an approval instead: go forward again (approved), then back (approved).
    await ann.post(`/views/${view}/approvals`, { version: 2 });
    expect((await dev.post(`/views/${view}/activate`, { version: 2 })).status).toBe(200);
    await ann.post(`/views/${view}/approvals`, { action: 'rollback', version: 1 });
    const approved = await dev.post(`/views/${view}/rollback`, { reason: 'again' });
    expect(approved.body).toMatchObject({ changed: true, toVersion: 1, approvalId: expect.any(String) });
    expect(approved.body.breakGlass).toBeUndefined();
  });

  it('switches a feature off with MFA and no approval: degrading is a safety action', async () => {
    expect((await devNoMfa.post(`/views/${view}/features/age/disable`, { reason: 'bad' })).body.error.code).toBe('MfaRequired');
    expect((await dev.post(`/views/${view}/features/age/disable`, { reason: 'bad' })).body).toMatchObject({ changed: true, pointer: { disabledFeatures: ['age'] } });
    await eventually(() => dev.get(`/online/${view}/u1`), (r) => r.body.disabled?.includes('age'), 3000);
  });

  it('still lets everyone with read see it without MFA', async () => {
    const viewer = await rewind.as('vic', ['viewer']);
    expect((await viewer.get(`/views/${view}`)).status).toBe(200);
    expect((await viewer.get(`/online/${view}/u1`)).status).toBe(200);
  });
});

describe('the policy document', () => {
  // The policy is global: on a shared stack other runs have changed it before. So revisions
  // are counted from the one in force, and the document in force before is put back after.
  it('is read by anyone who may read, proposed by an admin with MFA, put in force by a second person (or break-glass), versioned and audited', async () => {
    const viewer = await rewind.as('vic', ['viewer']);
    const current = await viewer.get('/policy');
    expect(current.status).toBe(200);
    const before = current.body as { revision: number; document: PolicyDocument; isDefault: boolean };
    // Until someone stores a policy, the default is in force at revision 0: always so on this
    // suite's own local runtime, and on a stack nobody has changed yet.
    const neverChanged = rewind.mode === 'local' || before.revision === 0;
    expect(current.body).toEqual(
      neverChanged
        ? { revision: 0, isDefault: true, document: DEFAULT_POLICY, updatedAt: '', updatedBy: 'default' }
        : { revision: expect.any(Number), isDefault: false, document: expect.any(Object), updatedAt: expect.any(String), updatedBy: expect.any(String) },
    );
    // What the change below proves needs a policy that lets a deployer roll back a standard view without MFA.
    expect(before.document.tiers.standard.mfa).not.toContain('rollback');

    const stricter = structuredClone(before.document);
    stricter.tiers.standard.mfa = [...stricter.tiers.standard.mfa, 'rollback'];
    expect((await dev.request('PUT', '/policy', { document: stricter })).body.error.code).toBe('Forbidden');
    expect((await rootNoMfa.request('PUT', '/policy', { document: stricter })).body.error.code).toBe('MfaRequired');
    const bad = await root.request('PUT', '/policy', { document: { tiers: { standard: stricter.tiers.standard } } });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'body.document.tiers.critical' } } });

    let changed = false;
    try {
      // PUT /policy proposes: 202 with the proposal and what it would change; nothing is in force yet.
      const proposed = await root.request('PUT', '/policy', { document: stricter, expectedRevision: before.revision, reason: 'MFA for every rollback' });
      expect(proposed).toMatchObject({
        status: 202,
        body: { kind: 'proposed', id: expect.any(String), baseRevision: before.revision, proposedBy: root.sub, state: 'pending', changes: [{ tier: 'standard', list: 'mfa', added: ['rollback'], removed: [] }] },
      });
      const id: string = proposed.body.id;
      expect((await viewer.get('/policy')).body).toMatchObject({ revision: before.revision });
      expect((await viewer.get('/policy/proposals')).body.proposals).toContainEqual(expect.objectContaining({ id, state: 'pending' }));

      // A second person approves it: not the proposer, not without MFA, not a deployer.
      const approve = (who: Caller, body: unknown = {}) => who.post(`/policy/proposals/${id}/approve`, body);
      expect((await approve(root)).body.error.code).toBe('Forbidden');
      expect((await approve(annNoMfa)).body.error.code).toBe('MfaRequired');
      expect((await approve(dev)).body.error.code).toBe('Forbidden');
      expect((await ann.post('/policy/proposals/nope-0/approve', {})).status).toBe(404);
      expect((await viewer.get('/policy')).body).toMatchObject({ revision: before.revision });
      const stored = await approve(ann, { reason: 'reviewed the diff' });
      changed = stored.status === 200;
      expect(stored).toMatchObject({ status: 200, body: { revision: before.revision + 1, updatedBy: ann.sub, proposedBy: root.sub, proposalId: id, isDefault: false } });
      expect((await viewer.get('/policy')).body).toMatchObject({ revision: before.revision + 1, document: stricter });
      // Applied once; a proposal against a revision no longer in force is refused.
      expect((await approve(ann)).status).toBe(409);
      const stale = await root.request('PUT', '/policy', { document: before.document, expectedRevision: before.revision });
      expect(stale).toMatchObject({ status: 409, body: { error: { code: 'RevisionConflict' } } });

      // It is in force at once: a rollback of a standard view now needs MFA.
      const plain = rewind.view('plain');
      expect((await dev.post(`/views/${plain}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
      expect((await dev.post(`/views/${plain}/versions`, deployBody(2, 5, { activate: true }))).status).toBe(201);
      expect((await devNoMfa.post(`/views/${plain}/rollback`, { reason: 'x' })).body.error.code).toBe('MfaRequired');
      expect((await dev.post(`/views/${plain}/rollback`, { reason: 'x' })).status).toBe(200);

      // Everything this test's people did, whatever view (or none) it concerned.
      const audit = (await Promise.all([dev.sub, root.sub, viewer.sub, ann.sub].map(auditOf))).flat();
      expect(audit.find((e) => e.action === 'policy-proposal' && e.outcome === 'allowed')).toMatchObject({
        actor: root.sub,
        reason: 'MFA for every rollback',
        detail: { proposalId: id, baseRevision: before.revision, document: stricter },
      });
      expect(audit.find((e) => e.action === 'policy' && e.outcome === 'allowed')).toMatchObject({
        actor: ann.sub,
        reason: 'MFA for every rollback',
        detail: { revisionBefore: before.revision, revisionAfter: before.revision + 1, document: stricter, proposalId: id, proposedBy: root.sub, approvedBy: ann.sub },
      });
      // dev and rootNoMfa (same sub as root) were refused; root's malformed document is a refusal too (bad input is audited).
      expect(audit.filter((e) => e.action === 'administer' && e.outcome === 'denied').map((e) => e.actor).sort()).toEqual([dev.sub, root.sub, root.sub].sort());
      expect(audit.filter((e) => e.action === 'approve-policy' && e.outcome === 'denied').map((e) => e.actor).sort()).toEqual([ann.sub, dev.sub, root.sub].sort());

      // Back to the document before, at once: an admin's break-glass reason, recorded as such.
      const back = await root.request('PUT', '/policy', { document: before.document, expectedRevision: before.revision + 1, breakGlassReason: 'put back the policy before the test' });
      expect(back).toMatchObject({ status: 200, body: { kind: 'applied', breakGlass: true, revision: before.revision + 2 } });
      changed = false;
      expect((await auditOf(root.sub)).find((e) => e.action === 'policy')).toMatchObject({ detail: { breakGlass: true, breakGlassReason: 'put back the policy before the test' } });
      expect((await root.get('/audit/verify')).body.ok).toBe(true);
    } finally {
      // A failure above must not leave MFA on every rollback for whoever uses the stack next.
      if (changed) await root.request('PUT', '/policy', { document: before.document, breakGlassReason: 'governance test failed: back to the policy before it' });
    }
  });
});
