/**
 * Runbooks: the steps that follow a rollback (DESIGN "runbook"). A view declares its runbook in
 * its view file (`runbook.steps`), so it is part of the version record and versioned with the
 * view; a view that declares none follows {@link DEFAULT_RUNBOOK}. The steps are of known kinds
 * only: an unknown kind is refused at deploy naming the step (`body.runbook.steps[2].kind`),
 * because a step nobody can run would only be discovered on the bad night.
 *
 * This file is pure: the schema, the default, and the checklist a person reads
 * (GET /views/{view}/runbook). Running the steps is core/runbook-run.ts.
 */
import * as z from 'zod';

export const RUNBOOK_STEP_KINDS = ['verify-restored', 'check-models', 'refresh-artifacts', 'notify', 'require-ack'] as const;
export type RunbookStepKind = (typeof RUNBOOK_STEP_KINDS)[number];

/** Entities `verify-restored` reads back by default: enough to catch a wrong version, cheap on a hot view. */
export const DEFAULT_VERIFY_SAMPLE = 20;
export const MAX_VERIFY_SAMPLE = 500;
/** How long `check-models` waits for the consumers' alarms to be back to OK by default. */
export const DEFAULT_MODEL_DEADLINE_SECONDS = 120;
/** A Lambda's 15 minutes, less the other steps' room. */
export const MAX_MODEL_DEADLINE_SECONDS = 600;

export const RunbookStepSchema = z
  .object({
    kind: z.enum(RUNBOOK_STEP_KINDS, { error: `must be one of ${RUNBOOK_STEP_KINDS.join(', ')}` }),
    /** verify-restored: how many entities of the restored version's snapshot are read back through serving. */
    sample: z.number().int().min(1).max(MAX_VERIFY_SAMPLE).optional(),
    /** check-models: how long the consumers' alarms have to be back to OK. */
    deadlineSeconds: z.number().int().min(0).max(MAX_MODEL_DEADLINE_SECONDS).optional(),
    /** require-ack: the role whose member acknowledges (shown in the checklist). */
    role: z.string().min(1).max(64).optional(),
    /** notify / require-ack: who is told or asked (a team, a channel; shown in the checklist). */
    to: z.string().min(1).max(256).optional(),
    /** A line for the person reading the checklist. */
    note: z.string().max(500).optional(),
  })
  .strict();
export type RunbookStep = z.infer<typeof RunbookStepSchema>;

export const RunbookSchema = z.object({ steps: z.array(RunbookStepSchema).min(1, 'must declare at least one step').max(20) }).strict();
export type Runbook = z.infer<typeof RunbookSchema>;

/**
 * What follows a rollback of a view that declared no runbook: check that the restored version
 * is what is served, that its models are healthy again, and that its derived artifacts were
 * refreshed. Escalation (core/escalation.ts) pages on its own; a `notify` step is for views whose
 * owners want the outcome of every rollback too.
 */
export const DEFAULT_RUNBOOK: Runbook = {
  steps: [{ kind: 'verify-restored' }, { kind: 'check-models' }, { kind: 'refresh-artifacts' }],
};

/** The runbook of a version record: its own, else the default. */
export function runbookOf(record: { runbook?: Runbook } | undefined): { runbook: Runbook; declared: boolean } {
  return record?.runbook ? { runbook: record.runbook, declared: true } : { runbook: DEFAULT_RUNBOOK, declared: false };
}

/** Today's facts, filled into the checklist. */
export interface ChecklistFacts {
  view: string;
  /** What is served now and what a rollback would go back to (the previous good version). */
  serving: number | null;
  knownGood: number | null;
  /** Roles that may roll back this view's tier, and whether an approval is needed. */
  mayRollBack: string[];
  mayApprove: string[];
  approvalNeeded: boolean;
  models: string[];
  sources: { uri: string; checksum?: string }[];
  artifacts: { kind: string; name: string }[];
  declared: boolean;
}

export interface ChecklistItem {
  step: number;
  /** `rollback`: the rollback itself, step 0, which every runbook follows. */
  kind: RunbookStepKind | 'rollback';
  title: string;
  /** What to type, when a person does the step by hand. */
  commands: string[];
  note?: string;
}

export interface Checklist extends ChecklistFacts {
  runbook: Runbook;
  /** The rollback itself comes first (step 0): every runbook follows one. */
  items: ChecklistItem[];
}

/**
 * The runbook as a person reads it on the bad night, with the commands to type.
 *
 * @example checklist(DEFAULT_RUNBOOK, facts).items[0].commands[0] // "rewind rollback orders --to 3 --reason '…'"
 */
export function checklist(runbook: Runbook, facts: ChecklistFacts): Checklist {
  const v = facts.view;
  const to = facts.knownGood;
  const rollback: ChecklistItem = {
    step: 0,
    kind: 'rollback',
    title: `Roll back ${v}${facts.serving !== null ? ` from v${facts.serving}` : ''}${to !== null ? ` to known-good v${to}` : ''} (roles: ${facts.mayRollBack.join(', ') || 'none'}${facts.approvalNeeded ? `; needs an approval from ${facts.mayApprove.join(', ') || 'nobody'}` : ''})`,
    commands: [
      ...(facts.approvalNeeded ? [`rewind approve ${v}${to !== null ? ` ${to}` : ''} --action rollback --reason '<why>'`] : []),
      `rewind rollback ${v}${to !== null ? ` --to ${to}` : ''} --reason '<why>'`,
    ],
  };
  const items = runbook.steps.map((step, i): ChecklistItem => ({ step: i + 1, kind: step.kind, ...describe(step, facts), ...(step.note ? { note: step.note } : {}) }));
  return { ...facts, runbook, items: [rollback, ...items] };
}

function describe(step: RunbookStep, f: ChecklistFacts): { title: string; commands: string[] } {
  const v = f.view;
  switch (step.kind) {
    case 'verify-restored':
      return {
        title: `Verify that ${step.sample ?? DEFAULT_VERIFY_SAMPLE} entities are served with exactly v${f.knownGood ?? '?'}'s values`,
        commands: [`rewind status ${v}`, `rewind history ${v} --limit 1   # followUp.status must be 'verified'`],
      };
    case 'check-models':
      return {
        title: `Check that the models' alarms are back to OK within ${step.deadlineSeconds ?? DEFAULT_MODEL_DEADLINE_SECONDS} s: ${f.models.join(', ') || '(no consumer declared)'}`,
        commands: f.models.map((m) => `rewind lineage model ${m}`),
      };
    case 'refresh-artifacts':
      return {
        title: `Check that the derived artifacts were refreshed: ${f.artifacts.map((a) => `${a.kind} ${a.name}`).join(', ') || '(none declared)'}`,
        commands: [`rewind history ${v} --limit 1`],
      };
    case 'notify':
      return { title: `Tell ${step.to ?? 'the on-call channel'} what happened (sources: ${f.sources.map((s) => s.uri).join(', ') || 'none'})`, commands: [`rewind runbook ${v}`] };
    case 'require-ack':
      return { title: `A ${step.role ?? 'person'} acknowledges the rollback${step.to ? ` (${step.to})` : ''}`, commands: [`rewind audit list --view ${v} --limit 5`] };
  }
}

/** The checklist as Markdown (`?format=md`, `rewind runbook <view>`). */
export function checklistMarkdown(c: Checklist): string {
  const lines = [
    `# Runbook: ${c.view}${c.declared ? '' : ' (default runbook: the view declares none)'}`,
    '',
    `- serving now: ${c.serving === null ? 'nothing' : `v${c.serving}`}; known-good: ${c.knownGood === null ? 'none (nothing to roll back to)' : `v${c.knownGood}`}`,
    `- may roll back: ${c.mayRollBack.join(', ') || 'nobody'}${c.approvalNeeded ? `; approval needed from: ${c.mayApprove.join(', ') || 'nobody'}` : '; no approval needed'}`,
    `- models: ${c.models.join(', ') || 'none declared'}`,
    `- sources: ${c.sources.map((s) => `${s.uri}${s.checksum ? ` (${s.checksum})` : ''}`).join(', ') || 'none declared'}`,
    '',
  ];
  for (const item of c.items) {
    lines.push(`- [ ] ${item.step}. ${item.title}`);
    for (const command of item.commands) lines.push(`      \`${command}\``);
    if (item.note) lines.push(`      ${item.note}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One step's outcome after a rollback, as the history entry's follow-up and the audit log keep it. */
export interface StepOutcome {
  step: number;
  kind: RunbookStepKind;
  outcome: 'passed' | 'failed' | 'skipped' | 'pending';
  detail: string;
  ms: number;
}

/**
 * What ran after a rollback: recorded on the rollback's history entry (`followUp`) and in the
 * view's audit chain. `verified`: every checking step passed; `verification-failed`: one failed.
 */
export interface FollowUp {
  status: 'verified' | 'verification-failed';
  declared: boolean;
  startedAt: string;
  finishedAt: string;
  steps: StepOutcome[];
  /** A `require-ack` step waits for a person: the rollback is verified, not yet acknowledged. */
  awaitingAck?: boolean;
  /** The audit entry that records the outcomes. */
  auditId?: string;
  /** The notices sent for this rollback (their kinds), at most one of each. */
  notified?: string[];
}
