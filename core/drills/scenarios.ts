/**
 * Drills: a rehearsed faulty deployment in its own namespace, with measured time to recover
 * (DESIGN "drill"). This file is pure: the options and their bounds, the namespace, the
 * known-good data and each scenario's fault. The runner (core/drills/runner.ts) talks HTTP.
 *
 * The namespace: every view a drill touches is `drill-<id>-<scenario>`, and the runner refuses to
 * address any other (see {@link assertInNamespace}); every change it makes carries the reason
 * prefix `drill <id>:`, so the audit log tells a drill's changes and refusals from real ones.
 */
import * as z from 'zod';

export const SCENARIOS = ['drift', 'nulls', 'schema-break', 'corrupt-snapshot', 'bad-source'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** A drill deploys its rows synchronously or as a job; past a million rows it is a load test, not a drill. */
export const MAX_DRILL_ROWS = 1_000_000;
/** The load generator is one process: past this it measures itself, not Rewind. */
export const MAX_DRILL_RPS = 1000;
export const MIN_DRILL_ROWS = 50;
/** Past an hour nobody is rehearsing recovery any more. */
export const MAX_TARGET_MTTR_SECONDS = 3600;

export const DrillOptionsSchema = z
  .object({
    scenario: z.enum(SCENARIOS, { error: `must be one of ${SCENARIOS.join(', ')}` }),
    rows: z.number().int('must be a whole number').min(MIN_DRILL_ROWS, `must be at least ${MIN_DRILL_ROWS}`).max(MAX_DRILL_ROWS, `must be at most ${MAX_DRILL_ROWS.toLocaleString('en')}`).default(1000),
    rps: z.number().min(1, 'must be at least 1').max(MAX_DRILL_RPS, `must be at most ${MAX_DRILL_RPS}`).default(20),
    targetMttrSeconds: z.number().positive('must be positive').max(MAX_TARGET_MTTR_SECONDS, `must be at most ${MAX_TARGET_MTTR_SECONDS} s`).default(30),
    mode: z.enum(['auto', 'manual'], { error: 'must be auto or manual' }).default('auto'),
    /** How long to wait for detection and recovery before calling the drill failed. */
    timeoutSeconds: z.number().positive().max(3600).default(120),
    /**
     * The alarm period the drill expects (seconds): its views' policies carry it when CloudWatch
     * allows it (10, 20, 30, minutes), else 10 s; a runtime's override (REWIND_ALARM_PERIOD_SECONDS=1) wins.
     * It also sizes the monitor's minimum sample.
     */
    periodSeconds: z.number().int().min(1).max(300).default(10),
  })
  .strict();
export type DrillOptions = z.infer<typeof DrillOptionsSchema>;

/**
 * Options from the command line or a request, or a message naming the field.
 *
 * @example parseDrillOptions({ scenario: 'flood' }) // { ok: false, field: 'scenario', message: 'must be one of drift, …' }
 */
export function parseDrillOptions(input: unknown): { ok: true; options: DrillOptions } | { ok: false; field: string; message: string } {
  const parsed = DrillOptionsSchema.safeParse(input);
  if (parsed.success) return { ok: true, options: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, field: issue.path.join('.') || 'options', message: issue.message };
}

/** `d<yyyymmddhhmmss>-<4 hex>`: sortable by start, unique enough for one stack's drills. */
export function newDrillId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `d${stamp}-${suffix}`;
}

export const DRILL_ID = /^d\d{14}-[0-9a-f]{4}$/;
export const DRILL_VIEW_PREFIX = 'drill-';

export function drillView(id: string, scenario: Scenario): string {
  return `${DRILL_VIEW_PREFIX}${id}-${scenario}`;
}

/** Whether `view` belongs to drill `id`. */
export function inNamespace(id: string, view: string): boolean {
  return view.startsWith(`${DRILL_VIEW_PREFIX}${id}-`);
}

export class OutsideDrillNamespaceError extends Error {
  constructor(id: string, path: string) {
    super(`drill ${id} refused to touch ${path}: a drill only addresses views named ${DRILL_VIEW_PREFIX}${id}-…`);
    this.name = 'OutsideDrillNamespaceError';
  }
}

/**
 * Throws unless `path` addresses only drill `id`'s views (or reads nothing view-specific).
 * Every request of the runner passes through it.
 */
export function assertInNamespace(id: string, method: string, path: string): void {
  const view = /^\/(?:views|online)\/([^/?]+)/.exec(path)?.[1];
  if (view !== undefined && inNamespace(id, decodeURIComponent(view))) return;
  const harmless = method === 'GET' && /^\/(drills|jobs|views\/?$|audit)/.test(path);
  const ownReport = /^\/drills(\/|$)/.test(path);
  if (view === undefined && (harmless || ownReport)) return;
  throw new OutsideDrillNamespaceError(id, `${method} ${path}`);
}

export const DRILL_MODEL = 'drill-ranker';
export const DRILL_SOURCE = 's3://drill-lake/events/';

export const drillDefinition = {
  entity: 'id',
  features: [
    { name: 'score', type: 'float' },
    { name: 'clicks', type: 'int', default: 0 },
    { name: 'segment', type: 'string', default: 'none' },
  ],
} as const;

export interface DrillRow {
  id: string;
  score: number | null;
  clicks: number;
  segment: string;
}

/** The known-good version's rows: deterministic, spread out, the same for every run of the same size. */
export function knownGoodRows(n: number): DrillRow[] {
  return Array.from({ length: n }, (_, i) => ({ id: `e${i}`, score: (((i * 37) % 200) / 4 + 5), clicks: (i * 13) % 50, segment: ['a', 'b', 'c', 'd'][i % 4]! }));
}

/** The monitor policy a drill's versions carry: alarms that fire on the fault within a few periods. */
export function drillMonitor(o: Pick<DrillOptions, 'periodSeconds' | 'rps'>) {
  // CloudWatch takes 10, 20, 30 s or minutes; shorter periods are a runtime's override (REWIND_ALARM_PERIOD_SECONDS), sized for here.
  const periodSeconds = [10, 20, 30].includes(o.periodSeconds) || o.periodSeconds % 60 === 0 ? o.periodSeconds : 10;
  return { periodSeconds, evaluationPeriods: 2, datapointsToAlarm: 1, minSamples: Math.max(5, Math.min(30, Math.floor(o.rps * o.periodSeconds * 0.5))) };
}

/** What the bad version is, per scenario: its rows, and what else its deploy says. */
export interface Fault {
  scenario: Scenario;
  /** One sentence for the report. */
  what: string;
  body: Record<string, unknown>;
  /** Whether Rewind is expected to refuse it at deploy (then nothing is ever served bad). */
  refusedAtDeploy: boolean;
}

/**
 * The faulty deploy of each scenario, given the known-good rows.
 *  - drift: `score` ×100 (a unit bug), let through by a `warn` policy;
 *  - nulls: `score` null for every entity;
 *  - schema-break: `score` removed although the consumer model reads it (preflight refuses);
 *  - bad-source: the same source URI with another checksum, carrying shifted data;
 *  - corrupt-snapshot: a good v2; the fault is v1's snapshot bytes changed in the bucket before a
 *    rollback that needs it (v1's online rows purged), injected by the runner's injector.
 */
export function faultFor(scenario: Scenario, good: readonly DrillRow[], monitor: ReturnType<typeof drillMonitor>): Fault {
  const base = { definition: drillDefinition, consumers: [{ name: DRILL_MODEL, features: ['score', 'segment'] }], validation: { enforce: 'warn', monitor } };
  switch (scenario) {
    case 'drift':
      return { scenario, what: 'score ×100 (a unit bug), let through by a warn policy', body: { ...base, rows: good.map((r) => ({ ...r, score: (r.score ?? 0) * 100 })), sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:good' }] }, refusedAtDeploy: false };
    case 'nulls':
      return { scenario, what: 'score goes null for every entity', body: { ...base, rows: good.map((r) => ({ ...r, score: null })), sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:good' }] }, refusedAtDeploy: false };
    case 'bad-source':
      return {
        scenario,
        what: `${DRILL_SOURCE} re-ingested with another checksum, carrying shifted scores`,
        body: { ...base, rows: good.map((r) => ({ ...r, score: (r.score ?? 0) * 7 + 300 })), sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:changed' }] },
        refusedAtDeploy: false,
      };
    case 'schema-break':
      return {
        scenario,
        what: `score removed although ${DRILL_MODEL} reads it`,
        body: { ...base, validation: { monitor }, definition: { ...drillDefinition, features: drillDefinition.features.filter((f) => f.name !== 'score') }, rows: good.map(({ score: _score, ...r }) => r), sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:good' }] },
        refusedAtDeploy: true,
      };
    case 'corrupt-snapshot':
      return { scenario, what: "v1's snapshot bytes changed in the bucket, then a rollback that must rebuild v1 from it", body: { ...base, rows: good.map((r) => ({ ...r, clicks: r.clicks + 1 })), sources: [{ uri: DRILL_SOURCE, checksum: 'sha256:good' }] }, refusedAtDeploy: false };
  }
}
