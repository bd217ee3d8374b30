/**
 * Rewind on one machine: emulators, tables and bucket, and the HTTP gateway in front of the
 * real handlers. `npm start`, the tests, the demo and the bench all start it through here.
 */
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { envForPrefix } from '../store/config';
import { ENV, config, resetConfig } from '../contract/config';
import { DEFAULT_SERVICE_NAME } from '../contract/service';
import { TABLES } from '../contract/tables';
import { createDeps } from '../store';
import { createDocumentClient } from '../store/clients';
import { rebuildServedOnline, type OnlineRebuild } from './online-rebuild';
import { ensureTables } from './bootstrap';
import { startDynamoDbLocal, startS3rver, type RunningEmulator } from './emulators';
import { createGateway, lambdaContext, type GatewayOptions } from './gateway';
import { monitoringEnvironment, monitoringOptionsFromEnv, startLocalMonitoring, type LocalMonitoring, type LocalMonitoringOptions } from './monitoring';
import { HistoryOutboxRelay } from './outbox';
import { LocalEventBus } from './event-bus';
import { AFTER_ROLLBACK_RULE } from '../contract/rules';
import { lineageNamespace } from '../contract/openlineage';
import { DynamoJobStore } from '../store/dynamo-jobs';
import { BackgroundLineagePoster, OpenLineageHttpPoster } from '../store/openlineage-http';
import { startLocalJobRunner, type LocalJobRunner } from './job-runner';
import { promoteIntervalFromEnv, startLocalReleases, type LocalReleases } from './releases';
import { issuerVerifier, jwtSecret, secretVerifier, trustedIssuerFromEnv, type TrustedIssuer } from './tokens';
import { NO_DRIFT_SERIES } from '../core/drift-report';
import { localConsole } from './console-assets';

export interface LocalOptions {
  /** HTTP port; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Where emulator data persists; undefined keeps everything in memory. */
  dataDir?: string;
  /**
   * With a `dataDir`: keep the online table in a second, in-memory DynamoDB Local, rebuilt from
   * the snapshots of the served versions at every start (local/online-rebuild.ts), instead of
   * on disk with the rest (default true: DynamoDB Local's on-disk store writes rows many times
   * slower, docs/benchmarks.md). `false` is the old layout, which the bench measures beside it.
   */
  onlineInMemory?: boolean;
  /** Start-up notices (the rebuild's progress and time); default: none. */
  onNotice?: (line: string) => void;
  /** Use emulators that are already running instead of starting new ones. */
  dynamoEndpoint?: string;
  s3Endpoint?: string;
  dynamoPort?: number;
  s3Port?: number;
  /** Physical names are `${tablePrefix}-${table}`; tests use one prefix per suite. */
  tablePrefix?: string;
  bucket?: string;
  jwtSecret?: string;
  /**
   * Accept only tokens from this OIDC issuer, verified through its JWKS as API Gateway's JWT
   * authorizer does (default: REWIND_JWT_ISSUER / REWIND_JWT_AUDIENCE, else the local secret).
   */
  trustedIssuer?: TrustedIssuer;
  pointerCacheMs?: number;
  onRequest?: GatewayOptions['onRequest'];
  /**
   * Serving samples, the drift monitor on a schedule, the alarm evaluator, the event bus and
   * the alarm-rollback rule (local/monitoring.ts). Off unless given, or unless REWIND_MONITORING=on
   * (or REWIND_ALARM_PERIOD_SECONDS / REWIND_MONITOR_INTERVAL_MS) is set; `false` forces it off.
   */
  monitoring?: LocalMonitoringOptions | boolean;
  /** Run the canary bake check (functions/promote-canaries) this often; default REWIND_PROMOTE_INTERVAL_MS, else never on its own. */
  promoteIntervalMs?: number;
  /** How often the outbox relay polls the history table for events to publish (default 200 ms). */
  outboxPollMs?: number;
  /** Where the outbox also POSTs its OpenLineage events (default REWIND_OPENLINEAGE_URL; unset: the bus only). */
  openLineageUrl?: string;
  /** Retries of one OpenLineage POST: its first backoff delay (default 200 ms; tests shorten it). */
  openLineageRetryDelayMs?: number;
  /**
   * Take a signed audit checkpoint (functions/audit-checkpoint) this often, as the stack's
   * schedule does; 0: only on demand. Default REWIND_CHECKPOINT_INTERVAL_MS, else every minute
   * when the data persists (`dataDir`) and never for an in-memory runtime (tests ask for theirs).
   */
  checkpointIntervalMs?: number;
}

export interface LocalRewind {
  url: string;
  port: number;
  jwtSecret: string;
  usingDefaultSecret: boolean;
  /** Set when tokens come from an OIDC issuer; the local secret is then not accepted. */
  trustedIssuer?: TrustedIssuer;
  dynamoEndpoint: string;
  s3Endpoint: string;
  /** The online table's own DynamoDB Local, when it has one (`onlineInMemory`). */
  onlineDynamoEndpoint?: string;
  /** What the start rebuilt into the in-memory online table before serving, when it has one. */
  rebuild?: OnlineRebuild;
  /** The environment the handlers run with (table names, bucket, endpoints). */
  env: Record<string, string>;
  /** Present when monitoring is on. */
  monitoring?: LocalMonitoring;
  /** Local alarm status, artifact invalidator, artifact events and the bake check (local/releases.ts). */
  releases: LocalReleases;
  /**
   * The outbox relay: every committed history entry's events (the pointer change's, then its
   * artifacts') go to `releases.events` (artifact events) and, with monitoring, the bus.
   */
  outbox: HistoryOutboxRelay;
  /** The OpenLineage endpoint's background poster, when one is configured (its totals: posted, dropped, attempts). */
  lineagePoster?: BackgroundLineagePoster;
  /** Signed audit checkpoints: the key directory (REWIND_AUDIT_KEY_DIR), and one run now, as the schedule would. */
  checkpoints: LocalCheckpoints;
  /** Deploy jobs (local/job-runner.ts): unfinished ones resumed at start. */
  jobs: LocalJobRunner;
  /**
   * The bus that carries rollback events to functions/after-rollback (runbook, escalation): the
   * monitoring bus when monitoring runs, else one of its own. `drain()` waits for follow-ups.
   */
  followUps: LocalEventBus;
  stop(): Promise<void>;
}

export interface LocalCheckpoints {
  keyDir: string;
  run(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Every minute when the data persists, as the stack's schedule. */
const PERSISTENT_CHECKPOINT_INTERVAL_MS = 60_000;

/**
 * Points this process's AWS SDK clients at the emulators and names the tables, exactly as
 * the CDK stack does through Lambda environment variables.
 */
export function applyEnvironment(env: Record<string, string>): void {
  Object.assign(process.env, env);
  // A new environment is a new cold start: what contract/config.ts remembered is read again.
  resetConfig();
}

export function localEnvironment(o: { dynamoEndpoint: string; s3Endpoint: string; tablePrefix: string; bucket: string; pointerCacheMs?: number; onlineDynamoEndpoint?: string }): Record<string, string> {
  return {
    // Always set (empty: with the other tables), so an earlier runtime's value in this process does not linger.
    [ENV.onlineDynamoDbEndpoint]: o.onlineDynamoEndpoint ?? '',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_DYNAMODB: o.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: o.s3Endpoint,
    [ENV.s3ForcePathStyle]: 'true',
    [ENV.pointerCacheMs]: String(o.pointerCacheMs ?? 1000),
    // The default stack's service: drift metrics, alarm names and the rollback rule as in `Rewind`.
    [ENV.serviceName]: DEFAULT_SERVICE_NAME,
    [ENV.logLevel]: process.env[ENV.logLevel] ?? 'WARN',
    [ENV.metricsNamespace]: 'Rewind',
    [ENV.metricsDisabled]: process.env[ENV.metricsDisabled] ?? 'true',
    // No X-Ray daemon here. Powertools already disables the tracer outside Lambda (no
    // AWS_EXECUTION_ENV); this keeps it off even where that variable is set (a SAM-like shell).
    [ENV.traceEnabled]: 'false',
    // Serving samples are written only when local monitoring is on (it sets this to 'on').
    [ENV.serveSampling]: 'off',
    ...envForPrefix(o.tablePrefix, o.bucket),
  };
}

export async function prepareStorage(env: Record<string, string>, tablePrefix: string, bucket: string): Promise<void> {
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
  const dynamo = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB, region: env.AWS_REGION, credentials });
  const onlineEndpoint = env[ENV.onlineDynamoDbEndpoint] || undefined;
  const online = onlineEndpoint ? new DynamoDBClient({ endpoint: onlineEndpoint, region: env.AWS_REGION, credentials }) : undefined;
  const s3 = new S3Client({ endpoint: env.AWS_ENDPOINT_URL_S3, region: env.AWS_REGION, credentials, forcePathStyle: true });
  const names = (ids: (typeof TABLES)[number]['id'][]) => Object.fromEntries(ids.map((id) => [id, `${tablePrefix}-${id}`]));
  try {
    const ids = TABLES.map((t) => t.id);
    // With an endpoint of its own, the online table is created there and only there.
    await ensureTables(dynamo, names(online ? ids.filter((id) => id !== 'online') : ids));
    if (online) await ensureTables(online, names(['online']));
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
  } finally {
    dynamo.destroy();
    online?.destroy();
    s3.destroy();
  }
}

export async function startLocalRewind(options: LocalOptions = {}): Promise<LocalRewind> {
  const tablePrefix = options.tablePrefix ?? 'rewind';
  const bucket = options.bucket ?? 'rewind-snapshots';
  const started: RunningEmulator[] = [];
  const stopEmulators = () => Promise.all(started.reverse().map((e) => e.stop().catch(() => undefined)));
  /** What started after the emulators (monitoring, releases, outbox): stopped, newest first, if startup fails. */
  const services: (() => Promise<unknown>)[] = [];
  try {
    const onlineInMemory = options.dataDir !== undefined && options.dynamoEndpoint === undefined && options.onlineInMemory !== false;
    // The emulators start side by side: each JVM takes seconds. allSettled, so that one failing
    // still leaves every started one in `started`, to be stopped below.
    const starting = await Promise.allSettled([
      options.dynamoEndpoint ?? remember(started, startDynamoDbLocal({ port: options.dynamoPort, dataDir: options.dataDir })).then((e) => e.endpoint),
      onlineInMemory ? remember(started, startDynamoDbLocal({ dataDir: options.dataDir, role: 'online' })).then((e) => e.endpoint) : undefined,
      options.s3Endpoint ?? remember(started, startS3rver({ port: options.s3Port, dataDir: options.dataDir, buckets: [bucket] })).then((e) => e.endpoint),
    ]);
    const failed = starting.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [dynamoEndpoint, onlineDynamoEndpoint, s3Endpoint] = starting.map((s) => (s as PromiseFulfilledResult<string | undefined>).value) as [string, string | undefined, string];

    const monitoringOptions =
      options.monitoring === false ? undefined : options.monitoring === true ? {} : (options.monitoring ?? monitoringOptionsFromEnv());
    // The checkpoint key, made at first start (store/local-key-checkpoint-signer.ts): kept with
    // the data when it persists, so checkpoints signed before a restart still verify after it.
    const keyDir = options.dataDir ? join(options.dataDir, 'audit-keys') : mkdtempSync(join(tmpdir(), 'rewind-audit-keys-'));
    if (!options.dataDir) services.push(async () => rmSync(keyDir, { recursive: true, force: true }));
    const env = {
      ...localEnvironment({ dynamoEndpoint, s3Endpoint, tablePrefix, bucket, pointerCacheMs: options.pointerCacheMs, ...(onlineDynamoEndpoint ? { onlineDynamoEndpoint } : {}) }),
      ...(monitoringOptions ? monitoringEnvironment(monitoringOptions) : {}),
      [ENV.auditKeyDir]: keyDir,
    };
    applyEnvironment(env);
    // No CloudWatch here: until local monitoring sets its evaluator, the drift charts are empty.
    (await import('../functions/commons/drift-series')).setDriftSeriesSource(NO_DRIFT_SERIES);
    await prepareStorage(env, tablePrefix, bucket);

    const secret = options.jwtSecret ? { secret: options.jwtSecret, isDefault: false } : jwtSecret();
    const trustedIssuer = options.trustedIssuer ?? trustedIssuerFromEnv();
    const verifyToken = trustedIssuer ? issuerVerifier(trustedIssuer) : secretVerifier(secret.secret);

    // The gateway listens first and answers 503 to everything until the start is done: with the
    // online table in memory, while the served versions are rebuilt (local/online-rebuild.ts),
    // so nothing partial is served; in every case until the outbox has taken its starting point
    // (no change may commit before it) and the scheduled services (bake check, monitor,
    // checkpoints) run, so no change lands on a half-built table either.
    let unavailable: { code: string; message: string } | undefined = onlineInMemory
      ? { code: 'Rebuilding', message: 'rebuilding the online values of the served versions from their snapshots' }
      : { code: 'Starting', message: 'Rewind is starting; try again in a moment' };
    const server = createGateway({ verifyToken, onRequest: options.onRequest, unavailable: () => unavailable, console: localConsole() });
    services.push(() => closeServer(server));
    const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
    let rebuild: OnlineRebuild | undefined;
    if (onlineInMemory) {
      const statesDb = createDocumentClient();
      const deps = createDeps(undefined, statesDb);
      const notice = options.onNotice ?? (() => undefined);
      let lastNotice = 0;
      rebuild = await rebuildServedOnline(deps, { db: statesDb, versionsTable: config.tableName('versions') }, (p) => {
        unavailable = {
          code: 'Rebuilding',
          message: `rebuilding the online values of the served versions from their snapshots: ${p.rows} of ${p.totalRows} rows (${p.versions} versions done); try again in a moment`,
        };
        if (performance.now() - lastNotice > 5000 && p.rows < p.totalRows) {
          lastNotice = performance.now();
          notice(`  rebuilding: ${p.rows} of ${p.totalRows} online rows`);
        }
      });
      statesDb.destroy();
      notice(`  online:    ${rebuild.versions} served versions (${rebuild.rows} rows) rebuilt from their snapshots into in-memory DynamoDB Local in ${(rebuild.ms / 1000).toFixed(1)} s`);
    }
    const monitoring = monitoringOptions ? await startLocalMonitoring(monitoringOptions) : undefined;
    if (monitoring) services.push(() => monitoring.stop());
    const releases = await startLocalReleases({ promoteIntervalMs: options.promoteIntervalMs ?? promoteIntervalFromEnv(), ...(monitoring ? { bus: monitoring.bus } : {}) });
    services.push(() => releases.stop());
    // Always on, monitoring or not: it is the only path by which any event is published. It
    // takes its starting point before the gateway listens, so no request commits a change
    // that falls before that point (and so would never be published).
    const { catalog, pointers } = createDeps();
    // Every rollback is followed by its runbook and escalation, monitoring or not (functions/after-rollback.ts).
    (await import('../functions/commons/escalation')).resetEscalationNotifier();
    const followUps = monitoring?.bus ?? new LocalEventBus();
    followUps.addRule(AFTER_ROLLBACK_RULE);
    if (!monitoring) services.push(() => followUps.drain());
    const lineageUrl = options.openLineageUrl ?? config.openLineageUrl();
    const lineagePoster = lineageUrl
      ? new BackgroundLineagePoster(new OpenLineageHttpPoster(lineageUrl, { ...(options.openLineageRetryDelayMs !== undefined ? { baseDelayMs: options.openLineageRetryDelayMs } : {}), log: { warn: (m, extra) => console.warn(`local outbox: ${m}`, extra) } }))
      : undefined;
    const jobStore = new DynamoJobStore(createDocumentClient(), config.tableName('jobs'));
    const outbox = await new HistoryOutboxRelay({ catalog, pointers, jobs: jobStore }, [releases.events, followUps], options.outboxPollMs ?? 200, {
      namespace: lineageNamespace('local'),
      ...(lineagePoster ? { poster: lineagePoster } : {}),
    }).start();
    services.push(() => outbox.stop());
    (await import('../functions/commons/event-publisher')).useEventPublisher(outbox); // POST /events/republish publishes through the relay's sinks
    // POST /drills publishes DrillCompleted on the local bus, as the scheduled drill does on AWS's (core/drills/events.ts).
    (await import('../functions/commons/drills')).useDrillEvents((event) => void followUps.publish({ ...event, detail: { ...event.detail } }));
    const checkpoints = await startLocalCheckpoints(keyDir, options.checkpointIntervalMs ?? config.checkpointIntervalMs() ?? (options.dataDir ? PERSISTENT_CHECKPOINT_INTERVAL_MS : 0));
    services.push(() => checkpoints.stop());
    // With the online table in memory, a job resumed from an earlier process lost the rows its
    // counted chunks wrote: it writes every chunk again (local/job-runner.ts).
    const jobs = await startLocalJobRunner({ concurrency: config.jobConcurrency(), onlineLost: onlineInMemory });
    services.push(() => jobs.stop());
    unavailable = undefined;
    return {
      url: `http://${options.host ?? '127.0.0.1'}:${port}`,
      port,
      jwtSecret: secret.secret,
      usingDefaultSecret: secret.isDefault,
      ...(trustedIssuer ? { trustedIssuer } : {}),
      dynamoEndpoint,
      s3Endpoint,
      ...(onlineDynamoEndpoint ? { onlineDynamoEndpoint } : {}),
      ...(rebuild ? { rebuild } : {}),
      env,
      ...(monitoring ? { monitoring } : {}),
      releases,
      outbox,
      ...(lineagePoster ? { lineagePoster } : {}),
      checkpoints,
      jobs,
      followUps,
      stop: async () => {
        await closeServer(server);
        await checkpoints.stop();
        await jobs.stop();
        if (!options.dataDir) rmSync(keyDir, { recursive: true, force: true });
        await outbox.stop();
        await followUps.drain();
        await lineagePoster?.close();
        await releases.stop();
        await monitoring?.stop();
        await stopEmulators();
      },
    };
  } catch (error) {
    for (const stop of services.reverse()) await stop().catch(() => undefined);
    await stopEmulators();
    throw error;
  }
}

/** The scheduled checkpoint function, run every `intervalMs` (0: only through `run`), one run at a time. */
async function startLocalCheckpoints(keyDir: string, intervalMs: number): Promise<LocalCheckpoints> {
  // Loaded here, after the environment is applied, as Lambda would load it.
  const take = (await import('../functions/audit-checkpoint')).handler as unknown as (event: unknown, context: Context) => Promise<unknown>;
  let running: Promise<unknown> | undefined;
  const run = () =>
    (running ??= take({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, lambdaContext({ handler: 'audit-checkpoint' })).finally(() => (running = undefined)));
  const schedule = intervalMs > 0 ? setInterval(() => void run().catch((error: unknown) => console.error('local audit checkpoint failed', error)), intervalMs) : undefined;
  schedule?.unref?.();
  return {
    keyDir,
    run,
    stop: async () => {
      if (schedule) clearInterval(schedule);
      await running?.catch(() => undefined);
    },
  };
}

async function remember(list: RunningEmulator[], starting: Promise<RunningEmulator>): Promise<RunningEmulator> {
  const emulator = await starting;
  list.push(emulator);
  return emulator;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}
