/**
 * Progressive delivery, locally, wired as the stack wires it:
 *
 *   schedule (every promoteIntervalMs) ─▶ functions/promote-canaries ─▶ core/bake
 *   alarm state changes (the local alarm evaluator's events on the local bus) ─▶ LocalAlarmStatus
 *   pointer change, in the request ─▶ LocalArtifactInvalidator (in-process cache namespaces)
 *   history table (the outbox) ─▶ HistoryOutboxRelay (local/runtime.ts) ─▶ LocalEventLog (+ the bus)
 *
 * The adapters are installed into the handlers' module scope (functions/commons), as Lambda
 * would get its AWS clients there; everything else is the real handler.
 */
import type { Context } from 'aws-lambda';
import { ENV, optionalNumber, type Env } from '../contract/config';
import { parseAlarmEvent } from '../core/auto-rollback';
import { ARTIFACT_EVENT, type ArtifactInvalidator, type ArtifactOutcome, type ArtifactRefresh, type PlannedOutcome } from '../core/artifacts';
import type { AlarmStatus } from '../core/bake';
import type { DerivedArtifact } from '../core/model';
import type { LocalEventBus } from './event-bus';
import { lambdaContext } from './gateway';
import type { OutboxEvent, OutboxSink } from './outbox';

interface AlarmRecord {
  view: string;
  state: string;
  /** Times (ms) the alarm entered ALARM. */
  enteredAlarm: number[];
}

/**
 * Alarm state as the local alarm evaluator announces it: every "CloudWatch Alarm State
 * Change" on the local bus whose metric has a `view` dimension (Rewind's drift alarms).
 * Tests (and any other local source) can also {@link LocalAlarmStatus.record} a state.
 */
export class LocalAlarmStatus implements AlarmStatus {
  private readonly alarms = new Map<string, AlarmRecord>();

  /** Follow the alarm state changes published on `bus`; returns the unsubscribe. */
  follow(bus: Pick<LocalEventBus, 'subscribe'>): () => void {
    return bus.subscribe((event) => {
      const parsed = parseAlarmEvent(event);
      if (parsed.ok && parsed.alarm.dimensions.view) this.record(parsed.alarm.alarmName, parsed.alarm.dimensions.view, parsed.alarm.state, parsed.alarm.firedAt);
    });
  }

  record(alarmName: string, view: string, state: string, at: Date = new Date()): void {
    const alarm = this.alarms.get(alarmName) ?? { view, state: 'OK', enteredAlarm: [] };
    if (state === 'ALARM' && alarm.state !== 'ALARM') alarm.enteredAlarm.push(at.getTime());
    alarm.state = state;
    this.alarms.set(alarmName, alarm);
  }

  async alarmsSince(view: string, since: Date): Promise<string[]> {
    return [...this.alarms]
      .filter(([, a]) => a.view === view && (a.state === 'ALARM' || a.enteredAlarm.some((t) => t >= since.getTime())))
      .map(([name]) => name);
  }
}

/**
 * Artifacts in this process, refreshed synchronously in the request (after the commit, before
 * the response: a rollback returns with its caches invalidated). A cache namespace is
 * invalidated by bumping its generation (readers key their entries by it) and recording the
 * versions now served: a reader must not admit an entry of another version, because it may
 * have been filled from a server whose pointer cache is still within its staleness bound (the
 * same rule the artifact event's `serves` gives a cache in AWS). Other kinds are rebuilt by a
 * registered handler, or planned `requested` when none is registered (the event is the
 * request, as in AWS). Idempotent per (view, revision, artifact). Publishes nothing: the
 * events come from the history outbox.
 */
export class LocalArtifactInvalidator implements ArtifactInvalidator {
  readonly refreshed: ArtifactRefresh[] = [];
  private readonly namespaces = new Map<string, { generation: number; serves: number[] }>();
  private readonly handlers = new Map<string, Set<(request: ArtifactRefresh) => Promise<void> | void>>();
  private readonly done = new Map<string, ArtifactOutcome>();

  /** Run `handler` whenever the artifact named `name` is refreshed (e.g. clear a cache). Returns the unsubscribe. */
  on(name: string, handler: (request: ArtifactRefresh) => Promise<void> | void): () => void {
    const set = this.handlers.get(name) ?? new Set();
    set.add(handler);
    this.handlers.set(name, set);
    return () => set.delete(handler);
  }

  /** A cache namespace's generation (bumped by every invalidation) and the versions an entry may hold (empty: any, before the first). */
  namespace(name: string): { generation: number; serves: number[] } {
    return this.namespaces.get(name) ?? { generation: 0, serves: [] };
  }

  generation(name: string): number {
    return this.namespace(name).generation;
  }

  plan(artifact: DerivedArtifact): PlannedOutcome {
    return artifact.kind === 'cache-namespace' || this.handlers.get(artifact.name)?.size ? { status: 'invalidated' } : { status: 'requested' };
  }

  async refresh(request: ArtifactRefresh): Promise<ArtifactOutcome> {
    const key = `${request.view}#${request.revision}#${request.artifact.kind}#${request.artifact.name}`;
    const seen = this.done.get(key);
    if (seen) return seen;
    this.refreshed.push(request);
    const handlers = [...(this.handlers.get(request.artifact.name) ?? [])];
    for (const handler of handlers) await handler(request);
    let outcome: ArtifactOutcome;
    if (request.artifact.kind === 'cache-namespace') {
      const generation = this.generation(request.artifact.name) + 1;
      const serves = [request.serves.stable, request.serves.candidate].filter((v): v is number => typeof v === 'number');
      this.namespaces.set(request.artifact.name, { generation, serves });
      outcome = { status: 'invalidated', detail: `namespace generation ${generation}` };
    } else outcome = handlers.length ? { status: 'invalidated', detail: `rebuilt by ${handlers.length} local handler(s)` } : { status: 'requested' };
    this.done.set(key, outcome);
    return outcome;
  }
}

/** An artifact event as the log keeps it: `eventId` apart from the rest of its detail. */
export interface RewindEvent {
  detailType: string;
  eventId: string;
  time: string;
  detail: Record<string, unknown>;
}

/**
 * The artifact events (`FeatureArtifactRefreshed`) the local outbox relay published, in order.
 * A sink of the relay: the pointer events beside them go to the local bus only.
 */
export class LocalEventLog implements OutboxSink {
  readonly events: RewindEvent[] = [];

  publish(event: OutboxEvent): void {
    if (event['detail-type'] !== ARTIFACT_EVENT) return;
    const { eventId, ...detail } = event.detail;
    this.events.push({ detailType: event['detail-type'], eventId: String(eventId), time: event.time, detail });
  }
}

export interface LocalReleasesOptions {
  /** Run the bake check this often; 0 or undefined: only when {@link LocalReleases.runBakeCheck} is called. Env: REWIND_PROMOTE_INTERVAL_MS. */
  promoteIntervalMs?: number;
  /** The monitoring bus, when local monitoring runs: alarm states are read from it. */
  bus?: LocalEventBus;
}

export interface LocalReleases {
  alarms: LocalAlarmStatus;
  artifacts: LocalArtifactInvalidator;
  events: LocalEventLog;
  /** Run functions/promote-canaries once now, as its schedule would. */
  runBakeCheck(): Promise<unknown>;
  stop(): Promise<void>;
}

/** The interval from the environment (`npm start`): REWIND_PROMOTE_INTERVAL_MS, when set; a malformed one throws naming it. */
export function promoteIntervalFromEnv(env: Env = process.env): number | undefined {
  return optionalNumber(ENV.promoteIntervalMs, { range: 'nonNegative' }, env);
}

/** Install the local adapters and start the bake schedule. The runtime's environment must already be applied. */
export async function startLocalReleases(options: LocalReleasesOptions = {}): Promise<LocalReleases> {
  const alarms = new LocalAlarmStatus();
  const artifacts = new LocalArtifactInvalidator();
  const events = new LocalEventLog();
  const unfollow = options.bus ? alarms.follow(options.bus) : () => undefined;
  // Loaded here, after the environment is applied, as Lambda would load them.
  const { useAlarmStatus } = await import('../functions/commons/alarm-status');
  const { useArtifactAdapters } = await import('../functions/commons/artifacts');
  useAlarmStatus(alarms);
  useArtifactAdapters({ artifacts });
  const check = (await import('../functions/promote-canaries')).handler as unknown as (event: unknown, context: Context) => Promise<unknown>;

  let running: Promise<unknown> | undefined;
  const runBakeCheck = () => {
    running ??= check({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, lambdaContext({ handler: 'promote-canaries' }))
      .catch((error: unknown) => console.error('local bake check failed', error))
      .finally(() => (running = undefined));
    return running;
  };
  const schedule = options.promoteIntervalMs ? setInterval(() => void runBakeCheck(), options.promoteIntervalMs) : undefined;
  schedule?.unref?.();
  return {
    alarms,
    artifacts,
    events,
    runBakeCheck,
    stop: async () => {
      if (schedule) clearInterval(schedule);
      unfollow();
      await running;
      useAlarmStatus(undefined);
      useArtifactAdapters(undefined);
    },
  };
}
