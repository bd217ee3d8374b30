/**
 * Running a view's runbook after a rollback, without a human. Called by the after-rollback
 * consumer (functions/after-rollback.ts) when the rollback's `FeatureViewRolledBack` event
 * arrives from the history outbox, never from the rollback itself: a rollback must stay two
 * round trips however slow a model alarm is to clear or a webhook is to answer, and a
 * committed rollback always gets its event, so it always gets its runbook too.
 *
 * Each step's outcome goes to the rollback's follow-up (shown on its history entry as `followUp`) and to one audit entry on the
 * view's chain (actor `system:runbook`). The runbook is the one of the version restored (the
 * version that is served now and whose checks apply), else the default.
 */
import { isHeartbeatAlarm } from '../contract/alarms';
import type { AlarmStatus } from './bake';
import type { Deps } from './deps';
import type { HistoryEntry, VersionRecord } from './model';
import type { FollowUpLog } from './ports/follow-ups';
import { withDefaults } from './rows';
import { DEFAULT_MODEL_DEADLINE_SECONDS, DEFAULT_VERIFY_SAMPLE, runbookOf, type FollowUp, type RunbookStep, type StepOutcome } from './runbook';

export const RUNBOOK_ACTOR = 'system:runbook';
/** How often check-models looks at the alarms again while waiting for them to clear. */
const MODEL_POLL_MS = 2000;

export interface RunbookPorts {
  deps: Pick<Deps, 'catalog' | 'pointers' | 'audit' | 'online' | 'snapshots'>;
  followUps: FollowUpLog;
  /** What the view's alarms say (absent: check-models is skipped, saying why). */
  alarms?: AlarmStatus;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs the runbook for one rollback's history entry, records the outcome, and returns it.
 *
 * @example (await runRunbook(ports, entry)).status // 'verified'
 */
export async function runRunbook(ports: RunbookPorts, entry: HistoryEntry): Promise<FollowUp> {
  return recordFollowUp(ports, entry, await runSteps(ports, entry));
}

/** The steps' outcomes, recorded nowhere yet (the consumer adds the notices it sent, then records). */
export async function runSteps(ports: RunbookPorts, entry: HistoryEntry): Promise<FollowUp> {
  const now = ports.now ?? (() => new Date());
  const { deps } = ports;
  const restored = entry.toVersion === null ? undefined : await deps.catalog.getVersion(entry.view, entry.toVersion);
  const { runbook, declared } = runbookOf(restored);
  const startedAt = now().toISOString();
  const steps: StepOutcome[] = [];
  for (const [i, step] of runbook.steps.entries()) {
    const started = performance.now();
    let result: Omit<StepOutcome, 'step' | 'kind' | 'ms'>;
    try {
      result = await runStep(ports, entry, restored, step);
    } catch (error) {
      result = { outcome: 'failed', detail: `the step could not run: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
    }
    steps.push({ step: i + 1, kind: step.kind, ...result, ms: Math.round(performance.now() - started) });
  }
  const failed = steps.some((s) => s.outcome === 'failed');
  const followUp: FollowUp = {
    status: failed ? 'verification-failed' : 'verified',
    declared,
    startedAt,
    finishedAt: now().toISOString(),
    steps,
    ...(steps.some((s) => s.outcome === 'pending') ? { awaitingAck: true as const } : {}),
  };
  return followUp;
}

/** One audit entry on the view's chain, then the history entry's `followUp` citing it. */
export async function recordFollowUp(ports: Pick<RunbookPorts, 'deps' | 'followUps'>, entry: HistoryEntry, followUp: FollowUp): Promise<FollowUp> {
  const steps = followUp.steps;
  const audit = await ports.deps.audit.appendAudit({
    actor: RUNBOOK_ACTOR,
    action: 'runbook',
    outcome: 'allowed',
    view: entry.view,
    reason: `after rollback revision ${entry.revision} (v${entry.fromVersion ?? '?'} → v${entry.toVersion ?? '?'}): ${followUp.status}`,
    detail: { revision: entry.revision, rollbackAuditId: entry.auditId, status: followUp.status, notified: followUp.notified ?? [], steps: steps.map((s) => ({ step: s.step, kind: s.kind, outcome: s.outcome, detail: s.detail })) },
  });
  const recorded = { ...followUp, auditId: audit.id };
  await ports.followUps.recordFollowUp(entry.view, entry.revision, recorded);
  return recorded;
}

async function runStep(ports: RunbookPorts, entry: HistoryEntry, restored: VersionRecord | undefined, step: RunbookStep): Promise<Omit<StepOutcome, 'step' | 'kind' | 'ms'>> {
  switch (step.kind) {
    case 'verify-restored':
      return verifyRestored(ports.deps, entry, restored, step.sample ?? DEFAULT_VERIFY_SAMPLE);
    case 'check-models':
      return checkModels(ports, entry, restored, step.deadlineSeconds ?? DEFAULT_MODEL_DEADLINE_SECONDS);
    case 'refresh-artifacts': {
      const planned = entry.artifacts ?? [];
      if (planned.length === 0) return { outcome: 'skipped', detail: 'no derived artifact is declared by the versions involved' };
      // The rollback planned them and the outbox announced each (FeatureArtifactRefreshed); an in-request refresh that failed says so here.
      return { outcome: 'passed', detail: planned.map((a) => `${a.kind} ${a.name}: ${a.status}`).join('; ') };
    }
    case 'notify':
      // The escalation (core/escalation.ts) is sent by the consumer with the outcome; this step records who is told.
      return { outcome: 'passed', detail: `outcome sent to ${step.to ?? 'the ops channel'} with the escalation notifier` };
    case 'require-ack':
      return { outcome: 'pending', detail: `waiting for a ${step.role ?? 'person'} to acknowledge${step.to ? ` (${step.to})` : ''}` };
  }
}

/**
 * A sample of the restored version's own snapshot, read back the way a client is served
 * (pointer, online row, defaults): every value must be exactly the snapshot's. This catches a
 * pointer that does not name the restored version, missing or overwritten online rows, and a
 * snapshot whose bytes changed (its read refuses a sha256 mismatch).
 */
async function verifyRestored(deps: RunbookPorts['deps'], entry: HistoryEntry, restored: VersionRecord | undefined, sample: number): Promise<Omit<StepOutcome, 'step' | 'kind' | 'ms'>> {
  if (!restored) return { outcome: 'failed', detail: `the restored version v${entry.toVersion ?? '?'} has no record` };
  const pointer = await deps.pointers.getPointer(entry.view);
  if (pointer?.revision !== entry.revision && pointer?.stable !== restored.version)
    return { outcome: 'skipped', detail: `the view moved on since (revision ${pointer?.revision ?? '?'}, serving v${pointer?.stable ?? 'nothing'}): nothing to verify for this rollback` };
  if (pointer?.stable !== restored.version) return { outcome: 'failed', detail: `the pointer serves v${pointer?.stable ?? 'nothing'}, not the restored v${restored.version}` };
  const rows = await deps.snapshots.read(restored.snapshot, restored.definition);
  if (rows.length === 0) return { outcome: 'passed', detail: `v${restored.version} has no rows: nothing to compare` };
  const step = Math.max(1, Math.floor(rows.length / sample));
  const picked = rows.filter((_, i) => i % step === 0).slice(0, sample);
  const stored = await deps.online.getMany(entry.view, picked.map((r) => ({ version: restored.version, entity: r.entity })));
  const disabled = new Set(pointer.disabledFeatures);
  const mismatches: string[] = [];
  picked.forEach((row, i) => {
    const served = withDefaults(restored.definition, stored[i]);
    const expected = withDefaults(restored.definition, row.values);
    if (stored[i] === undefined) return void mismatches.push(`${row.entity}: no online row`);
    for (const [name, value] of Object.entries(expected)) if (!disabled.has(name) && served[name] !== value) mismatches.push(`${row.entity}.${name}: served ${JSON.stringify(served[name])}, snapshot ${JSON.stringify(value)}`);
  });
  if (mismatches.length) return { outcome: 'failed', detail: `${mismatches.length} value(s) differ from v${restored.version}'s snapshot: ${mismatches.slice(0, 5).join('; ')}` };
  return { outcome: 'passed', detail: `${picked.length} of ${rows.length} entities served exactly v${restored.version}'s snapshot values` };
}

/** The view's alarms (drift and the models' bound alarms) back to OK within the deadline. */
async function checkModels(ports: RunbookPorts, entry: HistoryEntry, restored: VersionRecord | undefined, deadlineSeconds: number): Promise<Omit<StepOutcome, 'step' | 'kind' | 'ms'>> {
  const models = restored?.consumers ?? [];
  if (!ports.alarms) return { outcome: 'skipped', detail: 'no alarm status is readable here' };
  const now = ports.now ?? (() => new Date());
  const sleep = ports.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now().getTime() + deadlineSeconds * 1000;
  for (;;) {
    // The version rolled back keeps its own per-version drift alarms in ALARM until they are deleted: they say nothing of the restored one.
    const stale = entry.fromVersion === null ? undefined : new RegExp(`-v${entry.fromVersion}-[A-Za-z0-9_]+$`);
    // Nor do the monitor's heartbeat alarms: they say the monitor is not measuring (a page of
    // their own, docs/operations.md), not that a model is unwell.
    const firing = (await ports.alarms.alarmsSince(entry.view, now())).filter((name) => !stale?.test(name) && !isHeartbeatAlarm(name));
    if (firing.length === 0) return { outcome: 'passed', detail: `no alarm about ${entry.view} is in ALARM (models: ${models.join(', ') || 'none declared'})` };
    if (now().getTime() >= deadline) return { outcome: 'failed', detail: `still in ALARM after ${deadlineSeconds} s: ${firing.join(', ')}` };
    await sleep(Math.min(MODEL_POLL_MS, Math.max(0, deadline - now().getTime())));
  }
}
