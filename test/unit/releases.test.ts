/**
 * Release strategies, kill switches, approvals, the bake and derived artifacts, as use cases
 * over the in-memory adapters: decisions, not storage.
 */
import { autoRollback } from '../../core/auto-rollback';
import { approve, gate } from '../../core/approvals';
import { ARTIFACT_EVENT, artifactPlan, type ArtifactInvalidator } from '../../core/artifacts';
import { BAKE_ACTOR, promoteBakedCandidates } from '../../core/bake';
import { inCanary } from '../../core/canary';
import { ApprovalRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import { ApprovalRequiredError, ForbiddenError, InvalidStateError, ValidationError } from '../../core/errors';
import type { FeatureValue } from '../../core/model';
import { activateVersion, promoteCandidate, rollbackView, setFeatureDisabled } from '../../core/pointer-changes';
import { FeatureServer } from '../../core/serving';
import { historyEvents } from '../../contract/events';
import { LocalAlarmStatus, LocalArtifactInvalidator } from '../../local/releases';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

let now = new Date('2026-11-25T12:00:00Z');
const fresh = () => {
  now = new Date('2026-11-25T12:00:00Z');
  return memoryDeps(() => now);
};
type D = ReturnType<typeof memoryDeps>;

const request = (seed: number, extra: Record<string, unknown> = {}) => parse(DeployRequestSchema, deployBody(seed, 40, extra), 'body');
const critical = (seed: number, extra: Record<string, unknown> = {}) =>
  request(seed, { definition: { ...deployBody(seed).definition, tier: 'critical' }, ...extra });
const approval = (body: Record<string, unknown>) => parse(ApprovalRequestSchema, body, 'body');

async function twoVersions(deps: D, view = 'v') {
  await deployVersion(deps, 'dev', view, request(1, { activate: true }));
  await deployVersion(deps, 'dev', view, request(2));
}

describe('canary', () => {
  it('serves the candidate to its share of entities, says which arm, and records each arm under its version', async () => {
    const deps = fresh();
    await twoVersions(deps);
    const started = await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 30 });
    expect(started).toMatchObject({ action: 'canary', changed: true, fromVersion: 1, toVersion: 2, pointer: { stable: 1, candidate: { version: 2, percent: 30 } } });

    const recorded: number[] = [];
    const server = new FeatureServer(deps, deps.online, 1000, { now: () => 10_000 }, { record: (_v, version) => recorded.push(version) });
    const readsBefore = deps.pointers.pointerReads;
    for (let i = 0; i < 40; i++) {
      const served = await server.serve('v', `u${i}`);
      const expected = inCanary('v', `u${i}`, 30) ? { version: 2, arm: 'candidate' } : { version: 1, arm: 'stable' };
      expect(served).toMatchObject(expected);
    }
    // One pointer read for all 40 requests: the split travels with the pointer.
    expect(deps.pointers.pointerReads - readsBefore).toBe(1);
    expect(recorded.filter((v) => v === 2).length).toBe(Array.from({ length: 40 }, (_, i) => `u${i}`).filter((e) => inCanary('v', e, 30)).length);
  });

  it('promote makes it stable for everyone; the history names each step', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10 });
    const promoted = await promoteCandidate(deps, 'dev', 'v', { reason: 'looks good' });
    expect(promoted).toMatchObject({ action: 'promote', fromVersion: 1, toVersion: 2, pointer: { stable: 2, previousStable: [1] } });
    expect(promoted.pointer.candidate).toBeUndefined();
    expect(deps.pointers.historyEntries.map((h) => h.action)).toEqual(['activate', 'canary', 'promote']);
    await expect(promoteCandidate(deps, 'dev', 'v', {})).rejects.toThrow(InvalidStateError);
  });

  it('rollback during a canary drops the candidate, marks it rolled back, and is done once', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10 });
    const rb = await rollbackView(deps, 'dev', 'v', { reason: 'p99 up' });
    expect(rb).toMatchObject({ action: 'rollback', changed: true, fromVersion: 2, toVersion: 1, pointer: { stable: 1, rolledBack: [2] } });
    expect(rb.pointer.candidate).toBeUndefined();
    expect((await rollbackView(deps, 'dev', 'v', { reason: 'p99 up', toVersion: 1 })).changed).toBe(false);
  });

  it('refuses to replace a running trial with another version, all at once or as a trial', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await deployVersion(deps, 'dev', 'v', request(3));
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10 });
    await expect(activateVersion(deps, 'dev', 'v', { version: 3 })).rejects.toThrow(/version 2 .* is on trial/);
    await expect(activateVersion(deps, 'dev', 'v', { version: 3, strategy: 'shadow' })).rejects.toThrow(/on trial/);
    // The same settings again: nothing to do.
    expect((await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10 })).changed).toBe(false);
  });
});

describe('shadow', () => {
  it('is computed for the monitor only: callers always get stable', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'shadow' });
    const recorded: [number, Record<string, FeatureValue> | undefined][] = [];
    const server = new FeatureServer(deps, deps.online, 1000, { now: () => 10_000 }, { record: (_v, version, _d, stored) => recorded.push([version, stored]) });
    for (let i = 0; i < 20; i++) expect(await server.serve('v', `u${i}`)).toMatchObject({ version: 1, arm: 'stable' });
    expect(recorded.filter(([v]) => v === 1)).toHaveLength(20);
    expect(recorded.filter(([v]) => v === 2)).toHaveLength(20);
    // The shadow's values are its own.
    expect(recorded.find(([v]) => v === 2)![1]).toEqual(await deps.online.get('v', 2, 'u0'));
  });
});

describe('kill switch', () => {
  it('serves a disabled feature as its default (or null) in both arms, flags it, and enables it again', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 50 });
    const off = await setFeatureDisabled(deps, 'oncall', 'v', 'age', true, { reason: 'zeros upstream' });
    expect(off).toMatchObject({ action: 'disable', feature: 'age', changed: true, pointer: { disabledFeatures: ['age'] } });
    const offAgain = await setFeatureDisabled(deps, 'oncall', 'v', 'avg_basket', true, { reason: 'also bad' });
    expect(offAgain.pointer.disabledFeatures).toEqual(['age', 'avg_basket']);
    const server = new FeatureServer(deps, deps.online, 0, { now: () => 10_000 });
    for (let i = 0; i < 10; i++) {
      const served = await server.serve('v', `u${i}`);
      expect(served.features).toMatchObject({ age: 0, avg_basket: null });
      expect(served.disabled).toEqual(['age', 'avg_basket']);
      expect(typeof served.features.country).toBe('string');
    }
    expect((await setFeatureDisabled(deps, 'oncall', 'v', 'age', true, { reason: 'again' })).changed).toBe(false);
    const on = await setFeatureDisabled(deps, 'oncall', 'v', 'age', false, { reason: 'fixed' });
    expect(on.pointer.disabledFeatures).toEqual(['avg_basket']);
    expect(deps.pointers.historyEntries.slice(-3).map((h) => [h.action, h.feature])).toEqual([
      ['disable', 'age'],
      ['disable', 'avg_basket'],
      ['enable', 'age'],
    ]);
    await expect(setFeatureDisabled(deps, 'oncall', 'v', 'nope', true, { reason: 'x' })).rejects.toThrow(ValidationError);
  });
});

describe('approvals on a critical view', () => {
  async function criticalView(deps: D) {
    await deployVersion(deps, 'dev', 'pay', critical(1));
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 1 }));
    await activateVersion(deps, 'dev', 'pay', { version: 1 });
    await deployVersion(deps, 'dev', 'pay', critical(2));
  }

  it('activation needs an approval from someone else, which is used once', async () => {
    const deps = fresh();
    await criticalView(deps);
    await expect(activateVersion(deps, 'dev', 'pay', { version: 2 })).rejects.toThrow(ApprovalRequiredError);
    // The approver may not approve for themselves.
    const own = await approve(deps, { sub: 'ann', roles: ['approver', 'deployer'] }, 'pay', approval({ version: 2 }));
    await expect(activateVersion(deps, 'ann', 'pay', { version: 2 })).rejects.toThrow(/your own approval does not count/);
    const done = await activateVersion(deps, 'dev', 'pay', { version: 2 });
    expect(done).toMatchObject({ changed: true, approvalId: own.id });
    expect(deps.pointers.historyEntries.at(-1)).toMatchObject({ approvalId: own.id });
    expect(deps.governance.approvals.find((a) => a.id === own.id)).toMatchObject({ usedBy: 'dev', usedRevision: done.pointer.revision });
    // Used up: going back to 1 and forward to 2 again needs a new one.
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ action: 'rollback' }));
    await rollbackView(deps, 'dev', 'pay', { reason: 'bad' });
    await expect(activateVersion(deps, 'dev', 'pay', { version: 2 })).rejects.toThrow(ApprovalRequiredError);
  });

  it('an approval is for one version: another version is refused', async () => {
    const deps = fresh();
    await criticalView(deps);
    await deployVersion(deps, 'dev', 'pay', critical(3));
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 3 }));
    await expect(activateVersion(deps, 'dev', 'pay', { version: 2 })).rejects.toThrow(/activate of version 2/);
  });

  it('nobody approves a version they deployed', async () => {
    const deps = fresh();
    await criticalView(deps);
    await expect(approve(deps, { sub: 'dev', roles: ['approver'] }, 'pay', approval({ version: 2 }))).rejects.toThrow(ForbiddenError);
  });

  it('an expired approval does not count', async () => {
    const deps = fresh();
    await criticalView(deps);
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 2, expiresInSeconds: 60 }));
    now = new Date(now.getTime() + 61_000);
    await expect(activateVersion(deps, 'dev', 'pay', { version: 2 })).rejects.toThrow(ApprovalRequiredError);
  });

  it('a canary start consumes the approval; widening and promoting it need no second one', async () => {
    const deps = fresh();
    await criticalView(deps);
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 2 }));
    const start = await activateVersion(deps, 'dev', 'pay', { version: 2, strategy: 'canary', percent: 5 });
    expect(start.pointer.candidate?.approvalId).toBe(start.approvalId);
    await activateVersion(deps, 'dev', 'pay', { version: 2, strategy: 'canary', percent: 50 });
    expect((await promoteCandidate(deps, 'dev', 'pay', {})).pointer.stable).toBe(2);
  });

  it('a manual rollback needs an approval or a break-glass reason, recorded as such', async () => {
    const deps = fresh();
    await criticalView(deps);
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 2 }));
    await activateVersion(deps, 'dev', 'pay', { version: 2 });
    await expect(rollbackView(deps, 'dev', 'pay', { reason: 'bad' })).rejects.toThrow(/needs an approval from a second person.*breakGlassReason/);
    const rb = await rollbackView(deps, 'root', 'pay', { reason: 'bad', breakGlassReason: 'payments down, approver unreachable' });
    expect(rb).toMatchObject({ changed: true, breakGlass: true, toVersion: 1 });
    expect(deps.pointers.historyEntries.at(-1)).toMatchObject({ breakGlass: true, reason: 'bad (break-glass: payments down, approver unreachable)' });
    const audit = (await deps.audit.listAudit({ view: 'pay', limit: 1 }))[0]!;
    expect(audit.detail).toMatchObject({ breakGlass: true, breakGlassReason: 'payments down, approver unreachable' });
  });

  it('break-glass does not activate anything', async () => {
    const deps = fresh();
    await criticalView(deps);
    await expect(gate(deps, { view: 'pay', actor: 'root', action: 'activate', tier: 'critical', version: 2, breakGlassReason: 'hurry' })).rejects.toThrow(/break-glass does not apply/);
  });

  it('an automatic rollback from an alarm needs no approval', async () => {
    const deps = fresh();
    await criticalView(deps);
    await approve(deps, { sub: 'ann', roles: ['approver'] }, 'pay', approval({ version: 2 }));
    await activateVersion(deps, 'dev', 'pay', { version: 2 });
    now = new Date(now.getTime() + 60_000);
    const result = await autoRollback(deps, {
      eventId: 'e1',
      alarmName: 'rewind-drift-pay-psi',
      state: 'ALARM',
      reason: 'psi 0.6 > 0.25',
      firedAt: now,
      dimensions: { view: 'pay' },
    });
    expect(result.outcomes).toEqual([expect.objectContaining({ view: 'pay', action: 'rolled-back', toVersion: 1 })]);
    expect(deps.pointers.historyEntries.at(-1)).toMatchObject({ actor: 'system:alarm/rewind-drift-pay-psi', action: 'rollback' });
    expect(deps.pointers.historyEntries.at(-1)!.approvalId).toBeUndefined();
  });
});

describe('bake', () => {
  it('promotes once the bake has passed with no alarm, once', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 600 });
    const alarms = new LocalAlarmStatus();
    expect(await promoteBakedCandidates(deps, alarms)).toEqual([expect.objectContaining({ view: 'v', action: 'waiting', dueAt: '2026-11-25T12:10:00.000Z' })]);
    now = new Date('2026-11-25T12:10:00Z');
    expect(await promoteBakedCandidates(deps, alarms)).toEqual([expect.objectContaining({ view: 'v', action: 'promoted', version: 2 })]);
    expect(deps.pointers.historyEntries.at(-1)).toMatchObject({ action: 'promote', actor: BAKE_ACTOR });
    expect(await promoteBakedCandidates(deps, alarms)).toEqual([]);
  });

  it('holds a candidate whose view had an alarm since it started, even one that has cleared', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'shadow', bakeSeconds: 60 });
    const alarms = new LocalAlarmStatus();
    alarms.record('rewind-drift-v-psi', 'v', 'ALARM', new Date('2026-11-25T12:00:30Z'));
    alarms.record('rewind-drift-v-psi', 'v', 'OK', new Date('2026-11-25T12:00:40Z'));
    alarms.record('rewind-drift-other-psi', 'other', 'ALARM', new Date('2026-11-25T12:00:30Z'));
    now = new Date('2026-11-25T12:05:00Z');
    expect(await promoteBakedCandidates(deps, alarms)).toEqual([expect.objectContaining({ action: 'held', why: expect.stringContaining('rewind-drift-v-psi') })]);
    expect((await deps.pointers.getPointer('v'))!.candidate).toBeTruthy();
  });

  it('holds when the alarm state cannot be read', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 10, bakeSeconds: 1 });
    now = new Date('2026-11-25T12:01:00Z');
    const outcomes = await promoteBakedCandidates(deps, { alarmsSince: () => Promise.reject(new Error('throttled')) });
    expect(outcomes).toEqual([expect.objectContaining({ action: 'held', why: 'alarm state unknown: throttled' })]);
  });
});

describe('derived artifacts', () => {
  const artifacts = [
    { kind: 'dashboard', name: 'churn-board' },
    { kind: 'feature-vector-table', name: 'churn-vectors' },
    { kind: 'cache-namespace', name: 'user-cache' },
  ];

  it('are refreshed after every pointer change in the order data → models → dashboards, one event each', async () => {
    const deps = fresh();
    const invalidator = new LocalArtifactInvalidator();
    const wired = { ...deps, artifacts: invalidator };
    await deployVersion(wired, 'dev', 'v', request(1, { activate: true, artifacts }));
    await deployVersion(wired, 'dev', 'v', request(2, { artifacts: [{ kind: 'cache-namespace', name: 'user-cache-v2' }] }));
    const result = await activateVersion(wired, 'dev', 'v', { version: 2 });
    // Within a tier: the artifacts of the version going live first, then those of the one left.
    expect(result.artifacts!.map((a) => [a.name, a.tier, a.status])).toEqual([
      ['user-cache-v2', 'data', 'invalidated'],
      ['user-cache', 'data', 'invalidated'],
      ['churn-vectors', 'model', 'requested'],
      ['churn-board', 'dashboard', 'requested'],
    ]);
    const rb = await rollbackView(wired, 'dev', 'v', { reason: 'bad' });
    expect(rb.artifacts!.map((a) => a.name)).toEqual(['user-cache', 'user-cache-v2', 'churn-vectors', 'churn-board']);
    expect(invalidator.generation('user-cache')).toBe(3); // first activation, activation of 2, rollback
    // The events are the outbox's, from the rollback's history entry.
    const last = historyEvents(deps.pointers.historyEntries.at(-1)!, 'bus')
      .filter((e) => e.DetailType === ARTIFACT_EVENT)
      .map((e) => ({ detailType: e.DetailType, ...JSON.parse(e.Detail!) }));
    expect(last.map((e) => [e.detailType, e.artifact, e.status, e.action])).toEqual([
      ['FeatureArtifactRefreshed', { kind: 'cache-namespace', name: 'user-cache', tier: 'data' }, 'invalidated', 'rollback'],
      ['FeatureArtifactRefreshed', { kind: 'cache-namespace', name: 'user-cache-v2', tier: 'data' }, 'invalidated', 'rollback'],
      ['FeatureArtifactRefreshed', { kind: 'feature-vector-table', name: 'churn-vectors', tier: 'model' }, 'requested', 'rollback'],
      ['FeatureArtifactRefreshed', { kind: 'dashboard', name: 'churn-board', tier: 'dashboard' }, 'requested', 'rollback'],
    ]);
    expect(new Set(last.map((e) => e.eventId)).size).toBe(4);
  });

  it('a failed data artifact skips the models and dashboards after it, and the pointer change stands', async () => {
    const deps = fresh();
    const calls: string[] = [];
    const flaky: ArtifactInvalidator = {
      plan: () => ({ status: 'invalidated' }),
      refresh: async (r) => {
        calls.push(r.artifact.name);
        if (r.artifact.name === 'user-cache') throw new Error('cache cluster unreachable');
        return { status: 'invalidated' };
      },
    };
    const wired = { ...deps, artifacts: flaky };
    await deployVersion(wired, 'dev', 'v', request(1, { activate: true }));
    await deployVersion(wired, 'dev', 'v', request(2, { artifacts }));
    const result = await activateVersion(wired, 'dev', 'v', { version: 2 });
    expect(result.pointer.stable).toBe(2);
    expect(result.artifacts!.map((a) => [a.name, a.status])).toEqual([
      ['user-cache', 'failed'],
      ['churn-vectors', 'skipped'],
      ['churn-board', 'skipped'],
    ]);
    expect(calls).toEqual(['user-cache']);
  });

  it('plans each artifact once however many versions declare it, with the tier of its kind unless given', () => {
    const defs = parse(DeployRequestSchema, deployBody(1, 1, { artifacts: [...artifacts, { kind: 'dashboard', name: 'raw-tables', tier: 'data' }] }), 'body').artifacts;
    const plan = artifactPlan([
      { version: 2, artifacts: defs },
      { version: 1, artifacts: defs.slice(0, 1) },
    ]);
    expect(plan.map((p) => [p.artifact.name, p.artifact.tier, p.declaredBy])).toEqual([
      ['user-cache', 'data', [2]],
      ['raw-tables', 'data', [2]],
      ['churn-vectors', 'model', [2]],
      ['churn-board', 'dashboard', [2, 1]],
    ]);
  });
});

describe('serving', () => {
  it('answers candidate-arm entities with the candidate version\'s own values', async () => {
    const deps = fresh();
    await twoVersions(deps);
    await activateVersion(deps, 'dev', 'v', { version: 2, strategy: 'canary', percent: 100 });
    const served = await new FeatureServer(deps, deps.online, 0, { now: () => 10_000 }).serve('v', 'u1');
    expect(served).toMatchObject({ version: 2, arm: 'candidate', found: true });
    expect(served.features).toMatchObject((await deps.online.get('v', 2, 'u1'))!);
    expect(served.features).not.toEqual(await deps.online.get('v', 1, 'u1'));
  });
});
