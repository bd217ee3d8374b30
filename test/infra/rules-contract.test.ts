/**
 * contract/rules.ts: the patterns the stack deploys and the local event bus matches with
 * `matchesEventPattern`. The matcher is checked against EventBridge's documented semantics
 * for the subset Rewind uses.
 */
import {
  ALARM_ROLLBACK_RULE,
  alarmRollbackPattern,
  FALLBACK_POINTER_DETAIL_TYPE,
  matchesEventPattern,
  pointerDetailType,
  REWIND_ALARM_PREFIX,
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
  it('names activations and rollbacks, and never drops an unknown action', () => {
    expect(pointerDetailType('activate')).toBe('FeatureViewActivated');
    expect(pointerDetailType('promote')).toBe('FeatureViewActivated');
    expect(pointerDetailType('rollback')).toBe('FeatureViewRolledBack');
    expect(pointerDetailType('auto-rollback')).toBe('FeatureViewRolledBack');
    expect(pointerDetailType('disable')).toBe(FALLBACK_POINTER_DETAIL_TYPE);
  });
});
