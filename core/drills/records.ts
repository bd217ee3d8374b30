/**
 * Drill reports as the API stores and serves them (POST /drills, GET /drills, GET /drills/{id}).
 * The runner (core/drills/runner.ts) posts what it measured; the report is checked here and
 * stored once, audited on the drill view's chain as a drill, and a failed drill escalates.
 */
import * as z from 'zod';
import type { Deps } from '../deps';
import { DrillNotFoundError, ValidationError } from '../errors';
import type { Notifier } from '../notifier';
import type { DrillStore } from '../ports/drills';
import type { DrillReport } from './report';
import { DRILL_ID, inNamespace, SCENARIOS } from './scenarios';

const ms = z.number().min(0).max(24 * 3600 * 1000);
export const DrillReportSchema = z
  .object({
    id: z.string().regex(DRILL_ID, 'must be a drill id (d<yyyymmddhhmmss>-<4 hex>)'),
    scenario: z.enum(SCENARIOS),
    mode: z.enum(['auto', 'manual']),
    rows: z.number().int().min(1),
    rps: z.number().positive(),
    view: z.string().min(1).max(128),
    target: z.string().max(2048),
    startedAt: z.string(),
    finishedAt: z.string(),
    targetMttrSeconds: z.number().positive(),
    outcome: z.enum(['passed', 'failed']),
    failures: z.array(z.string().max(2000)).max(50),
    fault: z.string().max(1000),
    measures: z.object({ mttdMs: ms.nullable(), mttrMs: ms.nullable(), requests: z.number().int().min(0), servedBad: z.number().int().min(0), loadErrors: z.number().int().min(0), p50Ms: z.number().min(0), p99Ms: z.number().min(0) }),
    verification: z.object({ sampled: z.number().int().min(0), exact: z.number().int().min(0), version: z.number().int().nullable(), runbook: z.string().max(100).optional() }),
    timeline: z.array(z.object({ event: z.string().max(40), t: z.number(), note: z.string().max(500).optional() })).max(50),
    latency: z.array(z.object({ t: z.number(), n: z.number(), p50: z.number(), max: z.number(), bad: z.number(), errors: z.number() })).max(200),
    cleanup: z.object({ purged: z.array(z.number().int()), kept: z.array(z.number().int()), note: z.string().max(500).optional() }),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!inNamespace(r.id, r.view)) ctx.addIssue({ code: 'custom', path: ['view'], message: `must be one of drill ${r.id}'s views (drill-${r.id}-…)` });
  });

// Any id parses: one that is not a drill id's shape is a report that does not exist (404 without
// a read), so a caller no role allows is refused (403) before anything about the id is said.
export const DrillParamsSchema = z.object({ id: z.string().min(1).max(200) });
export const DrillFormatQuerySchema = z.object({ format: z.enum(['json', 'md', 'html']).default('json') });

/** Stores the report, audits it on the drill view's chain (marked `drill: true`), and pages when it failed. */
export async function recordDrill(deps: Pick<Deps, 'audit'>, drills: DrillStore, notifier: Notifier, actor: string, report: DrillReport): Promise<DrillReport & { auditId: string }> {
  if (!(await drills.put(report))) throw new ValidationError('body.id', `drill ${report.id} is already recorded`);
  const audit = await deps.audit.appendAudit({
    actor,
    action: 'drill',
    outcome: 'allowed',
    view: report.view,
    reason: `drill ${report.id}: ${report.scenario} ${report.outcome}`,
    detail: { drill: true, id: report.id, scenario: report.scenario, mttrMs: report.measures.mttrMs, servedBad: report.measures.servedBad, failures: report.failures.slice(0, 5) },
  });
  if (report.outcome === 'failed')
    await notifier.notify({
      kind: 'drill-failed',
      view: report.view,
      summary: `drill ${report.id} (${report.scenario}, ${report.mode}) failed: ${report.failures.join('; ')}`.slice(0, 1000),
      key: `drill-failed#${report.id}`,
      context: { drill: report.id, scenario: report.scenario, measures: report.measures, verification: report.verification, links: { drill: `/drills/${report.id}`, audit: `/audit?view=${encodeURIComponent(report.view)}`, auditId: audit.id } },
    });
  return { ...report, auditId: audit.id };
}

export async function getDrill(drills: DrillStore, id: string): Promise<DrillReport> {
  if (!DRILL_ID.test(id)) throw new DrillNotFoundError(id);
  const report = await drills.get(id);
  if (!report) throw new DrillNotFoundError(id);
  return report;
}
