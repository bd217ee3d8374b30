/** Alarm definitions as data: what the stack renders and the local evaluator evaluates. */
import { alarmNamePrefixes, driftAlarmName, driftAlarmPrefix, driftAlarmsForView, parseModelAlarmBindings, viewDriftAlarmPrefix } from '../../contract/alarms';
import { alarmRollbackPattern, matchesEventPattern } from '../../contract/rules';
import { serviceNameForStack, serviceNameFromEnv } from '../../contract/service';
import { resolvePolicy } from '../../core/validation/tolerances';
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

  it('gives a candidate on trial one CandidateVsStable alarm per alarmed check, rolling back that version only; a stable version none', () => {
    const monitor = resolvePolicy({ monitor: { alarmAbove: { js: null } } }).monitor;
    const candidate = driftAlarmsForView('user_profile', monitor, { version: 4, candidate: true });
    const vsStable = candidate.filter((s) => s.metricName === 'CandidateVsStable');
    expect(vsStable.map((s) => [s.alarmName, s.threshold])).toEqual([
      ['rewind-drift-user_profile-v4-vsStable-psi', 0.25],
      ['rewind-drift-user_profile-v4-vsStable-nullRateIncrease', 0.1],
    ]);
    expect(vsStable[0]).toMatchObject({ dimensions: { service: 'rewind', view: 'user_profile', version: '4', statistic: 'psi' }, treatMissingData: 'notBreaching', target: { kind: 'view', view: 'user_profile', version: 4 } });
    // Under the view's drift prefix: the rollback rule, the handler's screen and the bake check all see it as the view's.
    for (const spec of vsStable) expect(spec.alarmName.startsWith(viewDriftAlarmPrefix('user_profile'))).toBe(true);
    expect(driftAlarmsForView('user_profile', monitor, { version: 3 }).filter((s) => s.metricName === 'CandidateVsStable')).toEqual([]);
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

describe('one service per stack: two stacks in one account share no metric and no alarm', () => {
  const monitor = resolvePolicy().monitor;
  const DEV = 'rewind-rewinddev';

  it('derives the service from the stack name, keeping the default stack\'s names as they were', () => {
    expect(serviceNameForStack('Rewind')).toBe('rewind');
    expect(serviceNameForStack('RewindDev')).toBe(DEV);
    expect(serviceNameFromEnv({})).toBe('rewind');
    expect(serviceNameFromEnv({ POWERTOOLS_SERVICE_NAME: ' ' })).toBe('rewind');
    expect(serviceNameFromEnv({ POWERTOOLS_SERVICE_NAME: DEV })).toBe(DEV);
  });

  it('keeps stack names with dashes deployable, dropping the dashes from the service', () => {
    expect(serviceNameForStack('Rewind-Dev')).toBe(DEV);
    expect(serviceNameForStack('Dev-Drift')).toBe('rewind-devdrift');
  });

  it.each(['rewind dev', '9lives', '', 'under_score'])('refuses %j, which is no CloudFormation stack name', (name) => {
    expect(() => serviceNameForStack(name)).toThrow(/rewind:stackName must be a CloudFormation stack name/);
  });

  it('refuses the stack name Drift, whose alarm names would be the default stack\'s', () => {
    expect(serviceNameForStack('DriftWatch')).toBe('rewind-driftwatch');
    expect(() => serviceNameForStack('Drift')).toThrow(/would name its alarms like the default stack's/);
    expect(() => serviceNameForStack('drift')).toThrow(/would name its alarms like the default stack's/);
    expect(() => serviceNameForStack('Dr-ift')).toThrow(/would name its alarms like the default stack's/);
  });

  it('names and dimensions each service\'s drift alarms apart', () => {
    const prod = driftAlarmsForView('v', monitor);
    const dev = driftAlarmsForView('v', monitor, { service: DEV });
    expect(prod.map((s) => s.alarmName)).toEqual(['rewind-drift-v-psi', 'rewind-drift-v-js', 'rewind-drift-v-nullRateIncrease']);
    expect(dev.map((s) => s.alarmName)).toEqual([`${DEV}-drift-v-psi`, `${DEV}-drift-v-js`, `${DEV}-drift-v-nullRateIncrease`]);
    expect(prod[0]!.dimensions).toEqual({ service: 'rewind', view: 'v', statistic: 'psi' });
    expect(dev[0]!.dimensions).toEqual({ service: DEV, view: 'v', statistic: 'psi' });
    expect(driftAlarmName('v', 'psi', DEV)).toBe(dev[0]!.alarmName);
    // Everything but the identity is the same: the same policy gives the same alarms.
    const { alarmName: _p, dimensions: _pd, ...prodRest } = prod[0]!;
    const { alarmName: _d, dimensions: _dd, ...devRest } = dev[0]!;
    expect(devRest).toEqual(prodRest);
  });

  it('gives prefixes that find no alarm of the other service (for sync-alarms, the bake check and IAM)', () => {
    const prodNames = driftAlarmsForView('v', monitor).map((s) => s.alarmName);
    const devNames = driftAlarmsForView('v', monitor, { service: DEV }).map((s) => s.alarmName);
    for (const [own, others, service] of [[prodNames, devNames, undefined], [devNames, prodNames, DEV]] as const) {
      for (const prefix of [driftAlarmPrefix(service), viewDriftAlarmPrefix('v', service)]) {
        expect({ prefix, own: own.every((n) => n.startsWith(prefix)), others: others.filter((n) => n.startsWith(prefix)) }).toEqual({ prefix, own: true, others: [] });
      }
    }
  });

  it('makes another stack\'s rollback rule match its own alarms only', () => {
    const devRule = alarmRollbackPattern(alarmNamePrefixes([], DEV));
    expect(alarmNamePrefixes([], DEV)).toEqual([`${DEV}-`]);
    expect(matchesEventPattern(devRule, alarmEvent(driftAlarmName('v', 'psi', DEV), { view: 'v' }))).toBe(true);
    expect(matchesEventPattern(devRule, alarmEvent(driftAlarmName('v', 'psi'), { view: 'v' }))).toBe(false);
    // The default stack's `rewind-` does match `rewind-rewinddev-…`: core/auto-rollback.ts
    // ignores such an alarm by its service dimension (test/unit/auto-rollback.test.ts).
    expect(matchesEventPattern(alarmRollbackPattern(alarmNamePrefixes([])), alarmEvent(driftAlarmName('v', 'psi', DEV), { view: 'v' }))).toBe(true);
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
