/** Preflight decisions: schema compatibility with consumers, tolerances, block vs warn. */
import type { ViewDefinition } from '../../../core/model';
import { resolvePolicy, ValidationPolicySchema } from '../../../core/validation/tolerances';
import { preflight, type ConsumerUse, type PreflightBaseline } from '../../../core/validation/preflight';
import { profileRecords } from '../../../core/validation/profiles';
import { DeployRequestSchema, parse } from '../../../core/requests';
import { ValidationError } from '../../../core/errors';

const def = (features: ViewDefinition['features'], entity = 'id'): ViewDefinition => ({ entity, features, tier: 'standard', owners: [] });
const numeric = def([{ name: 'x', type: 'float' }, { name: 'c', type: 'string' }]);
/** 0..n-1 in x, four categories in c, `nulls` of x missing. */
const records = (n: number, shift = 0, nulls = 0) =>
  Array.from({ length: n }, (_, i) => ({ ...(i < nulls ? {} : { x: i + shift }), c: ['a', 'b', 'c', 'd'][i % 4]! }));

function baselineOf(definition: ViewDefinition, rows: Record<string, unknown>[], consumers: ConsumerUse[] = []): PreflightBaseline {
  return { version: 1, pinned: false, definition, consumers, profiles: profileRecords(definition, rows as never) };
}

function run(options: { definition?: ViewDefinition; rows: Record<string, unknown>[]; baseline?: PreflightBaseline; consumers?: ConsumerUse[]; policy?: unknown }) {
  const definition = options.definition ?? numeric;
  return preflight({
    definition,
    consumers: options.consumers ?? [],
    profiles: profileRecords(definition, options.rows as never),
    ...(options.baseline ? { baseline: options.baseline } : {}),
    policy: resolvePolicy(ValidationPolicySchema.parse(options.policy ?? {})),
  });
}

describe('preflight: distribution checks', () => {
  it('passes a first deploy (no baseline) and the same data again', () => {
    expect(run({ rows: records(1000) })).toMatchObject({ status: 'passed', baseline: null, findings: [] });
    const again = run({ rows: records(1000), baseline: baselineOf(numeric, records(1000)) });
    expect(again).toMatchObject({ status: 'passed', baseline: { version: 1, pinned: false }, summary: { compared: 2, warnings: 0, blocking: 0 } });
    expect(again.features.x).toMatchObject({ psi: 0, nullRateIncrease: 0, rangeViolation: 0, ks: { statistic: 0 } });
    expect(again.features.c!.js).toBe(0);
  });

  it('computes PSI on the baseline deciles as the textbook formula does', () => {
    // Baseline 0..999: ten bins of 100. Candidate: the lower half twice, so bins 1-5 hold 20%
    // each and bins 6-10 nothing (floored at ε = 1e-4):
    // PSI = 5·(0.2 − 0.1)·ln(0.2/0.1) + 5·(1e-4 − 0.1)·ln(1e-4/0.1)
    const candidate = [...records(500), ...records(500)];
    const report = run({ rows: candidate, baseline: baselineOf(numeric, records(1000)) });
    const expected = 5 * 0.1 * Math.log(2) + 5 * (1e-4 - 0.1) * Math.log(1e-4 / 0.1);
    expect(report.features.x!.psi).toBeCloseTo(expected, 4);
    expect(report.features.x!.ks!.statistic).toBeCloseTo(0.5, 2);
  });

  it('rejects a shift above a block threshold, naming the feature, the value and the threshold', () => {
    const report = run({ rows: records(1000, 400), baseline: baselineOf(numeric, records(1000)) });
    expect(report.status).toBe('rejected');
    expect(report.findings[0]).toMatchObject({ level: 'block', feature: 'x', threshold: expect.any(Number) });
    expect(report.findings.map((f) => f.check)).toEqual(expect.arrayContaining(['psi', 'ks', 'rangeViolation']));
    expect(report.findings.find((f) => f.check === 'psi')!.message).toMatch(/PSI of 'x' is [\d.]+, above the block threshold 0.25/);
  });

  it('only warns under enforce: warn, and says the finding would have blocked', () => {
    const report = run({ rows: records(1000, 400), baseline: baselineOf(numeric, records(1000)), policy: { enforce: 'warn' } });
    expect(report.status).toBe('warned');
    expect(report.findings.every((f) => f.level === 'warn')).toBe(true);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'psi', downgraded: 'enforce' }));
  });

  it('lets a feature tolerance replace the default for that check only', () => {
    const policy = { features: { x: { psi: { warnAbove: 50 }, ks: {}, rangeViolation: {} } } };
    const report = run({ rows: records(1000, 400), baseline: baselineOf(numeric, records(1000)), policy });
    expect(report.findings.filter((f) => f.feature === 'x')).toEqual([]);
    const ignored = run({ rows: records(1000, 400), baseline: baselineOf(numeric, records(1000)), policy: { features: { x: { ignore: true } } } });
    expect(ignored).toMatchObject({ status: 'passed', features: { x: { ignored: true } } });
  });

  it('does not block on too few values: the shift is reported as a warning', () => {
    const report = run({ rows: records(40, 400), baseline: baselineOf(numeric, records(40)) });
    expect(report.status).toBe('warned');
    expect(report.findings.find((f) => f.check === 'psi')).toMatchObject({ level: 'warn', downgraded: 'minValues' });
  });

  it('blocks a null-rate jump', () => {
    const report = run({ rows: records(1000, 0, 300), baseline: baselineOf(numeric, records(1000)) });
    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'block', check: 'nullRateIncrease', feature: 'x', value: 0.3 }));
  });

  it('compares categorical features with the Jensen–Shannon distance', () => {
    const onlyA = records(1000).map((r) => ({ ...r, c: 'a' }));
    const report = run({ rows: onlyA, baseline: baselineOf(numeric, records(1000)) });
    // p = (¼,¼,¼,¼), q = (1,0,0,0): JSD = ½·KL(p‖m) + ½·KL(q‖m), m = (⅝,⅛,⅛,⅛), base 2.
    const kl = (a: number[], b: number[]) => a.reduce((s, ai, i) => (ai > 0 ? s + ai * Math.log2(ai / b[i]!) : s), 0);
    const m = [5 / 8, 1 / 8, 1 / 8, 1 / 8];
    const expected = Math.sqrt(0.5 * kl([0.25, 0.25, 0.25, 0.25], m) + 0.5 * kl([1, 0, 0, 0], m));
    expect(report.features.c!.js).toBeCloseTo(expected, 10);
    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'block', check: 'js', feature: 'c' }));
  });
});

describe('preflight: schema compatibility and consumers', () => {
  const v1 = def([{ name: 'x', type: 'float' }, { name: 'c', type: 'string' }, { name: 'n', type: 'int' }]);
  const v1rows = records(100).map((r, i) => ({ ...r, n: i }));

  it('blocks removing a feature that a consumer reads, naming the consumer', () => {
    const report = run({ rows: records(100), baseline: baselineOf(v1, v1rows, [{ name: 'churn-model' }]) });
    expect(report.status).toBe('rejected');
    expect(report.schema.removed).toEqual(['n']);
    expect(report.findings[0]).toMatchObject({ level: 'block', check: 'schema.removed', feature: 'n', consumers: ['churn-model'] });
    expect(report.findings[0]!.message).toBe("feature 'n' was removed; it breaks churn-model");
  });

  it('only warns when no declared consumer reads the removed feature', () => {
    const consumers = [{ name: 'churn-model', features: ['x', 'c'] }];
    const report = run({ rows: records(100), baseline: baselineOf(v1, v1rows, consumers) });
    expect(report.status).toBe('warned');
    expect(report.findings).toEqual([expect.objectContaining({ level: 'warn', check: 'schema.removed', feature: 'n', consumers: [] })]);
  });

  it('keeps a consumer the baseline declared even when the candidate drops it from its list', () => {
    const report = run({ rows: records(100), consumers: [{ name: 'ltv-model', features: ['x'] }], baseline: baselineOf(v1, v1rows, [{ name: 'churn-model' }]) });
    expect(report.findings[0]).toMatchObject({ level: 'block', consumers: ['churn-model'] });
  });

  it('takes the candidate’s declaration of what a consumer reads now', () => {
    const report = run({ rows: records(100), consumers: [{ name: 'churn-model', features: ['x'] }], baseline: baselineOf(v1, v1rows, [{ name: 'churn-model' }]) });
    expect(report.status).toBe('warned');
  });

  it('blocks a type change consumers depend on, warns on int ↔ float', () => {
    const changed = def([{ name: 'x', type: 'string' }, { name: 'c', type: 'string' }, { name: 'n', type: 'float' }]);
    const rows = v1rows.map((r, i) => ({ ...r, x: `s${i}` }));
    const report = run({ definition: changed, rows, baseline: baselineOf(v1, v1rows, [{ name: 'm' }]) });
    expect(report.schema.typeChanged).toEqual([
      { feature: 'x', from: 'float', to: 'string' },
      { feature: 'n', from: 'int', to: 'float' },
    ]);
    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'block', check: 'schema.typeChanged', feature: 'x', consumers: ['m'] }));
    expect(report.findings).toContainEqual(expect.objectContaining({ level: 'warn', check: 'schema.typeChanged', feature: 'n' }));
  });

  it('blocks an entity key change for every consumer, and lets the policy turn breaking changes into warnings', () => {
    const rekeyed = { ...v1, entity: 'user_id' };
    const report = run({ definition: rekeyed, rows: v1rows, baseline: baselineOf(v1, v1rows, [{ name: 'a' }, { name: 'b', features: ['x'] }]) });
    expect(report.findings[0]).toMatchObject({ level: 'block', check: 'schema.entityChanged', consumers: ['a', 'b'] });
    const lenient = run({ definition: rekeyed, rows: v1rows, baseline: baselineOf(v1, v1rows, [{ name: 'a' }]), policy: { schema: { breakingChange: 'warn' } } });
    expect(lenient.status).toBe('warned');
  });

  it('reports added features without a finding', () => {
    const grown = def([...v1.features, { name: 'new', type: 'bool' }]);
    const report = run({ definition: grown, rows: v1rows, baseline: baselineOf(v1, v1rows) });
    expect(report).toMatchObject({ status: 'passed', schema: { added: ['new'] }, features: { new: { change: 'added' } } });
  });
});

describe('the validation field of a deploy request', () => {
  const body = (validation: unknown, extra: Record<string, unknown> = {}) => ({ definition: { entity: 'id', features: [{ name: 'x', type: 'float' }] }, rows: [], validation, ...extra });
  const fieldOf = (input: unknown) => {
    try {
      parse(DeployRequestSchema, input, 'body');
    } catch (error) {
      if (error instanceof ValidationError) return error.field;
      throw error;
    }
    return undefined;
  };

  it('names the field of a misspelled or inconsistent policy', () => {
    expect(fieldOf(body({ defaults: { psi: { blockAbov: 1 } } }))).toBe('body.validation.defaults.psi');
    expect(fieldOf(body({ defaults: { psi: { warnAbove: 0.5, blockAbove: 0.1 } } }))).toBe('body.validation.defaults.psi.warnAbove');
    expect(fieldOf(body({ enforce: 'maybe' }))).toBe('body.validation.enforce');
    expect(fieldOf(body({ features: { nope: { ignore: true } } }))).toBe('body.validation.features.nope');
    expect(fieldOf(body({ monitor: { evaluationPeriods: 3, datapointsToAlarm: 4 } }))).toBe('body.validation.monitor.datapointsToAlarm');
    // One period is never enough: its datapoint arrives after the period has been judged.
    expect(fieldOf(body({ monitor: { evaluationPeriods: 1, datapointsToAlarm: 1 } }))).toBe('body.validation.monitor.evaluationPeriods');
    expect(fieldOf(body({ monitor: { evaluationPeriods: 2, datapointsToAlarm: 1 } }))).toBeUndefined();
    expect(fieldOf(body(undefined, { consumers: [{ name: 'm', features: ['y'] }] }))).toBe('body.consumers[0].features[0]');
    expect(fieldOf(body({ defaults: { psi: { warnAbove: 0.2 } }, monitor: { alarmAbove: { psi: null } } }))).toBeUndefined();
  });

  it('fills the documented defaults', () => {
    expect(resolvePolicy()).toMatchObject({
      enforce: 'block',
      minValues: 500,
      defaults: { psi: { warnAbove: 0.1, blockAbove: 0.25 }, ks: { warnAbove: 0.1, blockAbove: 0.2 }, js: { warnAbove: 0.1, blockAbove: 0.2 } },
      monitor: { alarmAbove: { psi: 0.25, js: 0.2, nullRateIncrease: 0.1, ks: null }, periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 },
    });
  });
});
