/**
 * The scheduled drill on AWS (issue 13 item 3): started by the stack's EventBridge Scheduler
 * schedule (`rewind:drillSchedule`, infra/constructs/drill-schedule.ts), it runs one drill
 * against the stack itself THROUGH ITS OWN API, exactly as `rewind drill run --url … --token …`
 * would (core/drills/runner.ts): a known-good version in the drill's own namespace, a bounded
 * serving load, the fault, the automatic rollback, the verification, the clean-up, and the report
 * stored with POST /drills (which audits it and escalates a failed drill to the ops topic).
 *
 * Its token: the API trusts one OIDC issuer, so the drill is a machine identity there (OAuth 2.0
 * client credentials: REWIND_DRILL_CLIENT_ID, the secret in Secrets Manager read through
 * Powertools' SecretsProvider, the token endpoint from the issuer's discovery document). The
 * roles it needs are in docs/drills.md ("Scheduled drills on AWS").
 *
 * After the run: `DrillCompleted` on the stack's bus (core/drills/events.ts, the same event the
 * local runtime publishes when it stores a report), and two metrics with the stack's service as
 * dimension: `DrillMttrSeconds` (when recovery was measured) and `DrillFailed` (1 or 0), which
 * the stack's ops alarms watch (MTTR above the target; a failed drill). A drill that cannot even
 * start (no token, bad options) counts as failed and fails the invocation.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { METRIC } from '../contract/alarms';
import { ConfigError, config, ENV } from '../contract/config';
import { drillCompletedEvent, type DrillCompletedDetail, type DrillCompletedEvent } from '../core/drills/events';
import { runDrill } from '../core/drills/runner';
import { parseDrillOptions, type DrillOptions } from '../core/drills/scenarios';
import { eventBridgeClient, secretsManagerClient } from '../store/clients';
import { eventBridgeDrillEvents } from '../store/eventbridge-drill-events';
import { clientCredentialsTokenSource, type TokenSource } from '../store/oidc-client-credentials';
import { logger, metrics, tracer } from './commons/powertools';

export interface ScheduledDrillPorts {
  /** The API the drill drives: the stack's own. */
  apiUrl: string;
  options: DrillOptions;
  /** The target's pointer-cache bound (REWIND_POINTER_CACHE_MS): recovery is watched past it. */
  stalenessMs: number;
  token: TokenSource;
  publish: (event: DrillCompletedEvent) => Promise<void>;
  /** `DrillMttrSeconds` (when measured) and `DrillFailed` (1 or 0). */
  measured: (m: { mttrSeconds: number | null; failed: boolean }) => void;
  log?: { info(message: string, extra?: Record<string, unknown>): void; error(message: string, extra?: Record<string, unknown>): void };
  fetch?: typeof fetch;
}

export interface ScheduledDrillResult {
  drillId: string;
  outcome: 'passed' | 'failed';
  published: boolean;
  detail: DrillCompletedDetail;
}

/** One scheduled drill: token, run, metrics, event. Ports injected so the tests run it against a local runtime. */
export async function scheduledDrill(ports: ScheduledDrillPorts): Promise<ScheduledDrillResult> {
  const log = ports.log ?? { info: () => undefined, error: () => undefined };
  let token: string;
  try {
    token = await ports.token();
  } catch (error) {
    ports.measured({ mttrSeconds: null, failed: true });
    log.error('the scheduled drill got no token: no drill ran', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  // The stage URL ends with '/'; the runner appends paths that start with one.
  const apiUrl = ports.apiUrl.replace(/\/+$/, '');
  const report = await runDrill({ url: apiUrl, token, ...(ports.fetch ? { fetch: ports.fetch } : {}) }, { ...ports.options, stalenessMs: ports.stalenessMs, onProgress: (line) => log.info(line) });
  const mttrSeconds = report.measures.mttrMs === null ? null : report.measures.mttrMs / 1000;
  ports.measured({ mttrSeconds, failed: report.outcome === 'failed' });
  const event = drillCompletedEvent(report, apiUrl);
  let published = true;
  try {
    await ports.publish(event);
  } catch (error) {
    published = false;
    log.error('DrillCompleted was not published (the report is stored, the metrics are out)', { drill: report.id, error: error instanceof Error ? error.message : String(error) });
  }
  (report.outcome === 'passed' ? log.info : log.error)(`drill ${report.id} ${report.outcome}`, { detail: event.detail });
  return { drillId: report.id, outcome: report.outcome, published, detail: event.detail };
}

/** The drill's options from REWIND_DRILL_OPTIONS (what the stack wrote from its context), checked by the CLI's own schema. */
export function drillOptionsFromEnv(raw: string | undefined): DrillOptions {
  let input: unknown = {};
  try {
    input = raw ? JSON.parse(raw) : {};
  } catch {
    throw new ConfigError(ENV.drillOptions, `${ENV.drillOptions} is not JSON`);
  }
  const parsed = parseDrillOptions(input);
  if (!parsed.ok) throw new ConfigError(ENV.drillOptions, `${ENV.drillOptions}: ${parsed.field} ${parsed.message}`);
  return parsed.options;
}

/** The client secret as stored: the secret string itself, or JSON with `clientSecret` / `client_secret`. */
export function clientSecretOf(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      const secret = parsed.clientSecret ?? parsed.client_secret;
      if (typeof secret === 'string' && secret !== '') return secret;
    } catch {
      // not JSON after all: the string is the secret
    }
    throw new ConfigError(ENV.drillClientSecretArn, 'the drill client secret is JSON without a clientSecret (or client_secret) string');
  }
  if (trimmed === '') throw new ConfigError(ENV.drillClientSecretArn, 'the drill client secret is empty');
  return trimmed;
}

let secrets: SecretsProvider | undefined;

function awsPorts(): ScheduledDrillPorts {
  secrets ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() });
  const provider = secrets;
  const arn = config.drillClientSecretArn();
  const scope = config.drillScope();
  const issuer = config.drillIssuer();
  const clientId = config.drillClientId();
  let source: TokenSource | undefined;
  return {
    apiUrl: config.drillApiUrl(),
    options: drillOptionsFromEnv(config.drillOptions()),
    stalenessMs: config.drillStalenessMs(),
    // The secret is read when the drill starts (cached 5 minutes by Powertools): a rotation reaches the next run.
    token: async () => {
      if (!source) {
        const value = await provider.get(arn, { maxAge: 300 });
        if (typeof value !== 'string') throw new ConfigError(ENV.drillClientSecretArn, `the secret ${arn} holds no string`);
        source = clientCredentialsTokenSource({ issuer, clientId, clientSecret: clientSecretOf(value), ...(scope ? { scope } : {}) });
      }
      return source();
    },
    publish: eventBridgeDrillEvents(eventBridgeClient(), config.eventBusName()),
    measured: ({ mttrSeconds, failed }) => {
      if (mttrSeconds !== null) metrics.singleMetric().addMetric(METRIC.drillMttr, MetricUnit.Seconds, mttrSeconds);
      metrics.singleMetric().addMetric(METRIC.drillFailed, MetricUnit.Count, failed ? 1 : 0);
    },
    log: { info: (m, extra) => logger.info(m, extra ?? {}), error: (m, extra) => logger.error(m, extra ?? {}) },
  };
}

export const handler = middy<unknown, ScheduledDrillResult>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .handler(async () => {
    let ports: ScheduledDrillPorts;
    try {
      ports = awsPorts();
    } catch (error) {
      metrics.singleMetric().addMetric(METRIC.drillFailed, MetricUnit.Count, 1);
      logger.error('the scheduled drill is misconfigured: no drill ran', { error: error as Error });
      throw error;
    }
    return scheduledDrill(ports);
  });
