/**
 * The one description of Rewind's event rules and event shapes. The CDK stack (infra/) builds
 * its EventBridge rule from `ALARM_ROLLBACK_RULE.pattern`, and the local runtime's event bus
 * can match the same pattern with `matchesEventPattern`, so a CloudWatch alarm rolls back the
 * same views locally and in AWS.
 *
 * Patterns are kept in EventBridge's own JSON syntax (`detail-type`, `{ prefix: … }`), so
 * the object here is exactly what lands in the CloudFormation template.
 */
import type { PointerAction } from './actions';
import { DEFAULT_SERVICE_NAME } from './service';

/**
 * Alarms whose name starts with `<service>-` are the stack's own (contract/service.ts): an
 * ALARM state change of one of them triggers an automatic rollback. Alarms Rewind creates for
 * its own operations (DLQ depth, API errors) are named `ops-…` so that they can never match.
 * The default stack's prefix `rewind-` also matches another stack's (`rewind-rewinddev-…`):
 * core/auto-rollback.ts ignores an alarm whose metric names another service.
 *
 * @example serviceAlarmPrefix('rewind-rewinddev') // 'rewind-rewinddev-'
 */
export function serviceAlarmPrefix(service: string = DEFAULT_SERVICE_NAME): string {
  return `${service}-`;
}

/** The default stack's alarm-name prefix, `rewind-`. */
export const REWIND_ALARM_PREFIX = serviceAlarmPrefix(DEFAULT_SERVICE_NAME);

/** Source of every event Rewind publishes on its bus. */
export const POINTER_EVENT_SOURCE = 'rewind';

/** Environment variable that carries the name of Rewind's event bus to its publishers. */
export const EVENT_BUS_ENV = 'REWIND_EVENT_BUS';

/** A JSON value as EventBridge patterns allow it: a list of alternatives, or a nested object. */
export type PatternMatcher = string | number | boolean | null | { prefix: string } | { exists: boolean };
export interface EventPattern {
  [field: string]: readonly PatternMatcher[] | EventPattern;
}

export interface RuleSpec {
  /** Logical id of the rule, also the construct id in infra/. */
  id: string;
  /** File under functions/ (without extension) whose `handler` the rule invokes. */
  handler: string;
  description: string;
  pattern: EventPattern;
  /**
   * The bus the rule listens on: `default` (the account's, where CloudWatch alarm state
   * changes arrive) or `rewind` (Rewind's own, where pointer events are published).
   * @default 'default'
   */
  bus?: 'default' | 'rewind';
}

/**
 * The account and region whose alarms may trigger a rollback. The stack passes its own
 * (`Aws.ACCOUNT_ID`, `Aws.REGION`, tokens resolved at deploy); the local runtime, with one
 * account, passes none.
 */
export interface AlarmOrigin {
  account?: string;
  region?: string;
}

/**
 * "A Rewind alarm went to ALARM". Only the transition into ALARM is matched: OK and
 * INSUFFICIENT_DATA changes never roll anything back.
 *
 * @example alarmRollbackPattern() // matches alarms named `rewind-…` (the default stack's)
 * @example alarmRollbackPattern(['rewind-rewinddev-', 'ml-churn-']) // another stack's, and a team's own model alarms
 * @example alarmRollbackPattern(['rewind-'], { account: '123456789012', region: 'eu-west-1' }) // only that account's, in that region
 */
export function alarmRollbackPattern(prefixes: readonly string[] = [REWIND_ALARM_PREFIX], where: AlarmOrigin = {}): EventPattern {
  if (prefixes.length === 0 || prefixes.some((p) => p === '')) throw new Error('alarm name prefixes must be non-empty');
  return {
    // Another account's alarm events reach this bus only if someone forwards them; they keep
    // their account and region, and must never roll back this stack's views.
    ...(where.account !== undefined ? { account: [where.account] } : {}),
    ...(where.region !== undefined ? { region: [where.region] } : {}),
    source: ['aws.cloudwatch'],
    'detail-type': ['CloudWatch Alarm State Change'],
    detail: {
      alarmName: prefixes.map((prefix) => ({ prefix })),
      state: { value: ['ALARM'] },
    },
  };
}

/**
 * The alarm → rollback rule, with the default stack's pattern. A stack (and the local runtime)
 * listens for its own service's alarms and its bound model alarms instead:
 * `alarmRollbackPattern(alarmNamePrefixes(bindings, service))` (contract/alarms.ts).
 */
export const ALARM_ROLLBACK_RULE: RuleSpec = {
  id: 'alarm-rollback',
  handler: 'alarm-rollback',
  description: 'A Rewind alarm entered ALARM: roll the affected view(s) back',
  pattern: alarmRollbackPattern(),
};

/**
 * The detail-type of the event published for one history entry, by its `action`
 * (core/model.ts POINTER_ACTIONS). Unknown actions still get an event (the outbox never drops
 * a committed change): consumers that do not know the action can ignore
 * `FeatureViewPointerChanged`.
 */
export const POINTER_DETAIL_TYPES: Readonly<Record<PointerAction, string>> = {
  activate: 'FeatureViewActivated',
  canary: 'FeatureViewCanaryStarted',
  shadow: 'FeatureViewShadowStarted',
  promote: 'FeatureViewPromoted',
  rollback: 'FeatureViewRolledBack',
  disable: 'FeatureDisabled',
  enable: 'FeatureEnabled',
};
/** History entries written before automatic rollbacks became `rollback` with a `system:alarm/…` actor. */
const LEGACY_DETAIL_TYPES: Readonly<Record<string, string>> = { 'auto-rollback': 'FeatureViewRolledBack' };
export const FALLBACK_POINTER_DETAIL_TYPE = 'FeatureViewPointerChanged';

export function pointerDetailType(action: string): string {
  return (POINTER_DETAIL_TYPES as Readonly<Record<string, string>>)[action] ?? LEGACY_DETAIL_TYPES[action] ?? FALLBACK_POINTER_DETAIL_TYPE;
}

/**
 * The pointer changes that can change which version a view serves to everyone, or start a
 * trial of one: after each, the view's drift alarms are brought in line with the monitor
 * policy of the version it now serves (functions/sync-alarms.ts). Feature switches are left
 * out: they change no version, so no alarm.
 */
export const ALARM_SYNC_ACTIONS: readonly PointerAction[] = ['activate', 'canary', 'shadow', 'promote', 'rollback'];

/** "A pointer change committed that may change a view's drift alarms": Rewind's own events on Rewind's bus. */
export function alarmSyncPattern(actions: readonly PointerAction[] = ALARM_SYNC_ACTIONS): EventPattern {
  return {
    source: [POINTER_EVENT_SOURCE],
    'detail-type': [...new Set(actions.map((a) => POINTER_DETAIL_TYPES[a]))],
  };
}

/**
 * Pointer change → the view's drift alarms in CloudWatch. A rule on Rewind's bus (not the
 * default bus, where the alarm → rollback rule listens for CloudWatch's events).
 */
export const SYNC_ALARMS_RULE: RuleSpec = {
  id: 'sync-alarms',
  handler: 'sync-alarms',
  description: "A view's served version changed: put its drift alarms, delete the ones its policy no longer has",
  pattern: alarmSyncPattern(),
  bus: 'rewind',
};

/**
 * A rollback committed (manual or automatic) → its runbook and escalation
 * (functions/after-rollback.ts). On Rewind's bus, from the history outbox: the rollback itself
 * never waits for, and can never be failed by, what follows it.
 */
export const AFTER_ROLLBACK_RULE: RuleSpec = {
  id: 'after-rollback',
  handler: 'after-rollback',
  description: "A view was rolled back: run its runbook, record each step's outcome, escalate with context",
  pattern: { source: [POINTER_EVENT_SOURCE], 'detail-type': [POINTER_DETAIL_TYPES.rollback] },
  bus: 'rewind',
};

/**
 * The detail-type of a drill's result (core/drills/events.ts): published by the scheduled drill on
 * AWS (functions/scheduled-drill.ts) and by the local runtime when POST /drills stores a report.
 */
export const DRILL_COMPLETED_DETAIL_TYPE = 'DrillCompleted';

export const RULES: readonly RuleSpec[] = [ALARM_ROLLBACK_RULE, SYNC_ALARMS_RULE, AFTER_ROLLBACK_RULE];

/**
 * Whether `event` matches `pattern`, for the subset of EventBridge's syntax Rewind uses:
 * lists of exact values, `{ prefix }`, `{ exists }` and nested objects. Arrays in the event
 * match when any element matches (as in EventBridge).
 *
 * @example matchesEventPattern(ALARM_ROLLBACK_RULE.pattern, alarmEvent) // true for `rewind-…` in ALARM
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, expected]) => {
    const actual = record[field];
    if (!Array.isArray(expected)) return matchesEventPattern(expected as EventPattern, actual);
    const alternatives = expected as readonly PatternMatcher[];
    const values = Array.isArray(actual) ? actual : [actual];
    return alternatives.some((alternative) => matchesOne(alternative, actual, values));
  });
}

function matchesOne(alternative: PatternMatcher, actual: unknown, values: unknown[]): boolean {
  if (alternative !== null && typeof alternative === 'object') {
    if ('exists' in alternative) return alternative.exists === (actual !== undefined);
    return values.some((v) => typeof v === 'string' && v.startsWith(alternative.prefix));
  }
  return values.some((v) => v === alternative);
}
