/**
 * The one decision point (core/authorization.ts) through the pointer-change use cases over the
 * in-memory adapters: the tier judged is that of what the pointer serves after the change,
 * the policy is read at most once per change (and checked by its commit), and every refusal
 * writes nothing.
 */
import { approve } from '../../core/approvals';
import { RequestAuthorization, type Caller } from '../../core/authorization';
import { ApprovalRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import { ApprovalRequiredError, ForbiddenError, MfaRequiredError } from '../../core/errors';
import { activateVersion, rollbackView } from '../../core/pointer-changes';
import { DEFAULT_POLICY } from '../../core/access-policy';
import { changePolicy } from '../../core/access-policy-store';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

type D = ReturnType<typeof memoryDeps>;
const request = (seed: number, extra: Record<string, unknown> = {}) => parse(DeployRequestSchema, deployBody(seed, 10, extra), 'body');
const critical = (seed: number) => request(seed, { definition: { ...deployBody(seed).definition, tier: 'critical' } });
const approval = (body: Record<string, unknown>) => parse(ApprovalRequestSchema, body, 'body');
const person = (sub: string, roles: string[], mfa = false): Caller => ({ principal: { sub, roles, ...(mfa ? { amr: ['mfa'] } : {}) } });

/** Critical v1 (approved, activated), then standard v2 active, and a usable rollback approval. */
async function criticalThenStandard(): Promise<D> {
  const deps = memoryDeps();
  await deployVersion(deps, 'dev', 'mixed', critical(1));
  await approve(deps, { sub: 'ann', roles: ['approver'] }, 'mixed', approval({ version: 1 }));
  await activateVersion(deps, 'dev', 'mixed', { version: 1 });
  await deployVersion(deps, 'dev', 'mixed', request(2));
  await approve(deps, { sub: 'ann', roles: ['approver'] }, 'mixed', approval({ version: 2 }));
  await activateVersion(deps, 'dev', 'mixed', { version: 2 });
  await approve(deps, { sub: 'ann', roles: ['approver'] }, 'mixed', approval({ action: 'rollback' }));
  return deps;
}

const stateOf = (deps: D) => structuredClone({ pointers: [...deps.pointers.byView], history: deps.pointers.historyEntries.length, approvals: deps.governance.approvals });

describe('a pointer change is judged at the tier of what it serves after the change', () => {
  it.each([
    ['names the critical target', { toVersion: 1, reason: 'v2 is bad' }],
    ['lands on the critical version without naming it', { reason: 'v2 is bad' }],
  ])('refuses a deployer without MFA whose rollback %s, writing nothing', async (_name, body) => {
    const deps = await criticalThenStandard();
    const before = stateOf(deps);
    await expect(rollbackView(deps, person('dev', ['deployer']), 'mixed', body)).rejects.toThrow(MfaRequiredError);
    expect(stateOf(deps)).toEqual(before);
  });

  it("refuses an admin's break-glass rollback without MFA onto the critical version", async () => {
    const deps = await criticalThenStandard();
    await expect(rollbackView(deps, person('root', ['admin']), 'mixed', { reason: 'bad', breakGlassReason: 'approver unreachable' })).rejects.toThrow(
      /rollback on a critical view needs a token with MFA/,
    );
  });

  it('refuses break-glass to a role without the permission, even with MFA', async () => {
    const deps = await criticalThenStandard();
    const refused = rollbackView(deps, person('dev', ['deployer'], true), 'mixed', { reason: 'bad', breakGlassReason: 'hurry' });
    await expect(refused).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refused).rejects.toMatchObject({ action: 'break-glass', message: "'dev' (deployer) may not break-glass" });
  });

  it('lets it through with MFA and the approval, which it uses up', async () => {
    const deps = await criticalThenStandard();
    const done = await rollbackView(deps, person('dev', ['deployer'], true), 'mixed', { reason: 'v2 is bad' });
    expect(done).toMatchObject({ changed: true, toVersion: 1, approvalId: expect.any(String) });
    expect(deps.governance.approvals.find((a) => a.id === done.approvalId)?.usedBy).toBe('dev');
  });

  it('reads the policy at most once per change, in the round with the pointer, and not again while it is the revision in force', async () => {
    const deps = memoryDeps();
    await deployVersion(deps, 'dev', 'fresh', request(1));
    const reads = deps.governance.policyReads;
    await activateVersion(deps, person('dev', ['deployer'], true), 'fresh', { version: 1 });
    expect(deps.governance.policyReads - reads).toBe(1);
    // The next change is judged by the same revision; its commit checks that none came after it.
    await deployVersion(deps, 'dev', 'fresh', request(2));
    await activateVersion(deps, person('dev', ['deployer'], true), 'fresh', { version: 2 });
    await rollbackView(deps, person('dev', ['deployer'], true), 'fresh', { reason: 'v2 is bad' });
    expect(deps.governance.policyReads - reads).toBe(1);
    // A caller judged at the edge brings the policy it was judged by: none is read.
    const deps2 = await criticalThenStandard();
    const reads2 = deps2.governance.policyReads;
    await rollbackView(deps2, { ...person('dev', ['deployer'], true), policy: DEFAULT_POLICY }, 'mixed', { reason: 'v2 is bad' });
    expect(deps2.governance.policyReads - reads2).toBe(0);
  });

  it('refuses, writing nothing, a change the remembered revision allows and one stored since forbids', async () => {
    const deps = await criticalThenStandard(); // its activations were judged by the default policy, now remembered
    const stricter = structuredClone(DEFAULT_POLICY);
    stricter.tiers.critical.grants.deployer = ['read'];
    await changePolicy(deps, 'root', { document: stricter, breakGlassReason: 'deployers may no longer touch critical views' });
    const before = stateOf(deps);
    const reads = deps.governance.policyReads;
    await expect(rollbackView(deps, person('dev', ['deployer'], true), 'mixed', { reason: 'v2 is bad' })).rejects.toThrow(/^'dev' \(deployer\) may not rollback/);
    expect(stateOf(deps)).toEqual(before);
    // Allowed by the remembered revision, stopped by its commit's check, refused by the stored one.
    expect(deps.governance.policyReads - reads).toBe(1);
  });

  it('lets through a change the remembered revision refuses and one stored since allows', async () => {
    const deps = await criticalThenStandard();
    await expect(rollbackView(deps, person('dev', ['deployer']), 'mixed', { reason: 'no MFA' })).rejects.toThrow(MfaRequiredError);
    const lenient = structuredClone(DEFAULT_POLICY);
    lenient.tiers.critical.mfa = [];
    await changePolicy(deps, 'root', { document: lenient, breakGlassReason: 'MFA outage' });
    await expect(rollbackView(deps, person('dev', ['deployer']), 'mixed', { reason: 'no MFA' })).resolves.toMatchObject({ changed: true, toVersion: 1 });
  });

  it('reads approvals only for a change its tier asks one for', async () => {
    const deps = await criticalThenStandard();
    const listApprovals = jest.spyOn(deps.governance, 'listApprovals');
    // Critical (v1 is served after it): the approval is looked for, and used.
    await rollbackView(deps, person('dev', ['deployer'], true), 'mixed', { reason: 'v2 is bad' });
    expect(listApprovals).toHaveBeenCalledTimes(1);
    // Standard only: none asked for, none read.
    listApprovals.mockClear();
    await deployVersion(deps, 'dev', 'plain', request(1, { activate: true }));
    await deployVersion(deps, 'dev', 'plain', request(2, { activate: true }));
    await rollbackView(deps, person('dev', ['deployer']), 'plain', { reason: 'v2 is bad' });
    expect(listApprovals).not.toHaveBeenCalled();
  });

  it('refuses a viewer before deciding anything else, saying it of every tier', async () => {
    const deps = await criticalThenStandard();
    await expect(rollbackView(deps, person('vic', ['viewer'], true), 'mixed', { reason: 'x' })).rejects.toThrow(/^'vic' \(viewer\) may not rollback$/);
  });
});

describe('the edge half', () => {
  it('judges a deploy with activate: true at the declared tier, refusing before anything is written', async () => {
    const deps = memoryDeps();
    const auth = new RequestAuthorization(deps, { ...person('dev', ['deployer'], true), policy: DEFAULT_POLICY }, 'pay', () => ({ tier: 'critical' }));
    await auth.require('deploy');
    await expect(auth.requireActivationOnDeploy()).rejects.toThrow(ApprovalRequiredError);
    expect(deps.catalog.versions.size).toBe(0);
  });

  it('reads the pointer once however many actions it judges', async () => {
    const deps = await criticalThenStandard();
    const reads = deps.pointers.pointerReads;
    const auth = new RequestAuthorization(deps, { ...person('dev', ['deployer'], true), policy: DEFAULT_POLICY }, 'mixed', () => ({ versions: [1] }));
    await auth.require('deploy');
    await auth.require('activate');
    expect(await auth.viewTier()).toBe('critical');
    expect(deps.pointers.pointerReads - reads).toBe(1);
  });
});
