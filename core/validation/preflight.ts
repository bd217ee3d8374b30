/**
 * Preflight validation: the decision taken at deploy about a candidate version, from its
 * profiles and its baseline's. Pure: it reads nothing and writes nothing, so the deploy and
 * the plan (which writes nothing) reach the same verdict from the same inputs.
 *
 * Checks, in the order they are reported:
 *  1. schema: entity key changed, features removed, types changed. A change that a declared
 *     consumer of the feature depends on is breaking (blocked by default); one that no
 *     declared consumer uses is a warning. int ↔ float is a warning even when consumed: the
 *     value is still a number.
 *  2. per feature present on both sides: null-rate increase, range violations (values outside
 *     the baseline's [min, max]), PSI and KS (numeric), Jensen–Shannon distance
 *     (categorical), each against its `warnAbove` / `blockAbove` tolerance.
 * A blocking finding becomes a warning (and says why) when the policy says `enforce: warn`,
 * or when either side has fewer than `minValues` values to judge a distribution by.
 */
import type { FeatureType, ViewDefinition } from '../model';
import { compareProfiles, type FeatureProfile } from '../stats/profile';
import { toleranceFor, type DistributionCheck, type ResolvedPolicy } from './tolerances';
import { profileCounts, type Profiles } from './profiles';
import type { Finding, FindingCheck, FindingLevel, ValidationStatus } from './findings';

export type { Finding, FindingCheck, FindingLevel, ValidationStatus } from './findings';

/** A model that reads the view; `features` absent means it reads every feature. */
export interface ConsumerUse {
  name: string;
  features?: string[];
}

export interface FeatureComparison {
  type: FeatureType;
  change: 'added' | 'removed' | 'typeChanged' | 'unchanged';
  count: number;
  nullRate: number;
  baseline?: { type: FeatureType; count: number; nullRate: number };
  ignored?: true;
  psi?: number;
  ks?: { statistic: number; pValue: number; exact: boolean };
  js?: number;
  nullRateIncrease?: number;
  /** Fraction of non-null values outside the baseline's [min, max]. */
  rangeViolation?: number;
}

export interface SchemaDiff {
  entity?: { from: string; to: string };
  added: string[];
  removed: string[];
  typeChanged: { feature: string; from: FeatureType; to: FeatureType }[];
}

export interface ValidationReport {
  status: ValidationStatus;
  /** The version compared against; null on a view's first deploy (only its own profile is kept). */
  baseline: { version: number; pinned: boolean } | null;
  enforce: ResolvedPolicy['enforce'];
  summary: { features: number; compared: number; warnings: number; blocking: number };
  schema: SchemaDiff;
  features: Record<string, FeatureComparison>;
  findings: Finding[];
}

export interface PreflightBaseline {
  version: number;
  pinned: boolean;
  definition: ViewDefinition;
  consumers: ConsumerUse[];
  profiles: Profiles;
}

export interface PreflightInput {
  definition: ViewDefinition;
  consumers: ConsumerUse[];
  profiles: Profiles;
  baseline?: PreflightBaseline;
  policy: ResolvedPolicy;
}

/**
 * Judge a candidate against its baseline.
 *
 * @example
 * const report = preflight({ definition, consumers, profiles, baseline, policy: resolvePolicy() });
 * if (report.status === 'rejected') console.log(report.findings.filter((f) => f.level === 'block'));
 */
export function preflight(input: PreflightInput): ValidationReport {
  const { definition, profiles, baseline, policy } = input;
  const findings: Finding[] = [];
  const features: Record<string, FeatureComparison> = {};
  const schema: SchemaDiff = { added: [], removed: [], typeChanged: [] };

  for (const f of definition.features) {
    const counts = profileCounts(profiles[f.name]!);
    features[f.name] = { type: f.type, change: 'unchanged', count: counts.count, nullRate: counts.nullRate };
  }
  if (!baseline) return finish(input, findings, features, schema, null);

  const consumers = consumerMap(baseline.consumers, input.consumers);
  const dependents = (feature: string | null) =>
    [...consumers.values()].filter((c) => feature === null || !c.features || c.features.includes(feature)).map((c) => c.name).sort();
  const breaking = (check: FindingCheck, feature: string | undefined, who: string[], what: string): void => {
    if (who.length === 0) {
      findings.push({ level: 'warn', check, ...(feature ? { feature } : {}), consumers: [], message: `${what}; no declared consumer depends on it` });
      return;
    }
    findings.push({ level: policy.schema.breakingChange, check, ...(feature ? { feature } : {}), consumers: who, message: `${what}; it breaks ${who.join(', ')}` });
  };

  if (baseline.definition.entity !== definition.entity) {
    schema.entity = { from: baseline.definition.entity, to: definition.entity };
    breaking('schema.entityChanged', undefined, dependents(null), `the entity key changed from '${baseline.definition.entity}' to '${definition.entity}'`);
  }
  const candidateTypes = new Map(definition.features.map((f) => [f.name, f.type]));
  for (const old of baseline.definition.features) {
    const type = candidateTypes.get(old.name);
    if (type === undefined) {
      schema.removed.push(old.name);
      const counts = profileCounts(baseline.profiles[old.name] ?? emptyProfile());
      features[old.name] = { type: old.type, change: 'removed', count: 0, nullRate: 0, baseline: { type: old.type, ...pick(counts) } };
      breaking('schema.removed', old.name, dependents(old.name), `feature '${old.name}' was removed`);
    } else if (type !== old.type) {
      schema.typeChanged.push({ feature: old.name, from: old.type, to: type });
      features[old.name]!.change = 'typeChanged';
      const what = `feature '${old.name}' changed type from ${old.type} to ${type}`;
      if (isNumeric(type) && isNumeric(old.type)) {
        findings.push({ level: 'warn', check: 'schema.typeChanged', feature: old.name, consumers: dependents(old.name), message: `${what} (still a number)` });
      } else breaking('schema.typeChanged', old.name, dependents(old.name), what);
    }
  }
  const baselineNames = new Set(baseline.definition.features.map((f) => f.name));
  for (const f of definition.features) if (!baselineNames.has(f.name)) (schema.added.push(f.name), (features[f.name]!.change = 'added'));

  for (const f of definition.features) {
    const before = baseline.profiles[f.name];
    const oldType = baseline.definition.features.find((o) => o.name === f.name)?.type;
    if (!before || oldType === undefined || !comparable(oldType, f.type)) continue;
    const comparison = features[f.name]!;
    const b = profileCounts(before);
    comparison.baseline = { type: oldType, ...pick(b) };
    if (policy.features[f.name]?.ignore) {
      comparison.ignored = true;
      continue;
    }
    const drift = compareProfiles(before, profiles[f.name]!, f.type);
    const values: Partial<Record<DistributionCheck, number>> = {
      nullRateIncrease: Math.max(0, drift.nullRateDelta),
    };
    comparison.nullRateIncrease = values.nullRateIncrease;
    if (drift.psi !== undefined) comparison.psi = values.psi = drift.psi;
    if (drift.ks !== undefined) (comparison.ks = drift.ks), (values.ks = drift.ks.statistic);
    if (drift.js !== undefined) comparison.js = values.js = drift.js;
    if (isNumeric(f.type) && b.count > 0 && comparison.count > 0)
      comparison.rangeViolation = values.rangeViolation = drift.rangeViolation.below + drift.rangeViolation.above;

    // Distribution checks need values on both sides; null rates need rows.
    const distributionEvidence = Math.min(b.count, comparison.count);
    const rowEvidence = Math.min(b.count + (before.kind === 'numeric' ? before.summary.nulls : before.nulls), rowsOf(profiles[f.name]!));
    for (const check of Object.keys(values) as DistributionCheck[]) {
      const value = values[check]!;
      const tolerance = toleranceFor(policy, f.name, check);
      const level: FindingLevel | undefined =
        tolerance.blockAbove !== undefined && value > tolerance.blockAbove ? 'block' : tolerance.warnAbove !== undefined && value > tolerance.warnAbove ? 'warn' : undefined;
      if (!level) continue;
      const evidence = check === 'nullRateIncrease' ? rowEvidence : distributionEvidence;
      const finding: Finding = {
        level,
        check,
        feature: f.name,
        value: round(value),
        threshold: (level === 'block' ? tolerance.blockAbove : tolerance.warnAbove)!,
        message: `${LABEL[check]} of '${f.name}' is ${round(value)}, above the ${level} threshold ${level === 'block' ? tolerance.blockAbove : tolerance.warnAbove}`,
      };
      if (level === 'block' && evidence < policy.minValues) {
        finding.level = 'warn';
        finding.downgraded = 'minValues';
        finding.message += ` (only ${evidence} values, fewer than minValues ${policy.minValues}: not enough to block on)`;
      }
      findings.push(finding);
    }
  }
  return finish(input, findings, features, schema, { version: baseline.version, pinned: baseline.pinned });
}

const LABEL: Record<DistributionCheck, string> = {
  psi: 'PSI',
  ks: 'KS statistic',
  js: 'Jensen–Shannon distance',
  nullRateIncrease: 'null-rate increase',
  rangeViolation: 'share of values outside the baseline range',
};

function finish(
  input: PreflightInput,
  findings: Finding[],
  features: Record<string, FeatureComparison>,
  schema: SchemaDiff,
  baseline: ValidationReport['baseline'],
): ValidationReport {
  if (input.policy.enforce === 'warn') {
    for (const f of findings)
      if (f.level === 'block') {
        f.level = 'warn';
        f.downgraded = 'enforce';
        f.message += ' (would block; the policy says enforce: warn)';
      }
  }
  // Blocking first, then by feature: the first line of a report is the reason it failed.
  findings.sort((a, b) => (a.level === b.level ? 0 : a.level === 'block' ? -1 : 1));
  const blocking = findings.filter((f) => f.level === 'block').length;
  const warnings = findings.length - blocking;
  return {
    status: blocking > 0 ? 'rejected' : warnings > 0 ? 'warned' : 'passed',
    baseline,
    enforce: input.policy.enforce,
    summary: {
      features: input.definition.features.length,
      compared: Object.values(features).filter((f) => f.baseline && !f.ignored && f.change !== 'removed').length,
      warnings,
      blocking,
    },
    schema,
    features,
    findings,
  };
}

/**
 * Consumers of the baseline and of the candidate, by name. A consumer the candidate declares
 * is taken as declared there (the deployer says what it reads now); one only the baseline
 * declares still counts: dropping a model from the list does not drop its dependency.
 */
function consumerMap(baseline: ConsumerUse[], candidate: ConsumerUse[]): Map<string, ConsumerUse> {
  const map = new Map<string, ConsumerUse>();
  for (const c of baseline) map.set(c.name, c);
  for (const c of candidate) map.set(c.name, c);
  return map;
}

function comparable(a: FeatureType, b: FeatureType): boolean {
  return a === b || (isNumeric(a) && isNumeric(b));
}

function isNumeric(type: FeatureType): boolean {
  return type === 'int' || type === 'float';
}

function rowsOf(profile: FeatureProfile): number {
  const c = profileCounts(profile);
  return c.count + c.nulls;
}

function pick(c: { count: number; nullRate: number }) {
  return { count: c.count, nullRate: c.nullRate };
}

function emptyProfile(): FeatureProfile {
  return { profileVersion: 1, kind: 'categorical', type: 'string', count: 0, nulls: 0, nullRate: 0, frequencies: { categories: {}, other: 0, nulls: 0, distinct: 0 } };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
