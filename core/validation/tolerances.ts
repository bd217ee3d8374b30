/**
 * The validation policy a deploy request carries (`validation: {...}`), its defaults, and
 * how a feature's tolerances are resolved. The resolved policy is stored with the version,
 * so a record always says which thresholds it was judged by, even after defaults change.
 *
 * Shape (every field optional):
 * ```json
 * {
 *   "baselineVersion": 3,
 *   "enforce": "block",
 *   "minValues": 500,
 *   "schema": { "breakingChange": "block" },
 *   "defaults": { "psi": { "warnAbove": 0.1, "blockAbove": 0.25 } },
 *   "features": { "avg_basket": { "psi": { "warnAbove": 0.5 } }, "session_id": { "ignore": true } },
 *   "monitor": { "alarmAbove": { "psi": 0.25, "js": 0.2 }, "periodSeconds": 60 }
 * }
 * ```
 * A check you set replaces that check's default whole: `psi: { warnAbove: 0.1 }` warns above
 * 0.1 and never blocks; `psi: {}` turns the check off.
 */
import * as z from 'zod';

export const DISTRIBUTION_CHECKS = ['psi', 'ks', 'js', 'nullRateIncrease', 'rangeViolation'] as const;
export type DistributionCheck = (typeof DISTRIBUTION_CHECKS)[number];

export interface Tolerance {
  warnAbove?: number;
  blockAbove?: number;
}

export type Tolerances = Record<DistributionCheck, Tolerance>;

/**
 * Defaults, and why:
 * - psi 0.1 / 0.25: the thresholds ML teams already use (< 0.1 stable, > 0.25 major shift);
 *   0.25 is about a half-standard-deviation shift of a normal feature.
 * - ks D 0.1 / 0.2: D = 0.2 is what the same half-sigma shift gives; gate on D, never on the
 *   p-value, which at millions of rows calls every difference significant.
 * - js 0.1 / 0.2 (base-2 distance): for small shifts JS distance ≈ sqrt(PSI / (8 ln 2)), so
 *   these sit where PSI 0.1 / 0.25 sit for numeric features.
 * - nullRateIncrease 0.02 / 0.1: two more points of nulls is worth a look, ten is broken data.
 * - rangeViolation 0.01 / 0.05: new data legitimately sets new records, but 5% of values
 *   outside everything the baseline ever held is a unit or scaling change.
 */
export const DEFAULT_TOLERANCES: Readonly<Tolerances> = Object.freeze({
  psi: { warnAbove: 0.1, blockAbove: 0.25 },
  ks: { warnAbove: 0.1, blockAbove: 0.2 },
  js: { warnAbove: 0.1, blockAbove: 0.2 },
  nullRateIncrease: { warnAbove: 0.02, blockAbove: 0.1 },
  rangeViolation: { warnAbove: 0.01, blockAbove: 0.05 },
});

/**
 * Below this many non-null values on either side, distribution checks are reported but can
 * only warn: under no change at all PSI on 10 bins is ≈ 9·(1/n + 1/m), i.e. 0.9 for 20 rows
 * a side, so blocking on it would reject healthy small views at random.
 */
export const DEFAULT_MIN_VALUES = 500;

// The monitor's vocabulary lives in contract/ (the stack renders alarms from it); core re-exports it.
export { DEFAULT_ROLLBACK_WITHIN_SECONDS, MONITOR_CHECKS, type MonitorCheck, type MonitorPolicy } from '../../contract/monitor';
import { MONITOR_CHECKS, monitorSettingProblems, type MonitorCheck, type MonitorPolicy } from '../../contract/monitor';

/**
 * Monitor defaults, and why (the noise model is in core/stats/noise.ts, the measured rates in
 * bench/false-rollbacks.ts and docs/validation-and-auto-rollback.md):
 * - falsePositiveRate 0.001: a healthy view's datapoint exceeds its noise allowance once in
 *   1,000; with non-overlapping 60 s periods and 2 of 3, ≈ 0.2 false alarms per 1,000
 *   view-hours even at thresholds of 0, and the thresholds above the allowance make it rarer.
 * - minSamples 250: the fewest served values at which the allowance of a 21-category
 *   feature's JS distance, at the default rate shared among the 20 tests of a 5 numeric +
 *   5 categorical view, is below the default 0.2 threshold (`minSamplesFor('js', 0.2, 21,
 *   0.001 / 20)` = 246; PSI on 10 bins needs 142). With fewer, noise alone can hide a shift
 *   the size of the threshold, and the old 100 let raw JS pass 0.2 in ~46 % of healthy
 *   datapoints. At 60 s periods a view needs ≈ 4.2 requests/s to publish; slower views
 *   should use a longer period (600 s publishes from 0.42 requests/s).
 * - minBakeSamples 750 (minSamples × evaluationPeriods): a canary must have served at
 *   least one full alarm evaluation's worth of evidence before it may be promoted; a bake
 *   that saw less promotes nothing (it waits, and says why).
 */
/**
 * The cadence deploy-time checks assume: the monitor's 10-second rounds (fast detection, the
 * stack's default). A stack without fast detection checks its own cadence against the default
 * policy at synth (infra/config.ts).
 */
export const MONITOR_CADENCE_SECONDS = 10;

export const DEFAULT_MONITOR: Readonly<MonitorPolicy> = Object.freeze({
  baseline: 'preflight',
  alarmAbove: { psi: 0.25, ks: null, js: 0.2, nullRateIncrease: 0.1 },
  periodSeconds: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  minSamples: 250,
  falsePositiveRate: 0.001,
  minBakeSamples: 750,
});

export interface ResolvedPolicy {
  baselineVersion?: number;
  enforce: 'block' | 'warn';
  minValues: number;
  schema: { breakingChange: 'block' | 'warn' };
  defaults: Tolerances;
  features: Record<string, Partial<Tolerances> & { ignore?: boolean }>;
  monitor: MonitorPolicy;
}

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'must be a feature name');
const threshold = z.number().min(0).max(1e6);

const ToleranceSchema = z
  .object({ warnAbove: threshold.optional(), blockAbove: threshold.optional() })
  .strict()
  .refine((t) => t.warnAbove === undefined || t.blockAbove === undefined || t.warnAbove <= t.blockAbove, {
    message: 'warnAbove must not be above blockAbove',
    path: ['warnAbove'],
  });

const tolerancesShape = Object.fromEntries(DISTRIBUTION_CHECKS.map((c) => [c, ToleranceSchema.optional()])) as Record<
  DistributionCheck,
  z.ZodOptional<typeof ToleranceSchema>
>;
const TolerancesSchema = z.object(tolerancesShape).strict();
const FeaturePolicySchema = z.object({ ...tolerancesShape, ignore: z.boolean().optional() }).strict();

const MonitorSchema = z
  .object({
    baseline: z.enum(['preflight', 'self']).optional(),
    alarmAbove: z.object(Object.fromEntries(MONITOR_CHECKS.map((c) => [c, threshold.nullable().optional()])) as Record<MonitorCheck, z.ZodOptional<z.ZodNullable<typeof threshold>>>).strict().optional(),
    periodSeconds: z.number().int().min(1).max(86_400).optional(),
    evaluationPeriods: z.number().int().min(1).max(100).optional(),
    datapointsToAlarm: z.number().int().min(1).max(100).optional(),
    minSamples: z.number().int().min(1).max(1_000_000).optional(),
    // Above 0.1 the "noise allowance" stops being a tail and alarms would fire on healthy
    // views every few datapoints; below 1e-9 no realistic sample can ever clear it.
    falsePositiveRate: z.number().min(1e-9).max(0.1).optional(),
    minBakeSamples: z.number().int().min(0).max(100_000_000).optional(),
    // At least one alarm period: a window shorter than what the alarm evaluates would page on nothing.
    rollbackWithinSeconds: z.number().int().min(10).max(366 * 86_400).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    // Checked together, as the alarm will see them: a policy that can never fire is refused at deploy.
    const evaluationPeriods = m.evaluationPeriods ?? DEFAULT_MONITOR.evaluationPeriods;
    const settings = {
      periodSeconds: m.periodSeconds ?? DEFAULT_MONITOR.periodSeconds,
      evaluationPeriods,
      datapointsToAlarm: m.datapointsToAlarm ?? Math.min(DEFAULT_MONITOR.datapointsToAlarm, evaluationPeriods),
    };
    for (const problem of monitorSettingProblems(settings, MONITOR_CADENCE_SECONDS)) ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.field] });
  });

export const ValidationPolicySchema = z
  .object({
    baselineVersion: z.number().int().min(1).optional(),
    enforce: z.enum(['block', 'warn']).optional(),
    minValues: z.number().int().min(1).optional(),
    schema: z.object({ breakingChange: z.enum(['block', 'warn']).optional() }).strict().optional(),
    defaults: TolerancesSchema.optional(),
    features: z.record(identifier, FeaturePolicySchema).optional(),
    monitor: MonitorSchema.optional(),
  })
  .strict();
export type ValidationPolicy = z.infer<typeof ValidationPolicySchema>;

/**
 * Fill every gap of a request's policy with the defaults.
 *
 * @example resolvePolicy({ enforce: 'warn' }).defaults.psi // { warnAbove: 0.1, blockAbove: 0.25 }
 */
export function resolvePolicy(policy: ValidationPolicy = {}): ResolvedPolicy {
  const monitor = policy.monitor ?? {};
  const evaluationPeriods = monitor.evaluationPeriods ?? DEFAULT_MONITOR.evaluationPeriods;
  return {
    ...(policy.baselineVersion !== undefined ? { baselineVersion: policy.baselineVersion } : {}),
    enforce: policy.enforce ?? 'block',
    minValues: policy.minValues ?? DEFAULT_MIN_VALUES,
    schema: { breakingChange: policy.schema?.breakingChange ?? 'block' },
    defaults: { ...structuredClone(DEFAULT_TOLERANCES), ...(policy.defaults ?? {}) } as Tolerances,
    features: structuredClone(policy.features ?? {}) as ResolvedPolicy['features'],
    monitor: {
      baseline: monitor.baseline ?? DEFAULT_MONITOR.baseline,
      alarmAbove: { ...DEFAULT_MONITOR.alarmAbove, ...(monitor.alarmAbove ?? {}) } as MonitorPolicy['alarmAbove'],
      periodSeconds: monitor.periodSeconds ?? DEFAULT_MONITOR.periodSeconds,
      evaluationPeriods,
      datapointsToAlarm: monitor.datapointsToAlarm ?? Math.min(DEFAULT_MONITOR.datapointsToAlarm, evaluationPeriods),
      minSamples: monitor.minSamples ?? DEFAULT_MONITOR.minSamples,
      falsePositiveRate: monitor.falsePositiveRate ?? DEFAULT_MONITOR.falsePositiveRate,
      minBakeSamples: monitor.minBakeSamples ?? (monitor.minSamples ?? DEFAULT_MONITOR.minSamples) * evaluationPeriods,
      ...(monitor.rollbackWithinSeconds !== undefined ? { rollbackWithinSeconds: monitor.rollbackWithinSeconds } : {}),
    },
  };
}

/** The tolerance of one check for one feature: the feature's own, else the view's default. */
export function toleranceFor(policy: ResolvedPolicy, feature: string, check: DistributionCheck): Tolerance {
  return policy.features[feature]?.[check] ?? policy.defaults[check];
}

/**
 * A version deployed before policies existed is monitored with the defaults; one whose stored
 * policy predates a field gets that field's default (what it stored is kept as stored).
 */
export function monitorPolicyOf(validation: { policy?: { monitor?: Partial<MonitorPolicy> } } | undefined): MonitorPolicy {
  const stored = validation?.policy?.monitor;
  const defaults = resolvePolicy().monitor;
  if (!stored) return defaults;
  const evaluationPeriods = stored.evaluationPeriods ?? defaults.evaluationPeriods;
  return {
    ...defaults,
    ...stored,
    falsePositiveRate: stored.falsePositiveRate ?? defaults.falsePositiveRate,
    minBakeSamples: stored.minBakeSamples ?? (stored.minSamples ?? defaults.minSamples) * evaluationPeriods,
  };
}

export interface BakeEvidence {
  /** Served samples of the candidate recorded since its activation. */
  samples: number;
}

/**
 * Whether a bake has seen enough of the candidate to promote it: its served samples reach
 * `minBakeSamples`. A clean alarm over a canary nobody called is no evidence: a bake that
 * promoted on it would ship an unwatched version. The reason names the numbers, for the log
 * and the promote answer.
 *
 * @example bakeHasEvidence({ samples: 120 }, monitor) // { ok: false, reason: '120 served samples since activation, fewer than minBakeSamples 750' }
 */
export function bakeHasEvidence(evidence: BakeEvidence, monitor: Pick<MonitorPolicy, 'minBakeSamples'>): { ok: true } | { ok: false; reason: string } {
  if (!(Number.isFinite(evidence.samples) && evidence.samples >= 0)) throw new RangeError(`samples must be a finite non-negative number, got ${evidence.samples}`);
  if (evidence.samples >= monitor.minBakeSamples) return { ok: true };
  return { ok: false, reason: `${evidence.samples} served samples since activation, fewer than minBakeSamples ${monitor.minBakeSamples}` };
}
