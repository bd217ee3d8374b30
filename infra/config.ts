/**
 * The stack's configuration, read from CDK context (`cdk.json` or `-c key=value`) through one
 * typed getter that names the parameter it could not use. Every parameter has a default that
 * synthesizes offline; only the JWT issuer and audience have no useful default (see
 * `configFromContext`).
 */
import type { Node } from 'constructs';
import { parseModelAlarmBindings, type ModelAlarmBinding } from '../contract/alarms';
import { ENV } from '../contract/config';
import { monitorSettingProblems } from '../contract/monitor';

/**
 * The default monitor policy's alarm settings (core/validation/tolerances.ts DEFAULT_MONITOR),
 * which views without their own inherit; checked at synth against the stack's cadence. infra/
 * may not import core/, and a test keeps the two equal.
 */
export const DEFAULT_MONITOR_ALARM = { periodSeconds: 60, evaluationPeriods: 3, datapointsToAlarm: 2 } as const;

export interface RewindConfig {
  /** OIDC issuer URL whose tokens the API accepts (API Gateway fetches its JWKS). */
  jwtIssuer: string;
  /** Accepted `aud` (or `client_id`) values. */
  jwtAudience: string[];
  /** Whether the JWT settings are placeholders: the API then rejects every token. */
  jwtIsPlaceholder: boolean;
  /**
   * Accept an http:// issuer. Only for LocalStack, whose API Gateway reaches the test issuer
   * running on the developer's machine over plain HTTP; AWS itself needs https. @default false
   */
  allowHttpIssuer: boolean;
  /**
   * Production posture: table deletion protection, RETAIN on tables and buckets, and S3
   * Object Lock on the snapshot bucket. Turn off only for disposable dev stacks.
   * @default true
   */
  deletionProtection: boolean;
  /** Days a snapshot object version is locked (Object Lock, governance mode). @default 90 */
  snapshotRetentionDays: number;
  /** Days Lambda and API access logs are kept. @default 30 */
  logRetentionDays: number;
  /** Days the S3 server access logs of the snapshot bucket are kept. @default 365 */
  accessLogRetentionDays: number;
  /** Control-plane routes: steady requests/second and burst for the whole stage. @default 20 / 40 */
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** The serving route (`GET /online/…`), throttled separately so models are not starved. @default 1000 / 2000 */
  servingRateLimit: number;
  servingBurstLimit: number;
  /** Serving's pointer cache staleness bound (DESIGN invariant 4). @default 1000 */
  pointerCacheMs: number;
  /**
   * Model-performance alarms a team already has, bound to the models they watch
   * (contract/alarms.ts `ModelAlarmBinding`): the rollback rule also listens for them, and
   * alarm-rollback rolls back the views those models consume. @default []
   */
  modelAlarms: ModelAlarmBinding[];
  /** Minutes between drift-monitor runs. @default 1 */
  monitorIntervalMinutes: number;
  /** Minutes between signed audit checkpoints (docs/audit.md). @default 15 */
  checkpointIntervalMinutes: number;
  /**
   * ARNs of retired checkpoint keys (docs/audit.md, rotation): checkpoints they signed keep
   * verifying; nothing signs with them. @default []
   */
  retiredCheckpointKeyArns: string[];
  /**
   * Detection in seconds (issue 13): the monitor works in 10-second rounds inside each
   * one-minute invocation, drift alarms take 10-second periods on high-resolution metrics, and
   * serving flushes its samples every 5 s. Cost estimate (≈ $4 per view and month of alarms and
   * metrics, ≈ $42 of Lambda) in docs/validation-and-auto-rollback.md, "Time to recover". @default true
   */
  fastDetection: boolean;
  /** API 5xx responses in 5 minutes that raise the ops alarm. @default 5 */
  api5xxAlarmThreshold: number;
  /** An existing SNS topic that Rewind's ops alarms notify. @default none (alarms without actions) */
  opsTopicArn?: string;
  /**
   * Chunks of a deploy job written at once (the Distributed Map's MaxConcurrency). Each chunk
   * Lambda keeps 8 BatchWriteItem calls of 25 items in flight, about 2,000 items/s; a new
   * on-demand table starts at 4,000 write request units/s, so 2 chunks fill it without
   * throttling, and throttled batches are retried anyway. @default 2
   */
  materializeConcurrency: number;
  /**
   * The web console's OIDC client at the issuer (a public client using PKCE, whose redirect URI
   * is the ConsoleUrl output). @default the first of rewind:jwtAudience (Cognito's audience is the client id)
   */
  consoleClientId?: string;
  /** Scopes the console asks the issuer for. @default 'openid' */
  consoleScopes: string;
  /**
   * The web console (CloudFront + its bucket, API CORS for its origin). Off for LocalStack's
   * community edition, which has no CloudFront. @default true
   */
  console: boolean;
  /**
   * An OpenLineage HTTP endpoint (Marquez's base URL, or a full URL) the outbox publisher also
   * POSTs every OpenLineage event to (REWIND_OPENLINEAGE_URL). @default none (the bus only)
   */
  openLineageUrl?: string;
  /**
   * Scheduled drills (issue 13 item 3, docs/drills.md): an EventBridge Scheduler expression
   * (`rate(7 days)`, `cron(0 3 ? * MON *)`, UTC) on which functions/scheduled-drill.ts runs a
   * drill against the stack's own API. Needs `rewind:drillClientId` and
   * `rewind:drillClientSecretArn`. @default none (no schedule, no drill function)
   */
  drillSchedule?: string;
  /** The scheduled drill's scenario (drift, nulls, schema-break, bad-source). @default 'nulls' */
  drillScenario: string;
  /** Its known-good rows. @default 1000 */
  drillRows: number;
  /** Its serving load, requests per second (at most `rewind:servingRateLimit`). @default 10 */
  drillRps: number;
  /** The time to recover it must meet: its ops alarm fires above it. @default 30 */
  drillTargetMttrSeconds: number;
  /** The drill's OAuth client at the issuer (client-credentials grant). */
  drillClientId?: string;
  /** The Secrets Manager secret (full ARN) holding that client's secret. */
  drillClientSecretArn?: string;
  /** Scopes the drill asks the issuer for (space-separated). @default none */
  drillScope?: string;
}

export const CONTEXT_KEYS = {
  jwtIssuer: 'rewind:jwtIssuer',
  jwtAudience: 'rewind:jwtAudience',
  allowHttpIssuer: 'rewind:allowHttpIssuer',
  deletionProtection: 'rewind:deletionProtection',
  snapshotRetentionDays: 'rewind:snapshotRetentionDays',
  logRetentionDays: 'rewind:logRetentionDays',
  accessLogRetentionDays: 'rewind:accessLogRetentionDays',
  throttleRateLimit: 'rewind:throttleRateLimit',
  throttleBurstLimit: 'rewind:throttleBurstLimit',
  servingRateLimit: 'rewind:servingRateLimit',
  servingBurstLimit: 'rewind:servingBurstLimit',
  pointerCacheMs: 'rewind:pointerCacheMs',
  modelAlarms: 'rewind:modelAlarms',
  monitorIntervalMinutes: 'rewind:monitorIntervalMinutes',
  checkpointIntervalMinutes: 'rewind:checkpointIntervalMinutes',
  retiredCheckpointKeyArns: 'rewind:retiredCheckpointKeyArns',
  fastDetection: 'rewind:fastDetection',
  api5xxAlarmThreshold: 'rewind:api5xxAlarmThreshold',
  opsTopicArn: 'rewind:opsTopicArn',
  materializeConcurrency: 'rewind:materializeConcurrency',
  consoleClientId: 'rewind:consoleClientId',
  consoleScopes: 'rewind:consoleScopes',
  console: 'rewind:console',
  openLineageUrl: 'rewind:openLineageUrl',
  drillSchedule: 'rewind:drillSchedule',
  drillScenario: 'rewind:drillScenario',
  drillRows: 'rewind:drillRows',
  drillRps: 'rewind:drillRps',
  drillTargetMttrSeconds: 'rewind:drillTargetMttrSeconds',
  drillClientId: 'rewind:drillClientId',
  drillClientSecretArn: 'rewind:drillClientSecretArn',
  drillScope: 'rewind:drillScope',
} as const satisfies Record<Exclude<keyof RewindConfig, 'jwtIsPlaceholder'>, string>;

/** An issuer that cannot exist (RFC 6761 `.invalid`): no token validates against it. */
export const PLACEHOLDER_ISSUER = 'https://issuer.invalid/';
export const PLACEHOLDER_AUDIENCE = 'rewind';

export const DEFAULTS: Omit<RewindConfig, 'jwtIssuer' | 'jwtAudience' | 'jwtIsPlaceholder'> = {
  allowHttpIssuer: false,
  deletionProtection: true,
  snapshotRetentionDays: 90,
  logRetentionDays: 30,
  accessLogRetentionDays: 365,
  throttleRateLimit: 20,
  throttleBurstLimit: 40,
  servingRateLimit: 1000,
  servingBurstLimit: 2000,
  pointerCacheMs: 1000,
  modelAlarms: [],
  monitorIntervalMinutes: 1,
  checkpointIntervalMinutes: 15,
  retiredCheckpointKeyArns: [],
  fastDetection: true,
  api5xxAlarmThreshold: 5,
  materializeConcurrency: 2,
  consoleScopes: 'openid',
  console: true,
  drillScenario: 'nulls',
  drillRows: 1000,
  drillRps: 10,
  drillTargetMttrSeconds: 30,
};

/**
 * What a scheduled drill may be, as core/drills/scenarios.ts bounds a drill (infra/ may not
 * import core/; a test keeps the two equal). `corrupt-snapshot` is left out: it changes snapshot
 * bytes in the bucket, which no API call can do, and the drill runs through the API only.
 */
export const SCHEDULED_DRILL = {
  scenarios: ['drift', 'nulls', 'schema-break', 'bad-source'],
  minRows: 50,
  maxRows: 1_000_000,
  maxRps: 1000,
  maxTargetMttrSeconds: 3600,
  /** Each phase of the drill (deploy, warm-up, detection, recovery, follow-up) may take this long: 5 × 150 s fits the function's 15 minutes. */
  phaseTimeoutSeconds: 150,
  /** Runs closer together than this would overlap (a drill takes minutes) and flood the drill namespace. */
  minIntervalMinutes: 60,
} as const;

/** Fast detection's cadence: the monitor's rounds, the drift alarms' period, and how often serving flushes samples. */
export const FAST_DETECTION = { roundSeconds: 10, alarmPeriodSeconds: 10, sampleFlushMs: 5_000 } as const;

/**
 * The environment fast detection adds, by handler (none without it): the monitor's rounds and
 * period, the sync's alarm period (both must agree, or alarms watch periods nobody publishes),
 * and serving's flush interval, short enough that a 10 s window holds its samples.
 */
export function detectionEnvironment(config: Pick<RewindConfig, 'fastDetection'>): Record<string, Record<string, string>> {
  if (!config.fastDetection) return {};
  const period = String(FAST_DETECTION.alarmPeriodSeconds);
  return {
    'drift-monitor': { [ENV.monitorRoundSeconds]: String(FAST_DETECTION.roundSeconds), [ENV.alarmPeriodSeconds]: period },
    'sync-alarms': { [ENV.alarmPeriodSeconds]: period },
    'get-online': { [ENV.sampleFlushMs]: String(FAST_DETECTION.sampleFlushMs) },
  };
}

export class InvalidContextError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`context parameter ${key} ${detail}`);
    this.name = 'InvalidContextError';
  }
}

/**
 * Reads the configuration from context. Values from `-c` arrive as strings, values from
 * cdk.json may be typed: both are accepted.
 *
 * @example configFromContext(app.node) // with -c rewind:jwtIssuer=https://login.example.com/
 */
export function configFromContext(node: Pick<Node, 'tryGetContext'>): RewindConfig {
  const raw = (key: string): unknown => node.tryGetContext(key);
  const issuer = text(CONTEXT_KEYS.jwtIssuer, raw(CONTEXT_KEYS.jwtIssuer));
  const audience = list(CONTEXT_KEYS.jwtAudience, raw(CONTEXT_KEYS.jwtAudience));
  const allowHttpIssuer = bool(CONTEXT_KEYS.allowHttpIssuer, raw(CONTEXT_KEYS.allowHttpIssuer), DEFAULTS.allowHttpIssuer);
  const issuerPattern = allowHttpIssuer ? /^https?:\/\/[^\s]+$/ : /^https:\/\/[^\s]+$/;
  if (issuer !== undefined && !issuerPattern.test(issuer))
    throw new InvalidContextError(CONTEXT_KEYS.jwtIssuer, `must be an https:// URL${allowHttpIssuer ? ' or http://' : ''}, got '${issuer}'`);
  const opsTopicArn = text(CONTEXT_KEYS.opsTopicArn, raw(CONTEXT_KEYS.opsTopicArn));
  if (opsTopicArn !== undefined && !opsTopicArn.startsWith('arn:')) throw new InvalidContextError(CONTEXT_KEYS.opsTopicArn, `must be an SNS topic ARN, got '${opsTopicArn}'`);
  const consoleClientId = text(CONTEXT_KEYS.consoleClientId, raw(CONTEXT_KEYS.consoleClientId));
  const openLineageUrl = text(CONTEXT_KEYS.openLineageUrl, raw(CONTEXT_KEYS.openLineageUrl));
  if (openLineageUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(openLineageUrl))
    throw new InvalidContextError(CONTEXT_KEYS.openLineageUrl, `must be an http(s) URL, got '${openLineageUrl}'`);
  const num = (k: keyof typeof DEFAULTS & keyof typeof CONTEXT_KEYS, min: number) =>
    positiveNumber(CONTEXT_KEYS[k], raw(CONTEXT_KEYS[k]), DEFAULTS[k] as number, min);
  const base: Omit<RewindConfig, DrillKey> = {
    jwtIssuer: issuer ?? PLACEHOLDER_ISSUER,
    jwtAudience: audience ?? [PLACEHOLDER_AUDIENCE],
    jwtIsPlaceholder: issuer === undefined,
    allowHttpIssuer,
    deletionProtection: bool(CONTEXT_KEYS.deletionProtection, raw(CONTEXT_KEYS.deletionProtection), DEFAULTS.deletionProtection),
    snapshotRetentionDays: num('snapshotRetentionDays', 1),
    logRetentionDays: num('logRetentionDays', 1),
    accessLogRetentionDays: num('accessLogRetentionDays', 1),
    throttleRateLimit: num('throttleRateLimit', 1),
    throttleBurstLimit: num('throttleBurstLimit', 1),
    servingRateLimit: num('servingRateLimit', 1),
    servingBurstLimit: num('servingBurstLimit', 1),
    pointerCacheMs: num('pointerCacheMs', 0),
    modelAlarms: modelAlarms(CONTEXT_KEYS.modelAlarms, raw(CONTEXT_KEYS.modelAlarms)),
    monitorIntervalMinutes: num('monitorIntervalMinutes', 1),
    checkpointIntervalMinutes: num('checkpointIntervalMinutes', 1),
    retiredCheckpointKeyArns: retiredKeys(CONTEXT_KEYS.retiredCheckpointKeyArns, raw(CONTEXT_KEYS.retiredCheckpointKeyArns)),
    fastDetection: bool(CONTEXT_KEYS.fastDetection, raw(CONTEXT_KEYS.fastDetection), DEFAULTS.fastDetection),
    api5xxAlarmThreshold: num('api5xxAlarmThreshold', 1),
    materializeConcurrency: num('materializeConcurrency', 1),
    ...(opsTopicArn !== undefined ? { opsTopicArn } : {}),
    ...(consoleClientId !== undefined ? { consoleClientId } : {}),
    consoleScopes: text(CONTEXT_KEYS.consoleScopes, raw(CONTEXT_KEYS.consoleScopes)) ?? DEFAULTS.consoleScopes,
    console: bool(CONTEXT_KEYS.console, raw(CONTEXT_KEYS.console), DEFAULTS.console),
    ...(openLineageUrl !== undefined ? { openLineageUrl } : {}),
  };
  const config: RewindConfig = { ...base, ...drillConfig(raw, base) };
  checkDetection(config);
  return config;
}

type DrillKey = 'drillSchedule' | 'drillScenario' | 'drillRows' | 'drillRps' | 'drillTargetMttrSeconds' | 'drillClientId' | 'drillClientSecretArn' | 'drillScope';

/** The scheduled drill's keys: checked only as far as they are set; the schedule needs the client and a real issuer. */
function drillConfig(raw: (key: string) => unknown, config: Omit<RewindConfig, DrillKey>): Pick<RewindConfig, DrillKey> {
  const K = CONTEXT_KEYS;
  const schedule = text(K.drillSchedule, raw(K.drillSchedule));
  if (schedule !== undefined) checkScheduleExpression(K.drillSchedule, schedule);
  const scenario = text(K.drillScenario, raw(K.drillScenario)) ?? DEFAULTS.drillScenario;
  if (!(SCHEDULED_DRILL.scenarios as readonly string[]).includes(scenario))
    throw new InvalidContextError(K.drillScenario, `must be one of ${SCHEDULED_DRILL.scenarios.join(', ')} (corrupt-snapshot needs the bucket, which a drill through the API cannot touch), got '${scenario}'`);
  const rows = positiveNumber(K.drillRows, raw(K.drillRows), DEFAULTS.drillRows, SCHEDULED_DRILL.minRows);
  if (!Number.isInteger(rows) || rows > SCHEDULED_DRILL.maxRows) throw new InvalidContextError(K.drillRows, `must be a whole number from ${SCHEDULED_DRILL.minRows} to ${SCHEDULED_DRILL.maxRows}, got ${JSON.stringify(raw(K.drillRows))}`);
  const rps = positiveNumber(K.drillRps, raw(K.drillRps), DEFAULTS.drillRps, 1);
  const maxRps = Math.min(SCHEDULED_DRILL.maxRps, config.servingRateLimit);
  if (rps > maxRps) throw new InvalidContextError(K.drillRps, `must be at most ${maxRps} (the drill's load must stay under ${K.servingRateLimit} and the runner's ${SCHEDULED_DRILL.maxRps}), got ${rps}`);
  const target = positiveNumber(K.drillTargetMttrSeconds, raw(K.drillTargetMttrSeconds), DEFAULTS.drillTargetMttrSeconds, Number.MIN_VALUE);
  if (target > SCHEDULED_DRILL.maxTargetMttrSeconds) throw new InvalidContextError(K.drillTargetMttrSeconds, `must be at most ${SCHEDULED_DRILL.maxTargetMttrSeconds} seconds, got ${target}`);
  const clientId = text(K.drillClientId, raw(K.drillClientId));
  const secretArn = text(K.drillClientSecretArn, raw(K.drillClientSecretArn));
  if (secretArn !== undefined && !/^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/.test(secretArn))
    throw new InvalidContextError(K.drillClientSecretArn, `must be a Secrets Manager secret's full ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got '${secretArn}'`);
  const scope = text(K.drillScope, raw(K.drillScope));
  if (schedule !== undefined) {
    if (clientId === undefined) throw new InvalidContextError(K.drillClientId, `is required with ${K.drillSchedule}: the drill calls the stack's API with a token of its issuer, got by this OAuth client (client credentials; docs/drills.md)`);
    if (secretArn === undefined) throw new InvalidContextError(K.drillClientSecretArn, `is required with ${K.drillSchedule}: the Secrets Manager secret holding ${K.drillClientId}'s client secret (docs/drills.md)`);
    if (config.jwtIsPlaceholder) throw new InvalidContextError(K.jwtIssuer, `is required with ${K.drillSchedule}: the drill gets its token from the issuer the API trusts`);
  }
  return {
    ...(schedule !== undefined ? { drillSchedule: schedule } : {}),
    drillScenario: scenario,
    drillRows: rows,
    drillRps: rps,
    drillTargetMttrSeconds: target,
    ...(clientId !== undefined ? { drillClientId: clientId } : {}),
    ...(secretArn !== undefined ? { drillClientSecretArn: secretArn } : {}),
    ...(scope !== undefined ? { drillScope: scope } : {}),
  };
}

/**
 * An EventBridge Scheduler recurring expression: `rate(<n> minute|minutes|hour|hours|day|days)`
 * (at least {@link SCHEDULED_DRILL.minIntervalMinutes} minutes apart) or `cron(<6 fields>)`.
 *
 * @example checkScheduleExpression('rewind:drillSchedule', 'rate(7 days)') // ok
 * @example checkScheduleExpression('rewind:drillSchedule', 'weekly') // throws InvalidContextError naming the key
 */
export function checkScheduleExpression(key: string, expression: string): void {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    if (n < 1 || (n === 1) !== !unit.endsWith('s')) throw new InvalidContextError(key, `is not a valid rate: '${expression}' (write rate(1 day), rate(7 days))`);
    const minutes = n * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440);
    if (minutes < SCHEDULED_DRILL.minIntervalMinutes) throw new InvalidContextError(key, `must be at least ${SCHEDULED_DRILL.minIntervalMinutes} minutes apart (a drill takes minutes), got '${expression}'`);
    return;
  }
  const cron = /^cron\(([^()]+)\)$/.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6 || !fields.every((f) => /^[\w*?,/#L-]+$/.test(f)))
      throw new InvalidContextError(key, `is not a valid cron expression: '${expression}' (six fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 3 ? * MON *))`);
    if (fields[0]!.includes('*') || fields[0]!.includes('/') || fields[0]!.includes(','))
      throw new InvalidContextError(key, `must start at most once an hour (a fixed minute), got '${expression}'`);
    return;
  }
  throw new InvalidContextError(key, `must be an EventBridge Scheduler expression, rate(…) or cron(…) (e.g. rate(7 days), cron(0 3 ? * MON *)), got '${expression}'`);
}

/**
 * An impossible combination is an error at synth, not a stack whose drift alarms can never
 * fire: the interval must be whole minutes (EventBridge rates), fast detection needs the
 * one-minute schedule its rounds fill, and the alarms' period and M-of-N must be reachable at
 * the monitor's cadence (contract/monitor.ts monitorSettingProblems).
 */
function checkDetection(config: RewindConfig): void {
  const key = CONTEXT_KEYS.monitorIntervalMinutes;
  if (!Number.isInteger(config.monitorIntervalMinutes)) throw new InvalidContextError(key, `must be a whole number of minutes, got ${config.monitorIntervalMinutes}`);
  if (config.fastDetection && config.monitorIntervalMinutes !== 1)
    throw new InvalidContextError(key, `must be 1 with ${CONTEXT_KEYS.fastDetection} (its 10-second rounds fill one minute), got ${config.monitorIntervalMinutes}`);
  const cadenceSeconds = config.fastDetection ? FAST_DETECTION.roundSeconds : config.monitorIntervalMinutes * 60;
  const alarm = config.fastDetection ? { ...DEFAULT_MONITOR_ALARM, periodSeconds: FAST_DETECTION.alarmPeriodSeconds } : DEFAULT_MONITOR_ALARM;
  const [problem] = monitorSettingProblems(alarm, cadenceSeconds);
  if (problem) throw new InvalidContextError(key, `${config.monitorIntervalMinutes} makes the default drift alarm unfireable: ${problem.message}`);
}

/** A JSON list (string from `-c`, or an array in cdk.json), checked by contract/alarms.ts. */
function modelAlarms(key: string, value: unknown): ModelAlarmBinding[] {
  if (value === undefined || value === null || value === '') return [];
  try {
    return parseModelAlarmBindings(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    throw new InvalidContextError(key, `is not a valid list of model alarm bindings: ${(error as Error).message}`);
  }
}

/** Key ARNs: a retired key named by alias or id could later name another key. */
function retiredKeys(key: string, value: unknown): string[] {
  const arns = list(key, value) ?? [];
  const bad = arns.find((a) => !/^arn:aws[\w-]*:kms:[^:]+:\d{12}:key\/[\w-]+$/.test(a));
  if (bad) throw new InvalidContextError(key, `must list KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), got '${bad}'`);
  return arns;
}

function text(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidContextError(key, `must be a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function list(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!items || items.some((i) => typeof i !== 'string')) throw new InvalidContextError(key, `must be a comma-separated list or an array of strings, got ${JSON.stringify(value)}`);
  const trimmed = (items as string[]).map((i) => i.trim()).filter(Boolean);
  if (trimmed.length === 0) throw new InvalidContextError(key, 'must name at least one value');
  return trimmed;
}

function bool(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextError(key, `must be true or false, got ${JSON.stringify(value)}`);
}

function positiveNumber(key: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min) throw new InvalidContextError(key, `must be a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}
