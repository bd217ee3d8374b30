/** The scheduled drill's context parameters (issue 13 item 3): defaults, accepted forms, and refusals that name the key. */
import { MAX_DRILL_ROWS, MAX_DRILL_RPS, MAX_TARGET_MTTR_SECONDS, MIN_DRILL_ROWS, SCENARIOS } from '../../core/drills/scenarios';
import { checkScheduleExpression, CONTEXT_KEYS, configFromContext, InvalidContextError, SCHEDULED_DRILL } from '../../infra/config';

const node = (context: Record<string, unknown>) => ({ tryGetContext: (key: string) => context[key] });
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rewind/drill-AbCdEf';
const scheduled = {
  [CONTEXT_KEYS.jwtIssuer]: 'https://login.example.com/',
  [CONTEXT_KEYS.drillSchedule]: 'rate(7 days)',
  [CONTEXT_KEYS.drillClientId]: 'drill-client',
  [CONTEXT_KEYS.drillClientSecretArn]: SECRET,
};

/** The error configFromContext throws, as `key: message` (or 'no error'). */
function refusal(context: Record<string, unknown>): string {
  try {
    configFromContext(node(context));
    return 'no error';
  } catch (error) {
    if (!(error instanceof InvalidContextError)) throw error;
    return `${error.key}: ${error.message}`;
  }
}

it('has no schedule by default, and the drill defaults the issue names (nulls, target 30 s)', () => {
  const config = configFromContext(node({}));
  expect(config.drillSchedule).toBeUndefined();
  expect(config).toMatchObject({ drillScenario: 'nulls', drillRows: 1000, drillRps: 10, drillTargetMttrSeconds: 30 });
  expect(config.drillClientId).toBeUndefined();
});

it('reads a scheduled drill from -c strings and cdk.json values alike', () => {
  const fromCli = configFromContext(node({ ...scheduled, [CONTEXT_KEYS.drillScenario]: 'drift', [CONTEXT_KEYS.drillRows]: '5000', [CONTEXT_KEYS.drillRps]: '20', [CONTEXT_KEYS.drillTargetMttrSeconds]: '45', [CONTEXT_KEYS.drillScope]: 'rewind/drill' }));
  const fromJson = configFromContext(node({ ...scheduled, [CONTEXT_KEYS.drillScenario]: 'drift', [CONTEXT_KEYS.drillRows]: 5000, [CONTEXT_KEYS.drillRps]: 20, [CONTEXT_KEYS.drillTargetMttrSeconds]: 45, [CONTEXT_KEYS.drillScope]: 'rewind/drill' }));
  expect(fromCli).toEqual(fromJson);
  expect(fromCli).toMatchObject({ drillSchedule: 'rate(7 days)', drillScenario: 'drift', drillRows: 5000, drillRps: 20, drillTargetMttrSeconds: 45, drillClientId: 'drill-client', drillClientSecretArn: SECRET, drillScope: 'rewind/drill' });
});

it.each(['rate(7 days)', 'rate(1 day)', 'rate(1 hour)', 'rate(90 minutes)', 'cron(0 3 ? * MON *)', 'cron(30 2 1 * ? *)'])('accepts the schedule %s', (expression) => {
  expect(() => checkScheduleExpression(CONTEXT_KEYS.drillSchedule, expression)).not.toThrow();
});

it.each([
  ['weekly', /must be an EventBridge Scheduler expression, rate\(…\) or cron\(…\)/],
  ['rate(1 days)', /is not a valid rate/],
  ['rate(7 day)', /is not a valid rate/],
  ['rate(10 minutes)', /at least 60 minutes apart/],
  ['cron(0 3 * * MON)', /six fields/],
  ['cron(*/5 * ? * * *)', /at most once an hour/],
  ['at(2026-12-24T03:00:00)', /must be an EventBridge Scheduler expression/],
])('refuses the schedule %s, naming rewind:drillSchedule', (expression, message) => {
  const error = refusal({ ...scheduled, [CONTEXT_KEYS.drillSchedule]: expression });
  expect(error).toMatch(new RegExp(`^rewind:drillSchedule: context parameter rewind:drillSchedule `));
  expect(error).toMatch(message);
});

it.each([
  [CONTEXT_KEYS.drillScenario, 'flood', /must be one of drift, nulls, schema-break, bad-source/],
  [CONTEXT_KEYS.drillScenario, 'corrupt-snapshot', /corrupt-snapshot needs the bucket/],
  [CONTEXT_KEYS.drillRows, '10', /must be a number >= 50/],
  [CONTEXT_KEYS.drillRows, '2000000', /from 50 to 1000000/],
  [CONTEXT_KEYS.drillRows, '100.5', /whole number/],
  [CONTEXT_KEYS.drillRps, '0', /must be a number >= 1/],
  [CONTEXT_KEYS.drillRps, '5000', /at most 1000/],
  [CONTEXT_KEYS.drillRps, 'many', /must be a number/],
  [CONTEXT_KEYS.drillTargetMttrSeconds, '-1', /must be a number/],
  [CONTEXT_KEYS.drillTargetMttrSeconds, '7200', /at most 3600 seconds/],
  [CONTEXT_KEYS.drillClientSecretArn, 'rewind/drill', /full ARN/],
  [CONTEXT_KEYS.drillClientSecretArn, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rewind/drill', /full ARN/],
])('refuses %s=%s, naming the key', (key, value, message) => {
  const error = refusal({ ...scheduled, [key]: value });
  expect(error.startsWith(`${key}: context parameter ${key} `)).toBe(true);
  expect(error).toMatch(message);
});

it('keeps the drill load under the serving throttle', () => {
  expect(refusal({ ...scheduled, [CONTEXT_KEYS.servingRateLimit]: '50', [CONTEXT_KEYS.drillRps]: '60' })).toMatch(/^rewind:drillRps: .*at most 50/);
});

it('refuses a schedule without its OAuth client, its secret, or a real issuer, naming what is missing', () => {
  const without = (key: string) => Object.fromEntries(Object.entries(scheduled).filter(([k]) => k !== key));
  expect(refusal(without(CONTEXT_KEYS.drillClientId))).toMatch(/^rewind:drillClientId: context parameter rewind:drillClientId is required with rewind:drillSchedule/);
  expect(refusal(without(CONTEXT_KEYS.drillClientSecretArn))).toMatch(/^rewind:drillClientSecretArn: .* is required with rewind:drillSchedule/);
  expect(refusal(without(CONTEXT_KEYS.jwtIssuer))).toMatch(/^rewind:jwtIssuer: .* is required with rewind:drillSchedule/);
  // The client alone, without a schedule, is fine (set up ahead of the schedule).
  expect(refusal({ [CONTEXT_KEYS.drillClientId]: 'drill-client' })).toBe('no error');
});

it("bounds a scheduled drill as core/drills/scenarios.ts bounds any drill (infra/ may not import core/)", () => {
  expect(SCHEDULED_DRILL).toMatchObject({ minRows: MIN_DRILL_ROWS, maxRows: MAX_DRILL_ROWS, maxRps: MAX_DRILL_RPS, maxTargetMttrSeconds: MAX_TARGET_MTTR_SECONDS });
  expect([...SCHEDULED_DRILL.scenarios]).toEqual(SCENARIOS.filter((s) => s !== 'corrupt-snapshot'));
  // Five phases of the drill inside the function's 15 minutes.
  expect(SCHEDULED_DRILL.phaseTimeoutSeconds * 5).toBeLessThan(15 * 60);
});
