/** Context parameters: defaults that synthesize offline, and errors that name the parameter. */
import { CONTEXT_KEYS, configFromContext, DEFAULTS, InvalidContextError, PLACEHOLDER_ISSUER } from '../../infra/config';
import { retentionDays } from '../../infra/rewind-stack';

const node = (context: Record<string, unknown>) => ({ tryGetContext: (key: string) => context[key] });

describe('configFromContext', () => {
  it('defaults to the production posture, with a placeholder issuer that accepts no token', () => {
    const config = configFromContext(node({}));
    expect(config).toMatchObject({ ...DEFAULTS, jwtIssuer: PLACEHOLDER_ISSUER, jwtIsPlaceholder: true, deletionProtection: true });
  });

  it('reads strings from -c and typed values from cdk.json alike', () => {
    const fromCli = configFromContext(
      node({
        'rewind:jwtIssuer': 'https://login.example.com/',
        'rewind:jwtAudience': 'a, b',
        'rewind:deletionProtection': 'false',
        'rewind:servingRateLimit': '250',
      }),
    );
    const fromJson = configFromContext(
      node({ 'rewind:jwtIssuer': 'https://login.example.com/', 'rewind:jwtAudience': ['a', 'b'], 'rewind:deletionProtection': false, 'rewind:servingRateLimit': 250 }),
    );
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({ jwtAudience: ['a', 'b'], jwtIsPlaceholder: false, deletionProtection: false, servingRateLimit: 250 });
  });

  it('parses model alarm bindings with contract/alarms.ts', () => {
    const config = configFromContext(node({ 'rewind:modelAlarms': '[{"alarmName":"churn-auc-low","model":"churn-model"}]' }));
    expect(config.modelAlarms).toEqual([{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 60 }]);
  });

  it('accepts an http:// issuer only when rewind:allowHttpIssuer says so (LocalStack and its test issuer)', () => {
    const issuer = 'http://host.docker.internal:4599';
    expect(() => configFromContext(node({ [CONTEXT_KEYS.jwtIssuer]: issuer }))).toThrow(/must be an https:\/\/ URL, got/);
    expect(configFromContext(node({ [CONTEXT_KEYS.jwtIssuer]: issuer, [CONTEXT_KEYS.allowHttpIssuer]: 'true' }))).toMatchObject({ jwtIssuer: issuer, allowHttpIssuer: true });
    expect(() => configFromContext(node({ [CONTEXT_KEYS.jwtIssuer]: 'ftp://x', [CONTEXT_KEYS.allowHttpIssuer]: true }))).toThrow(CONTEXT_KEYS.jwtIssuer);
  });

  it.each([
    [CONTEXT_KEYS.jwtIssuer, 'http://insecure.example.com/'],
    [CONTEXT_KEYS.allowHttpIssuer, 'yes please'],
    [CONTEXT_KEYS.deletionProtection, 'maybe'],
    [CONTEXT_KEYS.snapshotRetentionDays, '0'],
    [CONTEXT_KEYS.throttleRateLimit, 'fast'],
    [CONTEXT_KEYS.modelAlarms, '[{"model":"no-alarm-name"}]'],
    [CONTEXT_KEYS.opsTopicArn, 'my-topic'],
    [CONTEXT_KEYS.jwtAudience, ' , '],
  ])('refuses %s=%j, naming the parameter', (key, value) => {
    expect(() => configFromContext(node({ [key]: value }))).toThrow(InvalidContextError);
    expect(() => configFromContext(node({ [key]: value }))).toThrow(key);
  });
});

describe('retentionDays', () => {
  it('rounds up to a retention CloudWatch Logs accepts', () => {
    expect(retentionDays(30)).toBe(30);
    expect(retentionDays(31)).toBe(60);
    expect(retentionDays(1)).toBe(1);
  });
});
