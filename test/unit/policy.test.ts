/** Policy as data: the decision rules, the document's schema, and the adapters that read alarm state. */
import { PutPolicyRequestSchema, parse } from '../../core/requests';
import { ValidationError } from '../../core/errors';
import { approvePolicyProposal, changePolicy, currentPolicy, listPolicyProposals, policyDifferences } from '../../core/access-policy-store';
import { ForbiddenError, InvalidStateError, PolicyProposalNotFoundError } from '../../core/errors';
import { DEFAULT_POLICY, decide, decideWithoutTier, PolicyDocumentSchema, type PolicyDocument } from '../../core/access-policy';
import { principalFrom } from '../../functions/http/principal';
import { CloudWatchAlarmStatus, type CloudWatchAlarmsApi } from '../../store/cloudwatch-alarm-status';
import { memoryDeps } from '../support/memory';

const who = (roles: string[], mfa = false) => ({ sub: 'someone', roles, ...(mfa ? { amr: ['pwd', 'mfa'] } : {}) });

describe('decide', () => {
  it('judges roles first, then MFA, and says why', () => {
    expect(decide(DEFAULT_POLICY, who(['deployer']), 'rollback', 'standard')).toEqual({ allowed: true });
    expect(decide(DEFAULT_POLICY, who(['deployer']), 'rollback', 'critical')).toMatchObject({ allowed: false, code: 'MfaRequired', reason: expect.stringMatching(/needs a token with MFA.*no amr claim/) });
    expect(decide(DEFAULT_POLICY, who(['deployer'], true), 'rollback', 'critical')).toEqual({ allowed: true });
    expect(decide(DEFAULT_POLICY, who(['viewer'], true), 'rollback', 'critical')).toMatchObject({ allowed: false, code: 'Forbidden' });
    expect(decide(DEFAULT_POLICY, who(['deployer'], true), 'purge', 'critical')).toMatchObject({ allowed: false, code: 'Forbidden', reason: expect.stringContaining('may not purge on a critical view') });
  });

  it('keeps changing the policy an admin\'s, with MFA, whatever the document says', () => {
    const generous: PolicyDocument = structuredClone(DEFAULT_POLICY);
    generous.tiers.standard.grants.deployer!.push('break-glass');
    expect(decide(generous, who(['deployer'], true), 'administer', 'standard')).toMatchObject({ allowed: false, code: 'Forbidden' });
    expect(decide(generous, who(['admin']), 'administer', 'standard')).toMatchObject({ allowed: false, code: 'MfaRequired' });
    expect(decide(generous, who(['admin'], true), 'administer', 'standard')).toEqual({ allowed: true });
  });

  it('keeps republishing events an admin\'s on every tier (no MFA: it changes no state), whatever the document grants', () => {
    const generous: PolicyDocument = structuredClone(DEFAULT_POLICY);
    generous.tiers.standard.grants.deployer!.push('break-glass');
    for (const roles of [['deployer'], ['approver'], ['viewer'], []])
      expect(decideWithoutTier(generous, who(roles, true), 'republish')).toMatchObject({ allowed: false, code: 'Forbidden', reason: expect.stringContaining('may not republish events') });
    expect(decideWithoutTier(generous, who(['admin']), 'republish')).toEqual({ allowed: true });
  });

  it('decides without the tier when every tier agrees, so serving never looks it up', () => {
    expect(decideWithoutTier(DEFAULT_POLICY, who(['viewer']), 'read')).toEqual({ allowed: true });
    expect(decideWithoutTier(DEFAULT_POLICY, who([]), 'read')).toMatchObject({ allowed: false, reason: "'someone' (no roles) may not read" });
    expect(decideWithoutTier(DEFAULT_POLICY, who(['deployer']), 'activate')).toBeUndefined();
    expect(decideWithoutTier(DEFAULT_POLICY, who(['deployer'], true), 'activate')).toEqual({ allowed: true });
  });
});

describe('policy document', () => {
  it('accepts the default and rejects a document that names an unknown action, or approvals nobody can give', () => {
    expect(PolicyDocumentSchema.parse(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    const bad = structuredClone(DEFAULT_POLICY) as unknown as { tiers: { critical: { grants: Record<string, string[]> } } };
    bad.tiers.critical.grants.viewer = ['read', 'fly'];
    expect(() => parse(PutPolicyRequestSchema, { document: bad }, 'body')).toThrow(/body\.document\.tiers\.critical\.grants\.viewer\[1\]: must be one of/);
    const noApprover = structuredClone(DEFAULT_POLICY);
    noApprover.tiers.critical.grants.approver = ['read'];
    expect(() => parse(PutPolicyRequestSchema, { document: noApprover }, 'body')).toThrow(ValidationError);
    expect(() => parse(PutPolicyRequestSchema, { document: { tiers: { standard: DEFAULT_POLICY.tiers.standard } } }, 'body')).toThrow(/critical: is required/);
  });

  it('is versioned: a proposal becomes a revision only when a second person approves it; a stale expectedRevision is refused', async () => {
    const deps = memoryDeps();
    expect(await currentPolicy(deps.governance)).toMatchObject({ revision: 0, isDefault: true, document: DEFAULT_POLICY });
    const stricter = structuredClone(DEFAULT_POLICY);
    stricter.tiers.standard.mfa = ['rollback'];
    const proposed = await changePolicy(deps, 'root', { document: stricter, expectedRevision: 0, reason: 'MFA for rollbacks' });
    expect(proposed).toMatchObject({ kind: 'proposed', baseRevision: 0, proposedBy: 'root', state: 'pending', changes: [{ tier: 'standard', list: 'mfa', added: ['rollback'], removed: [] }] });
    // Proposed is not in force.
    expect(await currentPolicy(deps.governance)).toMatchObject({ revision: 0, isDefault: true });
    const id = proposed.kind === 'proposed' ? proposed.id : '';
    expect(id).toMatch(/^[0-9A-Za-z-]+$/);

    await expect(approvePolicyProposal(deps, { sub: 'root', roles: ['admin'], amr: ['mfa'] }, id, {})).rejects.toThrow(ForbiddenError);
    await expect(approvePolicyProposal(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, 'nope', {})).rejects.toThrow(PolicyProposalNotFoundError);
    const stored = await approvePolicyProposal(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, id, { reason: 'reviewed' });
    expect(stored).toMatchObject({ revision: 1, updatedBy: 'ann', proposedBy: 'root', isDefault: false });
    expect((await currentPolicy(deps.governance)).document.tiers.standard.mfa).toEqual(['rollback']);
    // Applied once.
    await expect(approvePolicyProposal(deps, { sub: 'bob', roles: ['admin'], amr: ['mfa'] }, id, {})).rejects.toThrow(/applied already, as revision 1/);
    await expect(changePolicy(deps, 'root', { document: DEFAULT_POLICY, expectedRevision: 0 })).rejects.toThrow(/revision 1, not the expected 0/);
    const audit = await deps.audit.listAudit({ limit: 10 });
    expect(audit.find((e) => e.action === 'policy')).toMatchObject({ actor: 'ann', reason: 'MFA for rollbacks', detail: { revisionBefore: 0, revisionAfter: 1, proposalId: id, proposedBy: 'root', approvedBy: 'ann' } });
    expect(audit.find((e) => e.action === 'policy-proposal')).toMatchObject({ actor: 'root', detail: { proposalId: id, baseRevision: 0, document: stricter } });
  });

  it('refuses to apply a proposal made against a revision no longer in force, and lists it as stale', async () => {
    const deps = memoryDeps();
    const a = await changePolicy(deps, 'root', { document: DEFAULT_POLICY, reason: 'a' });
    const b = await changePolicy(deps, 'root', { document: DEFAULT_POLICY, reason: 'b' });
    await approvePolicyProposal(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, (a as { id: string }).id, {});
    await expect(approvePolicyProposal(deps, { sub: 'ann', roles: ['approver'], amr: ['mfa'] }, (b as { id: string }).id, {})).rejects.toThrow(InvalidStateError);
    const listed = await listPolicyProposals(deps, 10);
    expect(Object.fromEntries(listed.map((p) => [p.reason, p.state]))).toEqual({ a: 'applied', b: 'stale' });
  });

  it('puts the document in force at once with an admin\'s break-glass reason, recorded as such', async () => {
    const deps = memoryDeps();
    const stricter = structuredClone(DEFAULT_POLICY);
    stricter.tiers.standard.mfa = ['rollback'];
    const applied = await changePolicy(deps, 'root', { document: stricter, breakGlassReason: 'approvers unreachable during the incident' });
    expect(applied).toMatchObject({ kind: 'applied', breakGlass: true, revision: 1, updatedBy: 'root' });
    const [entry] = await deps.audit.listAudit({ limit: 1 });
    expect(entry).toMatchObject({ action: 'policy', detail: { breakGlass: true, breakGlassReason: 'approvers unreachable during the incident' } });
  });

  it('says what a document changes, list by list', () => {
    const after = structuredClone(DEFAULT_POLICY);
    after.tiers.critical.grants.deployer = after.tiers.critical.grants.deployer!.filter((a) => a !== 'rollback');
    after.tiers.standard.grants.oncall = ['read', 'rollback'];
    expect(policyDifferences(DEFAULT_POLICY, after)).toEqual([
      { tier: 'standard', list: 'grants.oncall', added: ['read', 'rollback'], removed: [] },
      { tier: 'critical', list: 'grants.deployer', added: [], removed: ['rollback'] },
    ]);
  });

  it('lets only an admin or an approver with MFA approve a policy proposal, whatever the document says', () => {
    expect(decide(DEFAULT_POLICY, who(['approver'], true), 'approve-policy', 'standard')).toEqual({ allowed: true });
    expect(decide(DEFAULT_POLICY, who(['admin']), 'approve-policy', 'standard')).toMatchObject({ allowed: false, code: 'MfaRequired' });
    expect(decide(DEFAULT_POLICY, who(['deployer'], true), 'approve-policy', 'standard')).toMatchObject({ allowed: false, code: 'Forbidden' });
    expect(decide(DEFAULT_POLICY, who(['constructor'], true), 'approve-policy', 'standard')).toMatchObject({ allowed: false, code: 'Forbidden' });
  });
});

describe('principal', () => {
  const event = (claims: Record<string, unknown>) => ({ requestContext: { authorizer: { jwt: { claims } } } }) as never;

  it('reads amr as API Gateway flattens it, or as an array', () => {
    expect(principalFrom(event({ sub: 'a', roles: '[deployer]', amr: '[pwd mfa]' }))).toEqual({ sub: 'a', roles: ['deployer'], amr: ['pwd', 'mfa'] });
    expect(principalFrom(event({ sub: 'a', roles: ['deployer'], amr: ['pwd'] }))).toEqual({ sub: 'a', roles: ['deployer'], amr: ['pwd'] });
    expect(principalFrom(event({ sub: 'a', roles: '[deployer]' }))).toEqual({ sub: 'a', roles: ['deployer'] });
  });

  it('refuses a token that claims to be Rewind itself', () => {
    expect(() => principalFrom(event({ sub: 'system:alarm/x', roles: '[admin]' }))).toThrow(/reserved/);
  });
});

describe('CloudWatch alarm status', () => {
  const alarm = (name: string, view: string, state: string) => ({ AlarmName: name, StateValue: state, Dimensions: [{ Name: 'service', Value: 'rewind' }, { Name: 'view', Value: view }] });
  const fake = (alarms: ReturnType<typeof alarm>[], history: Record<string, string[]>): CloudWatchAlarmsApi & { calls: unknown[] } => {
    const calls: unknown[] = [];
    return {
      calls,
      describeAlarms: async (input) => (calls.push(input), { MetricAlarms: alarms.filter((a) => a.AlarmName.startsWith(input.AlarmNamePrefix ?? '')) }),
      describeAlarmHistory: async (input) => (
        calls.push(input), { AlarmHistoryItems: (history[input.AlarmName] ?? []).map((s) => ({ HistoryData: JSON.stringify({ newState: { stateValue: s } }) })) }
      ),
    };
  };

  it('reports the view\'s drift alarms in ALARM now or since the given time, not another view\'s', async () => {
    const cloudwatch = fake(
      [alarm('rewind-drift-user-psi', 'user', 'OK'), alarm('rewind-drift-user-js', 'user', 'ALARM'), alarm('rewind-drift-user-profile-psi', 'user-profile', 'ALARM')],
      { 'rewind-drift-user-psi': ['ALARM', 'OK'] },
    );
    const status = new CloudWatchAlarmStatus(cloudwatch);
    expect(await status.alarmsSince('user', new Date('2026-11-25T00:00:00Z'))).toEqual(['rewind-drift-user-psi', 'rewind-drift-user-js']);
    expect(cloudwatch.calls[0]).toMatchObject({ AlarmNamePrefix: 'rewind-drift-user-' });
    expect(await new CloudWatchAlarmStatus(fake([alarm('rewind-drift-user-psi', 'user', 'OK')], {})).alarmsSince('user', new Date())).toEqual([]);
  });
});
