/**
 * The local CloudWatch stand-in evaluates the stack's alarm specs on EMF documents and emits
 * the real event shape, which the stack's rule pattern matches and the handler parses.
 */
import { driftAlarmsForView, METRICS_NAMESPACE } from '../../contract/alarms';
import { ALARM_ROLLBACK_RULE, matchesEventPattern } from '../../contract/rules';
import { parseAlarmEvent } from '../../core/auto-rollback';
import { compare } from '../../core/drift';
import { resolvePolicy } from '../../core/validation/tolerances';
import { profileRecords } from '../../core/validation/profiles';
import { LocalAlarmEvaluator, type Transition } from '../../local/alarm-evaluator';

/** An EMF document as Powertools prints it for FeatureDrift{service, view, statistic}. */
const emf = (value: number, at: number) => ({
  _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'view', 'statistic']], Metrics: [{ Name: 'FeatureDrift', Unit: 'None', StorageResolution: 1 }] }] },
  service: 'rewind',
  view: 'v',
  statistic: 'psi',
  baselineVersion: '1',
  FeatureDrift: value,
});

function setup(monitor = { ...resolvePolicy().monitor, evaluationPeriods: 3, datapointsToAlarm: 2 }) {
  let t = 1_000_000;
  const events: Transition['event'][] = [];
  const specs = driftAlarmsForView('v', monitor, { periodSeconds: 1 });
  const evaluator = new LocalAlarmEvaluator({ definitions: async () => specs, publish: (e) => events.push(e), now: () => t });
  return { evaluator, events, at: () => t, advance: (ms: number) => (t += ms) };
}

describe('LocalAlarmEvaluator', () => {
  it('goes to ALARM when M of the last N periods breach, with the event CloudWatch sends', async () => {
    const { evaluator, events, at, advance } = setup();
    evaluator.ingest(emf(0.05, at()));
    advance(1000);
    await evaluator.tick();
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('OK');
    evaluator.ingest(emf(0.9, at() + 10));
    advance(1000);
    await evaluator.tick();
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('OK'); // 1 of 3 breaching; 2 needed
    evaluator.ingest(emf(0.7, at() + 10));
    advance(1000);
    await evaluator.tick();
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('ALARM');

    const alarm = events.find((e) => (e.detail as { state: { value: string } }).state.value === 'ALARM')!;
    expect(alarm).toMatchObject({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      detail: {
        alarmName: 'rewind-drift-v-psi',
        previousState: { value: 'OK' },
        configuration: { metrics: [{ metricStat: { metric: { namespace: 'Rewind', name: 'FeatureDrift', dimensions: { service: 'rewind', view: 'v', statistic: 'psi' } }, period: 1, stat: 'Maximum' } }] },
      },
    });
    expect((alarm.detail as { state: { reason: string } }).state.reason).toMatch(/^Threshold Crossed: 2 out of the last 3 datapoints \[.*0\.9.*0\.7.*\] were greater than the threshold \(0.25\)/);
    // The stack's rule matches it, and the handler reads the view from it.
    expect(matchesEventPattern(ALARM_ROLLBACK_RULE.pattern, alarm)).toBe(true);
    const parsed = parseAlarmEvent(alarm);
    expect(parsed.ok && parsed.alarm.dimensions.view).toBe('v');
    // OK transitions are published too, and the rule does not match them.
    const ok = events.find((e) => (e.detail as { state: { value: string } }).state.value === 'OK')!;
    expect(matchesEventPattern(ALARM_ROLLBACK_RULE.pattern, ok)).toBe(false);
  });

  it('treats missing data as not breaching for drift alarms, and ignores other dimensions', async () => {
    const { evaluator, at, advance } = setup({ ...resolvePolicy().monitor, evaluationPeriods: 1, datapointsToAlarm: 1 });
    evaluator.ingest({ ...emf(5, at()), view: 'w' }); // another view's datapoint
    advance(1000);
    await evaluator.tick();
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('OK');
  });

  it('evaluates once per period, on complete periods only', async () => {
    const { evaluator, events, at, advance } = setup({ ...resolvePolicy().monitor, evaluationPeriods: 1, datapointsToAlarm: 1 });
    advance(1000);
    await evaluator.tick();
    evaluator.ingest(emf(0.9, at() + 1));
    await evaluator.tick(); // same period: not evaluated again, and the datapoint's period is open
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('OK');
    advance(1000);
    await evaluator.tick();
    expect(evaluator.stateOf('rewind-drift-v-psi')).toBe('ALARM');
    expect((events.at(-1)!.detail as { state: { value: string } }).state.value).toBe('ALARM');
  });
});

describe('drift of a served sample', () => {
  const definition = { entity: 'id', features: [{ name: 'x', type: 'float' as const }, { name: 'c', type: 'string' as const }], tier: 'standard' as const, owners: [] };
  const rows = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => ({ x: i * scale, c: ['a', 'b'][i % 2]! }));
  const baseline = profileRecords(definition, rows(1000));
  const monitor = resolvePolicy().monitor;

  it('is near zero for a sample of the baseline and large for a rescaled one; the view max follows', () => {
    const same = compare({ view: 'v', version: 2, definition }, 1, baseline, rows(1000).filter((_, i) => i % 5 === 0), [], monitor);
    expect(same.max.psi!).toBeLessThan(0.05);
    expect(same.max.js!).toBeLessThan(0.01);
    const cents = compare({ view: 'v', version: 2, definition }, 1, baseline, rows(200, 100), [], monitor);
    expect(cents.features.x!.psi!).toBeGreaterThan(1);
    expect(cents.max.psi).toBe(cents.features.x!.psi);
  });

  it('counts unknown entities as nulls and skips disabled features', () => {
    const sample = [...rows(100), ...Array.from({ length: 100 }, () => undefined)];
    const m = compare({ view: 'v', version: 2, definition }, 1, baseline, sample, ['c'], monitor);
    expect(m.features.x!.nullRateIncrease).toBeCloseTo(0.5, 10);
    expect(m.features.c).toBeUndefined();
    expect(m.maxNullRate).toBeCloseTo(0.5, 10);
  });
});
