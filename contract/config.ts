/**
 * Rewind's runtime configuration: the NAMES of the environment variables (the CDK stack sets
 * them from these constants, the local runtime too; README lists them and users' scripts set
 * them, so a name never changes), and one typed getter per value, read once per cold start and
 * memoized, that throws naming the variable when it is missing or malformed (the habit of
 * Powertools' `packages/commons/src/envUtils.ts`).
 *
 * Hand-written rather than a zod schema on purpose: the outbox publisher bundles this file and
 * must stay small and free of zod (test/infra/bundles.test.ts), and a getter is only evaluated
 * by the function that needs its variable (a missing `REWIND_EVENT_BUS` must not stop the drift
 * monitor, which never publishes).
 *
 * @example
 * import { config } from '../contract/config';
 * const windowMs = config.monitorWindowSeconds() * 1000; // REWIND_MONITOR_WINDOW_SECONDS, default 300
 * config.eventBusName(); // throws MissingConfigError('REWIND_EVENT_BUS') when the stack did not set it
 */
import { EVENT_BUS_ENV } from './rules';
import { SERVICE_NAME_ENV, serviceNameFromEnv } from './service';
import { SNAPSHOT_BUCKET_ENV, TABLES, type TableSpec } from './tables';

/** Every variable Rewind's code reads, by what it means. Table variables are in contract/tables.ts (`envVar`). */
export const ENV = {
  serviceName: SERVICE_NAME_ENV,
  eventBus: EVENT_BUS_ENV,
  snapshotBucket: SNAPSHOT_BUCKET_ENV,
  /** Overrides every drift alarm's period (the local runtime's 1 s); below 60 s metrics are high-resolution. */
  alarmPeriodSeconds: 'REWIND_ALARM_PERIOD_SECONDS',
  /** How far back the drift monitor reads served samples. */
  monitorWindowSeconds: 'REWIND_MONITOR_WINDOW_SECONDS',
  /** Local runtime: how often the drift monitor runs. */
  monitorIntervalMs: 'REWIND_MONITOR_INTERVAL_MS',
  /**
   * Fast detection: one drift-monitor invocation works in rounds this many seconds apart until
   * just before its deadline (the stack: 10, started each minute). Unset: one round per invocation.
   */
  monitorRoundSeconds: 'REWIND_MONITOR_ROUND_SECONDS',
  /** Local runtime: `on` starts the monitoring loop. */
  monitoring: 'REWIND_MONITORING',
  /** Local runtime: how often the bake check runs. */
  promoteIntervalMs: 'REWIND_PROMOTE_INTERVAL_MS',
  /** `off` switches the serving sampler off. */
  serveSampling: 'REWIND_SERVE_SAMPLING',
  sampleCapacity: 'REWIND_SAMPLE_CAPACITY',
  sampleFlushMs: 'REWIND_SAMPLE_FLUSH_MS',
  /** Serving's pointer-cache staleness bound (DESIGN invariant 4). */
  pointerCacheMs: 'REWIND_POINTER_CACHE_MS',
  policyCacheMs: 'REWIND_POLICY_CACHE_MS',
  /** `true`: s3rver and LocalStack address buckets by path, not by host name. */
  s3ForcePathStyle: 'REWIND_S3_FORCE_PATH_STYLE',
  /**
   * Local runtime: the DynamoDB endpoint of the online table alone (an in-memory DynamoDB Local
   * rebuilt from snapshots at start, docs/storage.md); unset, the online table is where every
   * other table is (AWS_ENDPOINT_URL_DYNAMODB, or AWS itself).
   */
  onlineDynamoDbEndpoint: 'REWIND_ONLINE_DYNAMODB_ENDPOINT',
  /** The KMS key (ARN) that signs audit checkpoints now (the stack's checkpoint key). */
  auditSigningKey: 'REWIND_AUDIT_SIGNING_KEY',
  /** Comma-separated KMS key ARNs of retired checkpoint keys whose checkpoints still verify (docs/audit.md: rotation). */
  auditTrustedKeys: 'REWIND_AUDIT_TRUSTED_KEYS',
  /** Local runtime: the directory of the checkpoint key files (no KMS there). */
  auditKeyDir: 'REWIND_AUDIT_KEY_DIR',
  /** Local runtime: how often an audit checkpoint is taken (0: only on demand). */
  checkpointIntervalMs: 'REWIND_CHECKPOINT_INTERVAL_MS',
  /**
   * The ops topic (SNS ARN): the alarms sync-alarms creates at run time notify it when they page
   * (the heartbeat alarms), and the functions that notify publish their escalations to it
   * (functions/commons/escalation.ts): the stack's `rewind:opsTopicArn`, or the topic it created.
   */
  opsTopicArn: 'REWIND_OPS_TOPIC_ARN',
  /** JSON list of model-alarm bindings (contract/alarms.ts MODEL_ALARMS_ENV parses it). */
  modelAlarms: 'REWIND_MODEL_ALARMS',
  /** Local runtime (or any runtime): a webhook every escalation is POSTed to, retried with backoff (docs/drills.md). */
  notifyUrl: 'REWIND_NOTIFY_URL',
  /** Attempts per escalation on REWIND_NOTIFY_URL before it is logged and given up (default 4). */
  notifyAttempts: 'REWIND_NOTIFY_ATTEMPTS',
  /**
   * A deploy of more rows than this (a `snapshotUri` file or inline `rows`) is answered 202 with a job
   * (materialized in chunks, off the request) instead of 201; default 50,000 (docs/configuration.md).
   */
  syncDeployMaxRows: 'REWIND_SYNC_DEPLOY_MAX_ROWS',
  /** The most (entity, timestamp) rows a `POST /views/{view}/training-sets` file may hold; default 100,000 (docs/time-travel.md). */
  trainingSetMaxRows: 'REWIND_TRAINING_SET_MAX_ROWS',
  /** The deploy-job state machine's ARN (the stack sets it); unset: jobs run in process (the local runtime's job runner). */
  jobStateMachine: 'REWIND_JOB_STATE_MACHINE',
  /** Rows per chunk of a deploy job (one Lambda invocation of the materialize step); default 5,000. */
  jobChunkRows: 'REWIND_JOB_CHUNK_ROWS',
  /**
   * A deploy job's validation stops and checkpoints after this many seconds of one invocation
   * (or sooner, 3 minutes before the invocation's own end), and the next invocation resumes it:
   * a file of any size validates in 15-minute Lambda invocations. Default 600.
   */
  jobValidateSegmentSeconds: 'REWIND_JOB_VALIDATE_SEGMENT_SECONDS',
  /** A deploy job's validation also stops after this many rows of one invocation (tests; unset: no row bound). */
  jobValidateSegmentRows: 'REWIND_JOB_VALIDATE_SEGMENT_ROWS',
  /** Local runtime: chunks a deploy job materializes at once (the stack's `rewind:materializeConcurrency`); default 4. */
  jobConcurrency: 'REWIND_JOB_CONCURRENCY',
  /**
   * An OpenLineage HTTP endpoint (Marquez: its base URL, `/api/v1/lineage` is added; a URL with
   * a path is used as is): the outbox POSTs every OpenLineage event there too (docs/lineage.md).
   */
  openLineageUrl: 'REWIND_OPENLINEAGE_URL',
  /** The scheduled drill (functions/scheduled-drill.ts): the API it drives, the stack's own (docs/drills.md). */
  drillApiUrl: 'REWIND_DRILL_API_URL',
  /** The scheduled drill's options as JSON (core/drills/scenarios.ts DrillOptionsSchema: scenario, rows, rps, targetMttrSeconds, …). */
  drillOptions: 'REWIND_DRILL_OPTIONS',
  /** The OIDC issuer the scheduled drill gets its token from (the API's: `rewind:jwtIssuer`). */
  drillIssuer: 'REWIND_DRILL_ISSUER',
  /** The scheduled drill's OAuth client at that issuer (client-credentials grant). */
  drillClientId: 'REWIND_DRILL_CLIENT_ID',
  /** The Secrets Manager secret (ARN) holding that client's secret. */
  drillClientSecretArn: 'REWIND_DRILL_CLIENT_SECRET_ARN',
  /** Scopes the scheduled drill asks the issuer for, space-separated (optional). */
  drillScope: 'REWIND_DRILL_SCOPE',
  /** Serving's staleness bound on the target (ms): the drill watches recovery past it (default 1000). */
  drillStalenessMs: 'REWIND_DRILL_STALENESS_MS',
  /** Powertools' own variables, set by the stack and the local runtime. */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable that is set but cannot be used; the message names it and says what it must be. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export class MissingConfigError extends ConfigError {
  constructor(variable: string) {
    super(variable, `environment variable ${variable} is not set`);
    this.name = 'MissingConfigError';
  }
}

/** The trimmed value, or undefined when unset or empty (an empty variable is an unset one, as it always was here). */
export function optionalString(name: string, env: Env = process.env): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** An http(s) URL in `name`, or undefined when unset; throws naming the variable when it is not one. */
export function httpUrl(name: string, env: Env = process.env): string | undefined {
  const value = optionalString(name, env);
  if (value === undefined) return undefined;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(name, `${name} must be an http(s) URL, got ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

export function requireString(name: string, env: Env = process.env): string {
  const value = optionalString(name, env);
  if (value === undefined) throw new MissingConfigError(name);
  return value;
}

export interface NumberRule {
  /** `positive`: > 0 (periods, intervals); `nonNegative`: ≥ 0 (cache bounds, where 0 means "no cache"). */
  range: 'positive' | 'nonNegative';
  integer?: boolean;
}

/**
 * The number in `name`, or undefined when unset; throws naming the variable when it is not a
 * number in range (never a silent fallback: a typo in a period must not become the default).
 *
 * @example optionalNumber('REWIND_ALARM_PERIOD_SECONDS', { range: 'positive' }, { REWIND_ALARM_PERIOD_SECONDS: '1' }) // 1
 * @example optionalNumber('REWIND_ALARM_PERIOD_SECONDS', { range: 'positive' }, { REWIND_ALARM_PERIOD_SECONDS: 'x' }) // throws ConfigError
 */
export function optionalNumber(name: string, rule: NumberRule, env: Env = process.env): number | undefined {
  const raw = optionalString(name, env);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const inRange = rule.range === 'positive' ? n > 0 : n >= 0;
  if (!Number.isFinite(n) || !inRange || (rule.integer && !Number.isInteger(n)))
    throw new ConfigError(name, `environment variable ${name} must be a ${rule.range === 'positive' ? 'positive' : 'non-negative'}${rule.integer ? ' integer' : ' number'}, got '${raw}'`);
  return n;
}

/** The number in `name`, or `fallback` when unset. */
export function numberOr(name: string, rule: NumberRule, fallback: number, env: Env = process.env): number {
  return optionalNumber(name, rule, env) ?? fallback;
}

/**
 * One of `allowed` (case-insensitive), or `fallback` when unset.
 *
 * @example oneOf('REWIND_SERVE_SAMPLING', ['on', 'off'], 'on', {}) // 'on'
 */
export function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, env: Env = process.env): T {
  const raw = optionalString(name, env)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `environment variable ${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** The physical name of a table, from its variable (contract/tables.ts `envVar`). */
export function tableName(id: TableSpec['id'], env: Env = process.env): string {
  const spec = TABLES.find((t) => t.id === id);
  if (!spec) throw new Error(`unknown table ${id}`);
  return requireString(spec.envVar, env);
}

const cache = new Map<string, unknown>();

/** A getter read from `process.env` on first use and remembered until {@link resetConfig}. */
function once<T>(key: string, read: (env: Env) => T): () => T {
  return () => {
    if (!cache.has(key)) cache.set(key, read(process.env));
    return cache.get(key) as T;
  };
}

/**
 * Forget every value read: the next getter call reads the environment again. A Lambda
 * container never needs it (its environment is fixed); the local runtime calls it when it
 * applies a new environment (its "cold start"), and tests that change a variable.
 */
export function resetConfig(): void {
  cache.clear();
}

/** The configuration, one memoized getter per value. */
export const config = {
  /** POWERTOOLS_SERVICE_NAME: the stack's service (contract/service.ts); `rewind` when unset (tests, scripts). */
  serviceName: once('serviceName', (env) => serviceNameFromEnv(env)),
  /** REWIND_EVENT_BUS: required by the outbox publisher. */
  eventBusName: once('eventBusName', (env) => requireString(ENV.eventBus, env)),
  /** REWIND_OPS_TOPIC_ARN, when set: where sync-alarms' paging alarms notify and escalations are published. */
  opsTopicArn: once('opsTopicArn', (env) => optionalString(ENV.opsTopicArn, env)),
  /** REWIND_NOTIFY_URL, when set: the escalation webhook (http or https). */
  notifyUrl: once('notifyUrl', (env) => {
    const url = optionalString(ENV.notifyUrl, env);
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError(ENV.notifyUrl, `${ENV.notifyUrl} must be an http(s) URL, got '${url.slice(0, 80)}'`);
    return url;
  }),
  /** REWIND_NOTIFY_ATTEMPTS (default 4, at most 10). */
  notifyAttempts: once('notifyAttempts', (env) => Math.min(10, optionalNumber(ENV.notifyAttempts, { range: 'positive', integer: true }, env) ?? 4)),
  /** REWIND_SNAPSHOT_BUCKET. */
  snapshotBucket: once('snapshotBucket', (env) => requireString(ENV.snapshotBucket, env)),
  /** REWIND_ALARM_PERIOD_SECONDS, when set: overrides the policies' alarm periods (seconds, > 0). */
  alarmPeriodSeconds: once('alarmPeriodSeconds', (env) => optionalNumber(ENV.alarmPeriodSeconds, { range: 'positive' }, env)),
  /** REWIND_MONITOR_WINDOW_SECONDS (default 300). */
  monitorWindowSeconds: once('monitorWindowSeconds', (env) => numberOr(ENV.monitorWindowSeconds, { range: 'positive' }, 300, env)),
  /** REWIND_MONITOR_INTERVAL_MS, when set. */
  monitorIntervalMs: once('monitorIntervalMs', (env) => optionalNumber(ENV.monitorIntervalMs, { range: 'positive' }, env)),
  /** REWIND_MONITOR_ROUND_SECONDS, when set (seconds between rounds of one invocation). */
  monitorRoundSeconds: once('monitorRoundSeconds', (env) => optionalNumber(ENV.monitorRoundSeconds, { range: 'positive' }, env)),
  /** REWIND_MONITORING=on. */
  monitoring: once('monitoring', (env) => oneOf(ENV.monitoring, ['on', 'off'], 'off', env) === 'on'),
  /** REWIND_PROMOTE_INTERVAL_MS, when set (0: never on its own). */
  promoteIntervalMs: once('promoteIntervalMs', (env) => optionalNumber(ENV.promoteIntervalMs, { range: 'nonNegative' }, env)),
  /** REWIND_SERVE_SAMPLING is not `off`. */
  serveSampling: once('serveSampling', (env) => oneOf(ENV.serveSampling, ['on', 'off'], 'on', env) === 'on'),
  /** REWIND_SAMPLE_CAPACITY, when set (rows per view and version per interval). */
  sampleCapacity: once('sampleCapacity', (env) => optionalNumber(ENV.sampleCapacity, { range: 'positive', integer: true }, env)),
  /** REWIND_SAMPLE_FLUSH_MS, when set. */
  sampleFlushMs: once('sampleFlushMs', (env) => optionalNumber(ENV.sampleFlushMs, { range: 'positive' }, env)),
  /** REWIND_POINTER_CACHE_MS (default 1000). */
  pointerCacheMs: once('pointerCacheMs', (env) => numberOr(ENV.pointerCacheMs, { range: 'nonNegative' }, 1000, env)),
  /** REWIND_POLICY_CACHE_MS (default 5000). */
  policyCacheMs: once('policyCacheMs', (env) => numberOr(ENV.policyCacheMs, { range: 'nonNegative' }, 5000, env)),
  /** REWIND_S3_FORCE_PATH_STYLE=true. */
  s3ForcePathStyle: once('s3ForcePathStyle', (env) => oneOf(ENV.s3ForcePathStyle, ['true', 'false'], 'false', env) === 'true'),
  /** REWIND_ONLINE_DYNAMODB_ENDPOINT, when set: the online table's own DynamoDB endpoint. */
  onlineDynamoDbEndpoint: once('onlineDynamoDbEndpoint', (env) => optionalString(ENV.onlineDynamoDbEndpoint, env)),
  /** REWIND_AUDIT_SIGNING_KEY, when set: checkpoints are signed with KMS. */
  auditSigningKey: once('auditSigningKey', (env) => optionalString(ENV.auditSigningKey, env)),
  /** REWIND_AUDIT_TRUSTED_KEYS: the retired checkpoint keys still trusted (empty when unset). */
  auditTrustedKeys: once('auditTrustedKeys', (env) =>
    (optionalString(ENV.auditTrustedKeys, env) ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  ),
  /** REWIND_AUDIT_KEY_DIR, when set: checkpoints are signed with a local key file there. */
  auditKeyDir: once('auditKeyDir', (env) => optionalString(ENV.auditKeyDir, env)),
  /** REWIND_CHECKPOINT_INTERVAL_MS, when set (0: never on its own). */
  checkpointIntervalMs: once('checkpointIntervalMs', (env) => optionalNumber(ENV.checkpointIntervalMs, { range: 'nonNegative' }, env)),
  /** REWIND_MODEL_ALARMS, raw (contract/alarms.ts parseModelAlarmBindings validates it). */
  modelAlarms: once('modelAlarms', (env) => optionalString(ENV.modelAlarms, env)),
  /**
   * REWIND_SYNC_DEPLOY_MAX_ROWS (default 50,000): at the slowest measured DynamoDB Local rate
   * (~3,000 rows/s) that is ~17 s of writes, and ~7 s at 7,000 rows/s, leaving the rest of
   * API Gateway's 29 s for reading, checking, profiling and the snapshot.
   */
  syncDeployMaxRows: once('syncDeployMaxRows', (env) => numberOr(ENV.syncDeployMaxRows, { range: 'positive', integer: true }, 50_000, env)),
  /**
   * REWIND_TRAINING_SET_MAX_ROWS (default 100,000): the largest training set answered inside
   * the request (the bench, group time-travel, answered 100,000 rows in 16 s, 6,200 rows/s, on a
   * loaded 2-core machine, inside API Gateway's 29 s); a larger input runs as a job.
   */
  trainingSetMaxRows: once('trainingSetMaxRows', (env) => numberOr(ENV.trainingSetMaxRows, { range: 'positive', integer: true }, 100_000, env)),
  /** REWIND_JOB_STATE_MACHINE, when set. */
  jobStateMachine: once('jobStateMachine', (env) => optionalString(ENV.jobStateMachine, env)),
  /** REWIND_JOB_CHUNK_ROWS (default 5,000). */
  jobChunkRows: once('jobChunkRows', (env) => numberOr(ENV.jobChunkRows, { range: 'positive', integer: true }, 5_000, env)),
  /** REWIND_JOB_VALIDATE_SEGMENT_SECONDS (default 600). */
  jobValidateSegmentSeconds: once('jobValidateSegmentSeconds', (env) => numberOr(ENV.jobValidateSegmentSeconds, { range: 'positive' }, 600, env)),
  /** REWIND_JOB_VALIDATE_SEGMENT_ROWS, when set. */
  jobValidateSegmentRows: once('jobValidateSegmentRows', (env) => optionalNumber(ENV.jobValidateSegmentRows, { range: 'positive', integer: true }, env)),
  /** REWIND_JOB_CONCURRENCY (default 4). */
  jobConcurrency: once('jobConcurrency', (env) => numberOr(ENV.jobConcurrency, { range: 'positive', integer: true }, 4, env)),
  /** REWIND_OPENLINEAGE_URL, when set (an http(s) URL). */
  openLineageUrl: once('openLineageUrl', (env) => httpUrl(ENV.openLineageUrl, env)),
  /** REWIND_DRILL_API_URL (required by the scheduled drill). */
  drillApiUrl: once('drillApiUrl', (env) => {
    const url = httpUrl(ENV.drillApiUrl, env);
    if (url === undefined) throw new MissingConfigError(ENV.drillApiUrl);
    return url;
  }),
  /** REWIND_DRILL_OPTIONS, raw JSON (core/drills/scenarios.ts parseDrillOptions checks it). */
  drillOptions: once('drillOptions', (env) => optionalString(ENV.drillOptions, env)),
  /** REWIND_DRILL_ISSUER (required by the scheduled drill). */
  drillIssuer: once('drillIssuer', (env) => {
    const url = httpUrl(ENV.drillIssuer, env);
    if (url === undefined) throw new MissingConfigError(ENV.drillIssuer);
    return url;
  }),
  /** REWIND_DRILL_CLIENT_ID (required by the scheduled drill). */
  drillClientId: once('drillClientId', (env) => requireString(ENV.drillClientId, env)),
  /** REWIND_DRILL_CLIENT_SECRET_ARN (required by the scheduled drill). */
  drillClientSecretArn: once('drillClientSecretArn', (env) => requireString(ENV.drillClientSecretArn, env)),
  /** REWIND_DRILL_SCOPE, when set. */
  drillScope: once('drillScope', (env) => optionalString(ENV.drillScope, env)),
  /** REWIND_DRILL_STALENESS_MS (default 1000). */
  drillStalenessMs: once('drillStalenessMs', (env) => numberOr(ENV.drillStalenessMs, { range: 'nonNegative' }, 1000, env)),
  /** A table's physical name. */
  tableName: (id: TableSpec['id']): string => once(`table:${id}`, (env) => tableName(id, env))(),
} as const;
