/**
 * The right version pays (issue 15 items 4 and 5): per-version drift alarms roll back exactly
 * the version they measured, only when the monitor's measurement record backs them; stable
 * drift with nothing to go back to, during a trial, or past the rollback window pages instead;
 * guards read the activation of the served version, not the last history entry.
 */
import { driftAlarmName, vsStableAlarmName } from '../../contract/alarms';
import { autoRollback, parseAlarmEvent, type AlarmFired } from '../../core/auto-rollback';
import { deployVersion } from '../../core/deploy';
import { SnapshotIntegrityError } from '../../core/errors';
import { purgeOnline } from '../../core/purge';
import type { Measurement, MeasurementLog } from '../../core/measurements';
import { RecordingNotifier } from '../../core/notifier';
import { activateVersion, setFeatureDisabled } from '../../core/pointer-changes';
import { ActivateRequestSchema, DeployRequestSchema, parse } from '../../core/requests';
import { alarmEvent } from '../support/alarm-events';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

let now = new Date('2026-11-25T12:00:00Z');
const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 10, extra), 'body');

class MemoryMeasurements implements MeasurementLog {
  readonly items: Measurement[] = [];
  async record(m: readonly Measurement[]) {
    this.items.push(...m);
  }
  async between(view: string, version: number, since: string, until: string) {
    return this.items.filter((m) => m.view === view && m.version === version && m.from >= since && m.from <= until);
  }
}

/** A per-version drift alarm that fired now, with CloudWatch's reasonData (threshold 0.25, 60 s periods from 3 minutes ago). */
function fired(view: string, version: number, statistic = 'psi'): AlarmFired {
  const event = alarmEvent(driftAlarmName(view, 'psi', 'rewind', version), { view, at: now.toISOString() });
  event.detail.configuration.metrics[0]!.metricStat.metric.dimensions = { service: 'rewind', view, version: String(version), statistic } as never;
  (event.detail.state as Record<string, unknown>).reasonData = JSON.stringify({ threshold: 0.25, period: 60, startDate: new Date(now.getTime() - 180_000).toISOString() });
  const parsed = parseAlarmEvent(event);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.alarm;
}

const measured = (view: string, version: number, value: number, minutesAgo = 1): Measurement => ({
  view,
  version,
  statistic: 'psi',
  value,
  from: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
  to: new Date(now.getTime() - (minutesAgo - 1) * 60_000).toISOString(),
  samples: 300,
});

/** v1 stable, v2 stable after it, then v3 on a 20 % canary. */
async function canary() {
  now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  now = new Date('2026-11-25T12:01:00Z');
  await deployVersion(deps, 'dev', 'v', request(2, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(3));
  now = new Date('2026-11-25T12:02:00Z');
  await activateVersion(deps, 'dev', 'v', parse(ActivateRequestSchema, { version: 3, strategy: 'canary', percent: 20 }, 'body'));
  now = new Date('2026-11-25T12:10:00Z');
  return deps;
}

it('a drifting candidate is dropped, and the stable version keeps serving', async () => {
  const deps = await canary();
  const log = new MemoryMeasurements();
  await log.record([measured('v', 3, 0.8)]);
  const result = await autoRollback(deps, fired('v', 3), [], 'rewind', { measurements: log });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'rolled-back', fromVersion: 3, toVersion: 2 })]);
  expect((await deps.pointers.getPointer('v'))!).toMatchObject({ stable: 2 });
  expect((await deps.pointers.getPointer('v'))!.candidate ?? null).toBeNull();
});

/** The candidate's CandidateVsStable alarm (its sample against stable's, same window) that fired now. */
function firedVsStable(view: string, version: number): AlarmFired {
  const event = alarmEvent(vsStableAlarmName(view, 'psi', 'rewind', version), { view, at: now.toISOString() });
  const metric = event.detail.configuration.metrics[0]!.metricStat.metric;
  Object.assign(metric, { name: 'CandidateVsStable', dimensions: { service: 'rewind', view, version: String(version), statistic: 'psi' } });
  (event.detail.state as Record<string, unknown>).reasonData = JSON.stringify({ threshold: 0.25, period: 60, startDate: new Date(now.getTime() - 180_000).toISOString() });
  const parsed = parseAlarmEvent(event);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.alarm;
}

it('a candidate drifting from what stable serves to the same traffic (CandidateVsStable) is dropped, on its own measurement', async () => {
  const deps = await canary();
  const log = new MemoryMeasurements();
  await log.record([{ ...measured('v', 3, 0.7), metric: 'CandidateVsStable' }]);
  const result = await autoRollback(deps, firedVsStable('v', 3), [], 'rewind', { measurements: log });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'rolled-back', fromVersion: 3, toVersion: 2 })]);
  expect((await deps.pointers.getPointer('v'))!.candidate ?? null).toBeNull();
});

it('a CandidateVsStable alarm is not backed by a drift-vs-baseline record of the same statistic: it pages, nothing moves', async () => {
  const deps = await canary();
  const log = new MemoryMeasurements();
  await log.record([measured('v', 3, 0.7)]); // FeatureDrift, not the comparison with stable
  const notifier = new RecordingNotifier();
  const before = await deps.pointers.getPointer('v');
  const result = await autoRollback(deps, firedVsStable('v', 3), [], 'rewind', { measurements: log, notifier });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'none' })]);
  expect(notifier.notices.map((n) => n.kind)).toEqual(['unmeasured-alarm']);
  expect(await deps.pointers.getPointer('v')).toEqual(before);
});

it('stable drift during a canary does not drop the innocent candidate: it pages', async () => {
  const deps = await canary();
  const log = new MemoryMeasurements();
  await log.record([measured('v', 2, 0.8)]);
  const notifier = new RecordingNotifier();
  const before = await deps.pointers.getPointer('v');
  const result = await autoRollback(deps, fired('v', 2), [], 'rewind', { measurements: log, notifier });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'none', why: expect.stringMatching(/candidate is not to blame/) })]);
  expect(await deps.pointers.getPointer('v')).toEqual(before);
  expect(notifier.notices.map((n) => [n.kind, n.version])).toEqual([['stable-drift-during-trial', 2]]);
});

it('an alarm no measurement record backs is ignored and paged, writing nothing', async () => {
  const deps = await canary();
  const log = new MemoryMeasurements();
  // Below the threshold, another version's, and outside the alarm's range: none backs it.
  await log.record([measured('v', 3, 0.1), measured('v', 2, 0.9), measured('v', 3, 0.9, 30)]);
  const notifier = new RecordingNotifier();
  const before = await deps.pointers.getPointer('v');
  const result = await autoRollback(deps, fired('v', 3), [], 'rewind', { measurements: log, notifier });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'none', why: expect.stringMatching(/recorded no psi of v v3 above 0.25/) })]);
  expect(await deps.pointers.getPointer('v')).toEqual(before);
  expect(notifier.notices.map((n) => n.kind)).toEqual(['unmeasured-alarm']);
});

it('stable drift with nothing to roll back to pages', async () => {
  now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  now = new Date('2026-11-25T12:05:00Z');
  const notifier = new RecordingNotifier();
  const result = await autoRollback(deps, fired('v', 1), [], 'rewind', { notifier });
  expect(result.outcomes[0]).toMatchObject({ action: 'none' });
  expect(notifier.notices.map((n) => n.kind)).toEqual(['no-rollback-target']);
});

it('past the rollback window, drift pages instead of rolling back (per view: monitor.rollbackWithinSeconds)', async () => {
  now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(2, { activate: true, validation: { monitor: { rollbackWithinSeconds: 3600 } } }));
  now = new Date('2026-11-25T14:00:00Z');
  const notifier = new RecordingNotifier();
  const result = await autoRollback(deps, fired('v', 2), [], 'rewind', { notifier });
  expect(result.outcomes[0]).toMatchObject({ action: 'none', why: expect.stringMatching(/longer than its rollback window of 3600 s/) });
  expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
  expect(notifier.notices.map((n) => n.kind)).toEqual(['drift-past-rollback-window']);
});

it('a feature disable/enable after a rollback does not reset the "already rolled back" guard', async () => {
  now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(2, { activate: true }));
  await deployVersion(deps, 'dev', 'v', request(3, { activate: true }));
  now = new Date('2026-11-25T12:01:00Z');
  await autoRollback(deps, fired('v', 3), [], 'rewind');
  expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
  await setFeatureDisabled(deps, 'dev', 'v', 'age', true, { reason: 'upstream zeros' });
  await setFeatureDisabled(deps, 'dev', 'v', 'age', false, { reason: 'fixed' });
  now = new Date('2026-11-25T12:03:00Z');
  const again = await autoRollback(deps, fired('v', 2), [], 'rewind');
  expect(again.outcomes[0]).toMatchObject({ action: 'none', why: expect.stringMatching(/already on a restored version/) });
  expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
});

it('an alarm about a version no longer served changes nothing', async () => {
  const deps = await canary();
  const result = await autoRollback(deps, fired('v', 1), [], 'rewind');
  expect(result.outcomes[0]).toMatchObject({ action: 'none', why: expect.stringMatching(/no longer served/) });
});

it('a rollback refused for good (the restored version\'s snapshot is corrupt) pages rollback-failed instead of failing its retries in silence', async () => {
  now = new Date('2026-11-25T12:00:00Z');
  const deps = memoryDeps(() => now);
  await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
  now = new Date('2026-11-25T12:01:00Z');
  await deployVersion(deps, 'dev', 'v', request(2, { activate: true }));
  now = new Date('2026-11-25T12:02:00Z');
  await purgeOnline(deps, 'ops', 'v', 1, { servingCacheMs: 1000 });
  // The way back must rebuild v1 from its snapshot, whose bytes no longer match their sha256.
  deps.snapshots.read = async (ref) => {
    throw new SnapshotIntegrityError(ref.uri, ref.sha256, 'f'.repeat(64));
  };
  const log = new MemoryMeasurements();
  await log.record([measured('v', 2, 0.8)]);
  const notifier = new RecordingNotifier();
  const before = await deps.pointers.getPointer('v');
  const result = await autoRollback(deps, fired('v', 2), [], 'rewind', { measurements: log, notifier });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'none', why: expect.stringMatching(/was not rolled back automatically .*is corrupt.*a person must act/) })]);
  expect(notifier.notices.map((n) => [n.kind, n.view, n.detail?.code])).toEqual([['rollback-failed', 'v', 'SnapshotIntegrity']]);
  expect(await deps.pointers.getPointer('v')).toEqual(before);
});
