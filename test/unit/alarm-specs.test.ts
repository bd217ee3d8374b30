/** Alarm definitions as data: what the stack renders and the local evaluator evaluates. */
import { alarmNamePrefixes, driftAlarmsForView, parseModelAlarmBindings } from '../../contract/alarms';
import { alarmRollbackPattern, matchesEventPattern } from '../../contract/rules';
import { resolvePolicy } from '../../core/validation/policy';
import { alarmEvent } from '../support/alarm-events';

describe('driftAlarmsForView', () => {
  it('gives one alarm per check with a threshold, on the version-less view metric', () => {
    const specs = driftAlarmsForView('user_profile', resolvePolicy().monitor);
    expect(specs.map((s) => [s.alarmName, s.threshold])).toEqual([
      ['rewind-drift-user_profile-psi', 0.25],
      ['rewind-drift-user_profile-js', 0.2],
      ['rewind-drift-user_profile-nullRateIncrease', 0.1],
    ]);
    expect(specs[0]).toMatchObject({
      namespace: 'Rewind',
      metricName: 'FeatureDrift',
      dimensions: { service: 'rewind', view: 'user_profile', statistic: 'psi' },
      statistic: 'Maximum',
      periodSeconds: 60,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      target: { kind: 'view', view: 'user_profile' },
    });
  });

  it('follows the policy: thresholds, null to switch one off, and a period override', () => {
    const monitor = resolvePolicy({ monitor: { alarmAbove: { psi: 0.5, js: null, ks: 0.3 }, evaluationPeriods: 5, datapointsToAlarm: 3 } }).monitor;
    const specs = driftAlarmsForView('v', monitor, { periodSeconds: 1 });
    expect(specs.map((s) => [s.dimensions.statistic, s.threshold, s.periodSeconds, s.evaluationPeriods, s.datapointsToAlarm])).toEqual([
      ['psi', 0.5, 1, 5, 3],
      ['ks', 0.3, 1, 5, 3],
      ['nullRateIncrease', 0.1, 1, 5, 3],
    ]);
  });
});

describe('model alarm bindings', () => {
  it('parses the environment variable, with the default bake window, and names the field of a bad one', () => {
    expect(parseModelAlarmBindings(undefined)).toEqual([]);
    expect(parseModelAlarmBindings('[{"alarmName":"churn-auc-low","model":"churn-model"}]')).toEqual([{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }]);
    expect(() => parseModelAlarmBindings('[{"alarmName":"a"}]')).toThrow(/REWIND_MODEL_ALARMS: 0\.model/);
    expect(() => parseModelAlarmBindings('{')).toThrow(/not valid JSON/);
  });

  it('makes the rollback rule match bound model alarms as well as Rewind’s own, and nothing else', () => {
    const pattern = alarmRollbackPattern(alarmNamePrefixes([{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }]));
    expect(matchesEventPattern(pattern, alarmEvent('churn-auc-low'))).toBe(true);
    expect(matchesEventPattern(pattern, alarmEvent('rewind-drift-v-psi', { view: 'v' }))).toBe(true);
    expect(matchesEventPattern(pattern, alarmEvent('billing-high'))).toBe(false);
    expect(matchesEventPattern(pattern, alarmEvent('rewind-drift-v-psi', { state: 'OK' }))).toBe(false);
  });
});
