/**
 * Drift alarms follow the views (the use cases behind functions/sync-alarms.ts). Views exist
 * only at runtime, so the stack cannot create their alarms at synth time: these keep each
 * view's drift alarms in line with the monitor policy of the version it serves
 * (contract/alarms.ts driftAlarmsForView, planned by contract/alarm-sync.ts), after every
 * pointer change that may change the served version, on a manual request, and for the stack's
 * custom resource (sync everything on Create/Update, purge the service's alarms when the stack
 * is deleted).
 *
 * Each sync reads the view's CURRENT pointer, not the event's versions, so events delivered
 * twice, late or out of order all converge on what the view serves now. Puts come before
 * deletes: a failure half-way leaves a view with an extra alarm, never with none.
 *
 * Pure of AWS: the alarms (store/cloudwatch-alarms.ts), the stack's status
 * (store/cloudformation-stack.ts), the catalog and the pointers are ports.
 */
import * as z from 'zod';
import { driftAlarmsToPurge, planDriftAlarmSync, type DriftAlarmSyncPlan, type ExistingDriftAlarm, type ServedVersionPolicy } from '../contract/alarm-sync';
import type { AlarmSpec } from '../contract/alarms';
import { DEFAULT_SERVICE_NAME } from '../contract/service';
import type { PointerLog, VersionCatalog } from './ports';
import { monitorPolicyOf } from './validation/tolerances';

/** The most alarm names one delete takes (CloudWatch DeleteAlarms: 100); the purge batches by it. */
export const MAX_DELETE_ALARMS = 100;

export interface DriftAlarmsPort {
  describe(view: string): Promise<ExistingDriftAlarm[]>;
  /** Every alarm under the service's drift prefix (every view's). */
  describeAll(): Promise<ExistingDriftAlarm[]>;
  put(spec: AlarmSpec): Promise<void>;
  delete(alarmNames: readonly string[]): Promise<void>;
}

/** The status of the stack a custom-resource event comes from (store/cloudformation-stack.ts). */
export interface StackStatusPort {
  status(stackId: string): Promise<string | undefined>;
}

/** What the sync logs through (the function's Powertools logger; silent when not given). */
export interface SyncLog {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

const SILENT: SyncLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface SyncAlarmsPorts {
  /** Version records and the list of views (the version catalog). */
  catalog: Pick<VersionCatalog, 'getVersion' | 'listViews'>;
  /** The views' pointers (the pointer log). */
  pointers: Pick<PointerLog, 'getPointer'>;
  alarms: DriftAlarmsPort;
  log?: SyncLog;
  /** The stack's service; `alarms` must be bound to the same one. @default 'rewind' */
  service?: string;
  periodSeconds?: number;
  /** The ops topic the alarms that page (heartbeats) notify (REWIND_OPS_TOPIC_ARN); none: they page nobody but the console. */
  opsTopicArn?: string;
}

/** What the Lambda context tells the use cases: time left, to stop before the timeout does. */
export interface InvocationOptions {
  remainingMs?: () => number;
}

export interface SyncAlarmsResult {
  synced: { view: string; version: number | null; put: string[]; unchanged: string[]; deleted: string[] }[];
  ignored?: string;
}

export interface PurgeDriftAlarmsResult {
  /** Deleted, sorted. */
  purged: string[];
  /** The service's drift alarms still there afterwards (described again), sorted. */
  left: string[];
}

/** The Provider framework's answer to CloudFormation: the resource's id and a few attributes. */
export interface DriftAlarmsResourceResponse {
  PhysicalResourceId: string;
  Data: Record<string, string | number>;
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

/** A manual `{ "purgeAll": true }`. */
export function purgeRequested(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { purgeAll?: unknown }).purgeAll === true;
}

/** What the Provider framework passes on from CloudFormation (the rest, ResponseURL included, is not read). */
const CustomResourceEventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  StackId: z.string().min(1),
  RequestId: z.string().min(1),
  PhysicalResourceId: z.string().min(1).optional(),
});
export type DriftAlarmsResourceEvent = z.infer<typeof CustomResourceEventSchema>;

/** Whether an invocation comes from CloudFormation (through the Provider framework). */
export function isCustomResourceEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'RequestType' in event;
}

/**
 * Stack statuses in which a Delete of the custom resource means the stack itself is going
 * away: `cdk destroy`, or the rollback of a stack's first creation. In any other (an update
 * rolled back, `UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`, or a replaced resource cleaned
 * up, `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`) the stack stays, and so must its views' alarms.
 */
export const STACK_GOING_AWAY: ReadonlySet<string> = new Set(['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);

/** A sync started with less time left than this would be cut off by the timeout half-way. */
export const SYNC_TIME_MARGIN_MS = 10_000;
/** Purge passes: an alarm deleted meanwhile (by a last sync) fails its whole DeleteAlarms batch, which the next pass retries. */
const PURGE_PASSES = 2;

/** Syncs views one by one; a view's failure, or the clock, does not stop the others from being reported. */
function createViewSync(ports: SyncAlarmsPorts) {
  const logger = ports.log ?? SILENT;
  const syncView = async (view: string): Promise<SyncAlarmsResult['synced'][number]> => {
    const pointer = await ports.pointers.getPointer(view);
    const version = pointer?.stable ?? null;
    let monitor: ServedVersionPolicy[] | null = null;
    if (version !== null) {
      // Every served version gets its own alarms (the candidate on trial too): the alarm names
      // the version that drifted, and only that one is rolled back.
      monitor = [];
      for (const served of [version, ...(pointer?.candidate ? [pointer.candidate.version] : [])]) {
        const record = await ports.catalog.getVersion(view, served);
        // Never delete a view's safety net on an inconsistent read: fail, and be retried.
        if (!record) throw new Error(`view ${view} serves version ${served}, whose record is missing`);
        monitor.push({ version: served, monitor: monitorPolicyOf(record.validation), ...(served !== version ? { candidate: true } : {}) });
      }
    }
    const plan: DriftAlarmSyncPlan = planDriftAlarmSync(view, monitor, await ports.alarms.describe(view), {
      ...(ports.service ? { service: ports.service } : {}),
      ...(ports.periodSeconds ? { periodSeconds: ports.periodSeconds } : {}),
      ...(ports.opsTopicArn ? { opsTopicArn: ports.opsTopicArn } : {}),
    });
    for (const spec of plan.put) await ports.alarms.put(spec);
    if (plan.delete.length > 0) await ports.alarms.delete(plan.delete);
    return { view, version, put: plan.put.map((s) => s.alarmName), unchanged: plan.unchanged, deleted: plan.delete };
  };

  return async (views: readonly string[], options: InvocationOptions = {}): Promise<{ synced: SyncAlarmsResult['synced']; unsynced: string[] }> => {
    const synced: SyncAlarmsResult['synced'] = [];
    const unsynced: string[] = [];
    for (const [index, view] of views.entries()) {
      if (options.remainingMs && options.remainingMs() < SYNC_TIME_MARGIN_MS) {
        logger.error('out of time: drift alarms of the remaining views not synced', { views: views.slice(index) });
        unsynced.push(...views.slice(index));
        break;
      }
      try {
        const outcome = await syncView(view);
        synced.push(outcome);
        logger.info('drift alarms synced', { ...outcome });
      } catch (error) {
        // One view's failure must not keep the others' alarms stale.
        logger.error('drift alarms not synced', { view, error: error as Error });
        unsynced.push(view);
      }
    }
    return { synced, unsynced };
  };
}

/**
 * The sync, with its ports injected (tests give fakes). `service` (default `rewind`) is the
 * stack's: the alarms it plans are named and dimensioned for it, and it leaves every other
 * service's alone; `alarms` must be bound to the same service. It throws (to be retried) when
 * a view could not be synced, after trying every other.
 *
 * @example await createSyncAlarms({ catalog, pointers, alarms })({ source: 'rewind', 'detail-type': 'FeatureViewActivated', detail: { view: 'user_profile' } })
 */
export function createSyncAlarms(ports: SyncAlarmsPorts) {
  const logger = ports.log ?? SILENT;
  const syncViews = createViewSync(ports);
  return async (event: unknown, options: InvocationOptions = {}): Promise<SyncAlarmsResult> => {
    const asked = viewsOf(event);
    if (asked === undefined) {
      logger.warn('not a pointer event nor a sync request: ignored', { event: event as Record<string, unknown> });
      return { synced: [], ignored: 'no view in the event' };
    }
    const { synced, unsynced } = await syncViews(asked === 'all' ? await ports.catalog.listViews() : asked, options);
    if (unsynced.length > 0) throw new Error(`drift alarms of ${unsynced.join(', ')} could not be synced`);
    return { synced };
  };
}

/**
 * Deletes every drift alarm of the service (contract/alarm-sync.ts `driftAlarmsToPurge`:
 * name prefix and `service` dimension), in DeleteAlarms batches of at most 100. A failed
 * batch does not stop the others; a second pass retries what is still there; what is left
 * after it is described again and returned. Never touches another service's alarms (the
 * adapter refuses their names too).
 *
 * @example await createPurgeDriftAlarms({ alarms })() // → { purged: ['rewind-drift-user_profile-psi', …], left: [] }
 */
export function createPurgeDriftAlarms(ports: Pick<SyncAlarmsPorts, 'alarms' | 'service' | 'log'>) {
  const logger = ports.log ?? SILENT;
  const service = ports.service ?? DEFAULT_SERVICE_NAME;
  const mine = async () => driftAlarmsToPurge(await ports.alarms.describeAll(), service);
  return async (): Promise<PurgeDriftAlarmsResult> => {
    const purged: string[] = [];
    let remaining = await mine();
    for (let pass = 1; pass <= PURGE_PASSES && remaining.length > 0; pass++) {
      for (let start = 0; start < remaining.length; start += MAX_DELETE_ALARMS) {
        const batch = remaining.slice(start, start + MAX_DELETE_ALARMS);
        try {
          await ports.alarms.delete(batch);
          purged.push(...batch);
        } catch (error) {
          logger.warn('drift alarms not deleted', { pass, alarms: batch, error: error as Error });
        }
      }
      remaining = await mine();
    }
    return { purged: purged.sort(), left: remaining };
  };
}

/**
 * The custom resource's lifecycle (see the file's comment). Create and Update sync every view;
 * Delete purges the service's drift alarms when the stack is going away ({@link STACK_GOING_AWAY})
 * and keeps them otherwise, or when the stack's status cannot be read (a kept alarm costs cents;
 * a view without its alarms is not rolled back on drift). Every event is answered with success,
 * its `Data` counting what was and was not done (the log names them); only an event that is not
 * a custom-resource event at all is refused.
 *
 * @example await createDriftAlarmsResource({ catalog, pointers, alarms, stacks })({ RequestType: 'Delete', StackId, RequestId, PhysicalResourceId: 'rewind-drift-alarms' })
 * // → { PhysicalResourceId: 'rewind-drift-alarms', Data: { Purged: 3, Left: 0 } }
 */
export function createDriftAlarmsResource(ports: SyncAlarmsPorts & { stacks: StackStatusPort }) {
  const logger = ports.log ?? SILENT;
  const service = ports.service ?? DEFAULT_SERVICE_NAME;
  const syncViews = createViewSync(ports);
  const purge = createPurgeDriftAlarms(ports);

  const syncAll = async (options: InvocationOptions): Promise<DriftAlarmsResourceResponse['Data']> => {
    try {
      const { synced, unsynced } = await syncViews(await ports.catalog.listViews(), options);
      if (unsynced.length > 0) logger.error('deploy: drift alarms of some views not synced; each is synced again on its next pointer change, or by hand', { unsynced });
      return { Synced: synced.length, Unsynced: unsynced.length };
    } catch (error) {
      logger.error('deploy: views not listed, no drift alarm synced', { error: error as Error });
      return { Synced: 0, Unsynced: 'unknown' };
    }
  };

  const purgeIfGoingAway = async (stackId: string): Promise<DriftAlarmsResourceResponse['Data']> => {
    let status: string | undefined;
    try {
      status = await ports.stacks.status(stackId);
    } catch (error) {
      logger.error('stack status not read: drift alarms kept', { stackId, error: error as Error });
      return { Purged: 0, Kept: 'stack status unknown' };
    }
    if (status === undefined || !STACK_GOING_AWAY.has(status)) {
      logger.info('the stack stays (rollback or replacement): drift alarms kept', { stackStatus: status });
      return { Purged: 0, Kept: `stack is ${status ?? 'not described'}` };
    }
    try {
      const { purged, left } = await purge();
      if (left.length > 0) logger.error('stack deleted: drift alarms left behind, delete them by hand', { purged: purged.length, left });
      else logger.info('stack deleted: drift alarms purged', { purged });
      return { Purged: purged.length, Left: left.length };
    } catch (error) {
      logger.error('stack deleted: drift alarms not purged (not listed), delete them by hand', { error: error as Error });
      return { Purged: 0, Left: 'unknown' };
    }
  };

  return async (event: unknown, options: InvocationOptions = {}): Promise<DriftAlarmsResourceResponse> => {
    const parsed = CustomResourceEventSchema.safeParse(event);
    if (!parsed.success) throw new Error(`not a CloudFormation custom-resource event: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    const request = parsed.data;
    // One id, kept on Update: a new one would make CloudFormation delete the "old" resource.
    const PhysicalResourceId = request.PhysicalResourceId ?? `${service}-drift-alarms`;
    const Data = request.RequestType === 'Delete' ? await purgeIfGoingAway(request.StackId) : await syncAll(options);
    logger.info('custom resource answered', { requestType: request.RequestType, PhysicalResourceId, ...Data });
    return { PhysicalResourceId, Data };
  };
}

/**
 * One entry point, three callers: CloudFormation (custom-resource events), a manual
 * `{ "purgeAll": true }`, and pointer events or manual syncs.
 */
export function createSyncAlarmsHandler(ports: SyncAlarmsPorts & { stacks: StackStatusPort }) {
  const logger = ports.log ?? SILENT;
  const sync = createSyncAlarms(ports);
  const purge = createPurgeDriftAlarms(ports);
  const resource = createDriftAlarmsResource(ports);
  return async (event: unknown, options: InvocationOptions = {}): Promise<SyncAlarmsResult | PurgeDriftAlarmsResult | DriftAlarmsResourceResponse> => {
    if (isCustomResourceEvent(event)) return resource(event, options);
    if (purgeRequested(event)) {
      const result = await purge();
      logger.info('drift alarms purged on request', { purged: result.purged.length, left: result.left });
      return result;
    }
    return sync(event, options);
  };
}

