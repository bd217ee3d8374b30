/** core/auto-rollback.ts screenAlarm: which alarm state changes this stack trusts (issue 15 item 4). */
import { parseAlarmEvent, screenAlarm, type AlarmFired } from '../../core/auto-rollback';
import { alarmEvent } from '../support/alarm-events';

const trust = { service: 'rewind', account: '000000000000', region: 'us-east-1', modelAlarmNames: ['churn-auc-low'] };
function alarm(name: string, o: Parameters<typeof alarmEvent>[1] = {}, change: (a: AlarmFired) => void = () => undefined): AlarmFired {
  const parsed = parseAlarmEvent(alarmEvent(name, o));
  if (!parsed.ok) throw new Error(parsed.problem);
  change(parsed.alarm);
  return parsed.alarm;
}

it("trusts this stack's drift alarm of a view, and a bound model alarm whatever its metric", () => {
  expect(screenAlarm(alarm('rewind-drift-orders-psi', { view: 'orders' }), trust)).toEqual({ trusted: true, as: 'drift-alarm' });
  expect(screenAlarm(alarm('churn-auc-low', {}, (a) => ((a.namespaces = ['ML/Models']), (a.dimensions = {}))), trust)).toEqual({ trusted: true, as: 'model-alarm' });
});

it('refuses another region, and checks nothing it was not told (local runtime: no account)', () => {
  expect(screenAlarm(alarm('rewind-drift-orders-psi', { view: 'orders', region: 'eu-west-1' }), trust)).toEqual({ trusted: false, why: expect.stringMatching(/region eu-west-1/) });
  expect(screenAlarm(alarm('rewind-drift-orders-psi', { view: 'orders', account: '111111111111' }), { service: 'rewind', modelAlarmNames: [] })).toEqual({ trusted: true, as: 'drift-alarm' });
});

it("refuses a drift alarm named for another stack's service, even in the Rewind namespace", () => {
  // `rewind-rewinddev-drift-…` starts with `rewind-` (the default rule prefix) but not `rewind-drift-`.
  const dev = alarm('rewind-rewinddev-drift-orders-psi', { view: 'orders' });
  expect(screenAlarm(dev, trust)).toEqual({ trusted: false, why: expect.stringMatching(/neither a drift alarm/) });
  expect(screenAlarm(dev, { ...trust, service: 'rewind-rewinddev' })).toEqual({ trusted: false, why: expect.stringMatching(/service is rewind, not this stack's rewind-rewinddev/) });
});

it('refuses a drift-named alarm without a view dimension', () => {
  expect(screenAlarm(alarm('rewind-drift-orders-psi'), trust)).toEqual({ trusted: false, why: 'the metric has no view dimension' });
});
