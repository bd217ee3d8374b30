/**
 * Keeps each view's drift alarms in CloudWatch in line with the monitor policy of the version
 * it serves (contract/alarms.ts driftAlarmsForView). Views exist only at runtime, so the stack
 * cannot create their alarms at synth time: this function does, after every pointer change
 * that may change the served version (the rule SYNC_ALARMS_RULE on Rewind's bus:
 * FeatureViewActivated, …CanaryStarted, …ShadowStarted, …Promoted, …RolledBack).
 *
 * It reads the view's CURRENT pointer, not the event's versions, so events delivered twice, late
 * or out of order all converge on what the view serves now. Puts come before deletes: a
 * failure half-way leaves a view with an extra alarm, never with none.
 *
 * Invoked by hand with `{ "views": ["user_profile"] }` or `{ "all": true }`, it syncs those
 * views (after the first deploy of the stack, for views activated before it existed).
 *
 * Environment: the shared tables (versions and pointers read); POWERTOOLS_SERVICE_NAME, the
 * stack's service (contract/service.ts), whose alarms alone it reads, puts and deletes;
 * REWIND_ALARM_PERIOD_SECONDS (optional, as for the drift monitor) overrides the policies'
 * alarm periods. IAM: cloudwatch:DescribeAlarms, PutMetricAlarm, DeleteAlarms on
 * `alarm:<service>-drift-*` only.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { planDriftAlarmSync, type DriftAlarmSyncPlan, type ExistingDriftAlarm } from '../contract/alarm-sync';
import type { AlarmSpec } from '../contract/alarms';
import type { Registry } from '../core/ports';
import { monitorPolicyOf } from '../core/validation/policy';
import { CloudWatchDriftAlarms } from '../store/cloudwatch-alarms';
import { tableNameFromEnv } from '../store/config';
import { DynamoRegistry } from '../store/dynamo-registry';
import { documentClient } from './commons/dynamo';
import { logger, SERVICE_NAME } from './commons/powertools';

export interface DriftAlarmsPort {
  describe(view: string): Promise<ExistingDriftAlarm[]>;
  put(spec: AlarmSpec): Promise<void>;
  delete(alarmNames: readonly string[]): Promise<void>;
}

export interface SyncAlarmsResult {
  synced: { view: string; version: number | null; put: string[]; unchanged: string[]; deleted: string[] }[];
  ignored?: string;
}

/** The views an invocation asks for: a pointer event's `detail.view`, or a manual `{ views }` / `{ all: true }`. */
export function viewsOf(event: unknown): string[] | 'all' | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { detail?: { view?: unknown }; views?: unknown; all?: unknown };
  if (e.all === true) return 'all';
  if (Array.isArray(e.views) && e.views.every((v) => typeof v === 'string' && v !== '')) return e.views as string[];
  if (typeof e.detail?.view === 'string' && e.detail.view !== '') return [e.detail.view];
  return undefined;
}

/**
 * The sync, with its ports injected (tests give fakes). `service` (default `rewind`) is the
 * stack's: the alarms it plans are named and dimensioned for it, and it leaves every other
 * service's alone; `alarms` must be bound to the same service.
 *
 * @example await createSyncAlarms({ registry, alarms })({ source: 'rewind', 'detail-type': 'FeatureViewActivated', detail: { view: 'user_profile' } })
 */
export function createSyncAlarms(ports: {
  registry: Pick<Registry, 'getPointer' | 'getVersion' | 'listViews'>;
  alarms: DriftAlarmsPort;
  service?: string;
  periodSeconds?: number;
}) {
  const syncView = async (view: string): Promise<SyncAlarmsResult['synced'][number]> => {
    const pointer = await ports.registry.getPointer(view);
    const version = pointer?.stable ?? null;
    let monitor = null;
    if (version !== null) {
      const record = await ports.registry.getVersion(view, version);
      // Never delete a view's safety net on an inconsistent read: fail, and be retried.
      if (!record) throw new Error(`view ${view} serves version ${version}, whose record is missing`);
      monitor = monitorPolicyOf(record.validation);
    }
    const plan: DriftAlarmSyncPlan = planDriftAlarmSync(view, monitor, await ports.alarms.describe(view), {
      ...(ports.service ? { service: ports.service } : {}),
      ...(ports.periodSeconds ? { periodSeconds: ports.periodSeconds } : {}),
    });
    for (const spec of plan.put) await ports.alarms.put(spec);
    if (plan.delete.length > 0) await ports.alarms.delete(plan.delete);
    return { view, version, put: plan.put.map((s) => s.alarmName), unchanged: plan.unchanged, deleted: plan.delete };
  };

  return async (event: unknown): Promise<SyncAlarmsResult> => {
    const asked = viewsOf(event);
    if (asked === undefined) {
      logger.warn('not a pointer event nor a sync request: ignored', { event: event as Record<string, unknown> });
      return { synced: [], ignored: 'no view in the event' };
    }
    const views = asked === 'all' ? await ports.registry.listViews() : asked;
    const synced: SyncAlarmsResult['synced'] = [];
    const failed: string[] = [];
    for (const view of views) {
      try {
        const outcome = await syncView(view);
        synced.push(outcome);
        logger.info('drift alarms synced', { ...outcome });
      } catch (error) {
        // One view's failure must not keep the others' alarms stale; the invocation still fails, to be retried.
        logger.error('drift alarms not synced', { view, error: error as Error });
        failed.push(view);
      }
    }
    if (failed.length > 0) throw new Error(`drift alarms of ${failed.join(', ')} could not be synced`);
    return { synced };
  };
}

let sync: ReturnType<typeof createSyncAlarms> | undefined;

function configured(): ReturnType<typeof createSyncAlarms> {
  const period = Number(process.env.REWIND_ALARM_PERIOD_SECONDS);
  sync ??= createSyncAlarms({
    registry: new DynamoRegistry(documentClient(), {
      versions: tableNameFromEnv('versions'),
      pointers: tableNameFromEnv('pointers'),
      history: tableNameFromEnv('history'),
      audit: tableNameFromEnv('audit'),
    }),
    alarms: new CloudWatchDriftAlarms(new CloudWatchClient({}), SERVICE_NAME),
    service: SERVICE_NAME,
    ...(Number.isFinite(period) && period > 0 ? { periodSeconds: period } : {}),
  });
  return sync;
}

export const handler = middy<unknown, SyncAlarmsResult>({ timeoutEarlyInMillis: 0 })
  .use(injectLambdaContext(logger))
  .handler((event) => configured()(event));
