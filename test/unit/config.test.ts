/**
 * The configuration module (contract/config.ts): getters that throw naming the variable, read
 * once and remembered until the environment is reset, and the names it declares are the ones
 * the rest of the contract (and README) use.
 */
import fc from 'fast-check';
import { MODEL_ALARMS_ENV } from '../../contract/alarms';
import { ARTIFACT_EVENT as CONTRACT_ARTIFACT_EVENT } from '../../contract/events';
import { config, ConfigError, ENV, MissingConfigError, numberOr, oneOf, optionalNumber, resetConfig, tableName } from '../../contract/config';
import { ARTIFACT_EVENT } from '../../core/artifacts';
import { monitoringOptionsFromEnv } from '../../local/monitoring';
import { promoteIntervalFromEnv } from '../../local/releases';
import { storeConfigFromEnv } from '../../store/config';

describe('contract/config getters', () => {
  it('reads a positive number, and treats unset and empty alike', () => {
    expect(optionalNumber(ENV.alarmPeriodSeconds, { range: 'positive' }, { [ENV.alarmPeriodSeconds]: ' 1 ' })).toBe(1);
    expect(optionalNumber(ENV.alarmPeriodSeconds, { range: 'positive' }, {})).toBeUndefined();
    expect(optionalNumber(ENV.alarmPeriodSeconds, { range: 'positive' }, { [ENV.alarmPeriodSeconds]: '' })).toBeUndefined();
    expect(numberOr(ENV.monitorWindowSeconds, { range: 'positive' }, 300, {})).toBe(300);
  });

  it('throws a ConfigError naming the variable for every value that is not a number in range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('x', '-1', '0', 'NaN', 'Infinity', '1e400', '60s'), fc.integer({ max: 0 }).map(String)), (raw) => {
        let thrown: unknown;
        try {
          optionalNumber(ENV.alarmPeriodSeconds, { range: 'positive' }, { [ENV.alarmPeriodSeconds]: raw });
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).variable).toBe('REWIND_ALARM_PERIOD_SECONDS');
        expect((thrown as Error).message).toContain('REWIND_ALARM_PERIOD_SECONDS');
      }),
    );
  });

  it('accepts 0 where 0 means "none" (a cache bound), and refuses a fraction where an integer is needed', () => {
    expect(optionalNumber(ENV.pointerCacheMs, { range: 'nonNegative' }, { [ENV.pointerCacheMs]: '0' })).toBe(0);
    expect(() => optionalNumber(ENV.sampleCapacity, { range: 'positive', integer: true }, { [ENV.sampleCapacity]: '2.5' })).toThrow(/REWIND_SAMPLE_CAPACITY must be a positive integer/);
  });

  it('reads a switch case-insensitively and names the variable when it is neither', () => {
    expect(oneOf(ENV.serveSampling, ['on', 'off'], 'on', { [ENV.serveSampling]: 'OFF' })).toBe('off');
    expect(() => oneOf(ENV.serveSampling, ['on', 'off'], 'on', { [ENV.serveSampling]: 'maybe' })).toThrow(/REWIND_SERVE_SAMPLING must be one of on, off/);
  });

  it('names a missing table variable', () => {
    expect(() => tableName('samples', {})).toThrow(MissingConfigError);
    expect(() => tableName('samples', {})).toThrow('environment variable REWIND_SAMPLES_TABLE is not set');
    expect(tableName('samples', { REWIND_SAMPLES_TABLE: 't-samples' })).toBe('t-samples');
  });
});

describe('the memoized configuration', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetConfig();
  });

  it('reads each value once, until the environment is reset (a new cold start)', () => {
    process.env[ENV.alarmPeriodSeconds] = '5';
    resetConfig();
    expect(config.alarmPeriodSeconds()).toBe(5);
    process.env[ENV.alarmPeriodSeconds] = '7';
    expect(config.alarmPeriodSeconds()).toBe(5);
    resetConfig();
    expect(config.alarmPeriodSeconds()).toBe(7);
  });

  it('throws only from the getter that needs a missing variable', () => {
    delete process.env[ENV.eventBus];
    process.env[ENV.monitorWindowSeconds] = '120';
    resetConfig();
    expect(config.monitorWindowSeconds()).toBe(120);
    expect(() => config.eventBusName()).toThrow('environment variable REWIND_EVENT_BUS is not set');
  });

  it('gives the store its tables from the same getters, naming the first one missing', () => {
    expect(() => storeConfigFromEnv({})).toThrow('environment variable REWIND_VERSIONS_TABLE is not set');
  });
});

describe('one name per variable', () => {
  it('declares the names the contract already uses', () => {
    expect(ENV.modelAlarms).toBe(MODEL_ALARMS_ENV);
    expect(CONTRACT_ARTIFACT_EVENT).toBe(ARTIFACT_EVENT);
  });

  it('parses the local runtime variables by the same rules', () => {
    expect(monitoringOptionsFromEnv({ [ENV.monitoring]: 'on', [ENV.alarmPeriodSeconds]: '1' })).toEqual({ alarmPeriodSeconds: 1 });
    expect(monitoringOptionsFromEnv({})).toBeUndefined();
    expect(() => monitoringOptionsFromEnv({ [ENV.alarmPeriodSeconds]: 'fast' })).toThrow(/REWIND_ALARM_PERIOD_SECONDS/);
    expect(promoteIntervalFromEnv({ [ENV.promoteIntervalMs]: '250' })).toBe(250);
    expect(() => promoteIntervalFromEnv({ [ENV.promoteIntervalMs]: '-1' })).toThrow(/REWIND_PROMOTE_INTERVAL_MS/);
  });
});
