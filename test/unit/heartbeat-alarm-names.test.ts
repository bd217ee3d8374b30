/**
 * The runbook's check-models step waits for the view's alarms to leave ALARM, except the
 * monitor's heartbeat alarms, which page about the monitor, not about a model (core/runbook-run.ts).
 */
import { driftAlarmsForView, heartbeatAlarmName, isHeartbeatAlarm } from '../../contract/alarms';
import { resolvePolicy } from '../../core/validation/tolerances';

it('knows a heartbeat alarm by its name, for any service, view and version', () => {
  expect(isHeartbeatAlarm(heartbeatAlarmName('user_profile', 3))).toBe(true);
  expect(isHeartbeatAlarm(heartbeatAlarmName('drill-d1-drift', 12, 'rewind-prod'))).toBe(true);
});

it('never takes a drift alarm or a model alarm for one', () => {
  expect(isHeartbeatAlarm('rewind-drift-user_profile-v3-psi')).toBe(false);
  expect(isHeartbeatAlarm('churn-model-auc-low')).toBe(false);
  expect(isHeartbeatAlarm('ops-rewind-pages')).toBe(false);
});

it('picks out exactly the heartbeat among the alarms a served version gets', () => {
  const names = driftAlarmsForView('user_profile', resolvePolicy().monitor, { version: 3 }).map((a) => a.alarmName);
  expect(names.length).toBeGreaterThan(1);
  expect(names.filter(isHeartbeatAlarm)).toEqual([heartbeatAlarmName('user_profile', 3)]);
});
