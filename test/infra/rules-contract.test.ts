/**
 * contract/rules.ts: the patterns the stack deploys and the local event bus matches with
 * `matchesEventPattern`. The matcher is checked against EventBridge's documented semantics
 * for the subset Rewind uses.
 */
import { POINTER_ACTIONS } from '../../core/model';
import {
  ALARM_ROLLBACK_RULE,
  alarmRollbackPattern,
  FALLBACK_POINTER_DETAIL_TYPE,
  matchesEventPattern,
  POINTER_DETAIL_TYPES,
  POINTER_EVENT_SOURCE,
  pointerDetailType,
  REWIND_ALARM_PREFIX,
  RULES,
  SYNC_ALARMS_RULE,
} from '../../contract/rules';

const alarm = (alarmName: string, state = 'ALARM', extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e1',
  source: 'aws.cloudwatch',
  'detail-type': 'CloudWatch Alarm State Change',
  account: '123456789012',
  region: 'eu-west-1',
  resources: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`],
  detail: { alarmName, state: { value: state, reason: 'Threshold Crossed' }, previousState: { value: 'OK' }, ...extra },
});

describe('the alarm → rollback pattern', () => {
  it('is EventBridge JSON: source, detail-type, a name prefix and the ALARM state', () => {
    expect(ALARM_ROLLBACK_RULE.pattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: [{ prefix: REWIND_ALARM_PREFIX }], state: { value: ['ALARM'] } },
    });
  });

  it('matches a Rewind alarm entering ALARM', () => {
    expect(matchesEventPattern(ALARM_ROLLBACK_RULE.pattern, alarm('rewind-drift-user_profile-psi'))).toBe(true);
  });

  it.each([
    ['an OK transition', alarm('rewind-drift-user_profile-psi', 'OK')],
    ['INSUFFICIENT_DATA', alarm('rewind-drift-user_profile-psi', 'INSUFFICIENT_DATA')],
    ['an alarm of someone else', alarm('billing-over-budget')],
    ['a name that only contains the prefix', alarm('my-rewind-alarm')],
    ['a different source', { ...alarm('rewind-x'), source: 'aws.ec2' }],
    ['a different detail-type', { ...alarm('rewind-x'), 'detail-type': 'EC2 Instance State-change Notification' }],
    ['an event without detail', { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change' }],
    ['not an object', 'rewind-x'],
  ])('does not match %s', (_case, event) => {
    expect(matchesEventPattern(ALARM_ROLLBACK_RULE.pattern, event)).toBe(false);
  });

  it('takes more prefixes (bound model alarms), and refuses an empty one that would match every alarm', () => {
    const pattern = alarmRollbackPattern([REWIND_ALARM_PREFIX, 'churn-auc-low']);
    expect(matchesEventPattern(pattern, alarm('churn-auc-low'))).toBe(true);
    expect(() => alarmRollbackPattern([''])).toThrow();
    expect(() => alarmRollbackPattern([])).toThrow();
  });

  it("filtered on an account and region, matches only that account's alarms in that region (a forwarded one never)", () => {
    const pattern = alarmRollbackPattern([REWIND_ALARM_PREFIX], { account: '123456789012', region: 'eu-west-1' });
    expect(pattern).toMatchObject({ account: ['123456789012'], region: ['eu-west-1'] });
    expect(matchesEventPattern(pattern, alarm('rewind-drift-v-psi'))).toBe(true);
    expect(matchesEventPattern(pattern, { ...alarm('rewind-drift-v-psi'), account: '210987654321' })).toBe(false);
    expect(matchesEventPattern(pattern, { ...alarm('rewind-drift-v-psi'), region: 'us-east-1' })).toBe(false);
  });
});

describe('matchesEventPattern (EventBridge semantics)', () => {
  it('matches an array field when any element matches', () => {
    expect(matchesEventPattern({ resources: ['b'] }, { resources: ['a', 'b'] })).toBe(true);
    expect(matchesEventPattern({ resources: ['c'] }, { resources: ['a', 'b'] })).toBe(false);
  });

  it('supports exists, and exact numbers and booleans', () => {
    expect(matchesEventPattern({ detail: { x: [{ exists: true }] } }, { detail: { x: 0 } })).toBe(true);
    expect(matchesEventPattern({ detail: { x: [{ exists: false }] } }, { detail: {} })).toBe(true);
    expect(matchesEventPattern({ detail: { n: [5], b: [false] } }, { detail: { n: 5, b: false } })).toBe(true);
    expect(matchesEventPattern({ detail: { n: [5] } }, { detail: { n: '5' } })).toBe(false);
  });
});

describe('pointer event detail types', () => {
  it('names every history action; activation and rollback keep their names', () => {
    expect(Object.fromEntries(POINTER_ACTIONS.map((a) => [a, pointerDetailType(a)]))).toEqual({
      activate: 'FeatureViewActivated',
      canary: 'FeatureViewCanaryStarted',
      shadow: 'FeatureViewShadowStarted',
      promote: 'FeatureViewPromoted',
      rollback: 'FeatureViewRolledBack',
      disable: 'FeatureDisabled',
      enable: 'FeatureEnabled',
    });
    expect(Object.keys(POINTER_DETAIL_TYPES).sort()).toEqual([...POINTER_ACTIONS].sort());
  });

  it('maps a legacy auto-rollback entry to FeatureViewRolledBack, and never drops an unknown action', () => {
    expect(pointerDetailType('auto-rollback')).toBe('FeatureViewRolledBack');
    expect(pointerDetailType('something-new')).toBe(FALLBACK_POINTER_DETAIL_TYPE);
  });
});

describe('the pointer event → drift alarm sync rule', () => {
  const event = (action: string, source = POINTER_EVENT_SOURCE) => ({ source, 'detail-type': pointerDetailType(action), detail: { view: 'v' } });

  it('listens on Rewind\'s bus for the changes that can move the served version', () => {
    expect(SYNC_ALARMS_RULE.bus).toBe('rewind');
    expect(RULES).toContain(SYNC_ALARMS_RULE);
    for (const action of ['activate', 'canary', 'shadow', 'promote', 'rollback']) expect({ action, matches: matchesEventPattern(SYNC_ALARMS_RULE.pattern, event(action)) }).toEqual({ action, matches: true });
  });

  it('ignores feature switches, artifact events and other sources', () => {
    for (const action of ['disable', 'enable']) expect(matchesEventPattern(SYNC_ALARMS_RULE.pattern, event(action))).toBe(false);
    expect(matchesEventPattern(SYNC_ALARMS_RULE.pattern, { source: POINTER_EVENT_SOURCE, 'detail-type': 'FeatureArtifactRefreshed' })).toBe(false);
    expect(matchesEventPattern(SYNC_ALARMS_RULE.pattern, event('activate', 'aws.cloudwatch'))).toBe(false);
  });
});
