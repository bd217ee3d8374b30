/**
 * The local outbox relay: what the history table's stream and functions/publish-pointer-events
 * do in AWS. It reads the SAME outbox (committed history entries) by polling the history
 * table, maps each entry with the publisher's own `historyEvents` (contract/events.ts: the pointer event, then one
 * event per planned artifact), and hands them to its sinks (the local bus, the releases' event
 * log). DynamoDB Local has streams, but reading them needs a client this project does not
 * ship; polling a handful of views every few hundred milliseconds is the same guarantee (a
 * committed change is never without its events) at laptop scale.
 */
import { historyEvents, type BusEvent } from '../contract/events';
import { deployRunEvents, endedJobRunEvents, lineageBusEvent, servedDatasetEvent, type OpenLineageEvent } from '../contract/openlineage';
import type { HistoryEntry } from '../core/model';
import type { HistoryEventPublisher, PointerLog, VersionCatalog } from '../core/ports';
import type { JobStore } from '../core/ports/jobs';

/** An event as the relay hands it on: what the local bus's `publish` takes. */
export interface OutboxEvent {
  source: string;
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

export interface OutboxSink {
  publish(event: OutboxEvent): unknown;
}

/** Where the relay's OpenLineage events go besides the sinks. */
export interface LineageRelayOptions {
  namespace: string;
  poster?: { enqueue(event: OpenLineageEvent): void };
}

export class HistoryOutboxRelay implements HistoryEventPublisher {
  private readonly seen = new Map<string, number>();
  /** Versions and ended jobs whose run events were published (or predate the start). */
  private readonly seenVersions = new Set<string>();
  private readonly seenJobs = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private started = false;

  /** @param ports the views (the version catalog) and their history (the pointer log). */
  constructor(
    private readonly ports: { catalog: Pick<VersionCatalog, 'listViews'> & Partial<Pick<VersionCatalog, 'listVersions'>>; pointers: Pick<PointerLog, 'history'>; jobs?: Pick<JobStore, 'listForView'> },
    private readonly sinks: readonly OutboxSink[],
    private readonly intervalMs = 200,
    /** Absent: pointer and artifact events only (what the relay did before lineage; the runtime always passes it). */
    private readonly lineage?: LineageRelayOptions,
  ) {}

  /**
   * Starts from what is committed now: earlier changes were published by an earlier run. Start
   * it before anything can commit a change it should publish (local/runtime.ts starts it before
   * the gateway listens).
   */
  async start(): Promise<this> {
    this.started = true;
    for (const view of await this.ports.catalog.listViews()) {
      this.seen.set(view, (await this.ports.pointers.history(view, 1))[0]?.revision ?? 0);
      if (!this.lineage) continue;
      for (const record of (await this.ports.catalog.listVersions?.(view)) ?? []) this.seenVersions.add(`${view}#${record.version}`);
      for (const job of await this.endedJobs(view)) this.seenJobs.add(job.id);
    }
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref?.();
    return this;
  }

  /** Stops polling, then runs one last pass so the changes of the last interval are published too. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.started) await this.poll();
  }

  /** One pass: publish every entry committed since the last pass, in revision order per view. */
  poll(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => console.error('local outbox relay: poll failed (will retry)', error))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const view of await this.ports.catalog.listViews()) {
      // A view's deploys before its pointer changes: a deploy with `activate: true` commits its
      // record first, so its run ends before the dataset event says it is served.
      const lineage = this.lineage;
      if (lineage) await this.deploys(view, lineage);
      const last = this.seen.get(view) ?? 0;
      for (const entry of await this.since(view, last)) {
        this.relay(entry);
        if (lineage) this.relayLineage(servedDatasetEvent(entry, lineage.namespace), lineage);
        this.seen.set(view, entry.revision);
      }
    }
  }

  /** The run events of the view's deploys that ended since the last pass: failed jobs, then version records. */
  private async deploys(view: string, lineage: LineageRelayOptions): Promise<void> {
    for (const job of await this.endedJobs(view)) {
      if (this.seenJobs.has(job.id)) continue;
      this.seenJobs.add(job.id);
      endedJobRunEvents({ ...job, version: job.version! }, lineage.namespace).forEach((e) => this.relayLineage(e, lineage));
    }
    for (const record of (await this.ports.catalog.listVersions?.(view)) ?? []) {
      const key = `${view}#${record.version}`;
      if (this.seenVersions.has(key)) continue;
      this.seenVersions.add(key);
      deployRunEvents({ ...record, endedAt: new Date().toISOString() }, lineage.namespace).forEach((e) => this.relayLineage(e, lineage));
    }
  }

  private async endedJobs(view: string) {
    return ((await this.ports.jobs?.listForView(view, JOBS_READ)) ?? []).filter((j) => (j.kind ?? 'deploy') === 'deploy' && j.version !== null && (j.status === 'failed' || j.status === 'cancelled'));
  }

  private relayLineage(event: OpenLineageEvent, lineage: LineageRelayOptions): void {
    this.toSinks(lineageBusEvent(event, 'rewind-local'), event.eventTime);
    lineage.poster?.enqueue(event);
  }

  private toSinks(event: BusEvent, time: string): OutboxEvent {
    const published: OutboxEvent = { source: event.Source, 'detail-type': event.DetailType, time, detail: JSON.parse(event.Detail) as Record<string, unknown> };
    for (const sink of this.sinks) sink.publish(published);
    return published;
  }

  /**
   * `rewind events republish`, locally (core/ports/event-publisher.ts): the entries' events,
   * mapped and handed to the sinks exactly as a pass does, so a consumer gets the same events
   * with the same `eventId`s a second time. The relay's own position is not moved.
   */
  async publish(entries: readonly HistoryEntry[]): Promise<string[]> {
    return entries.flatMap((entry) => this.relay(entry));
  }

  /** One entry's events to every sink, in order; returns their `eventId`s. */
  private relay(entry: HistoryEntry): string[] {
    return historyEvents(entry, 'rewind-local').map((event) => String(this.toSinks(event, entry.at).detail.eventId));
  }

  /**
   * Every entry of `view` with a revision above `last`, oldest first. The port reads only the
   * newest `limit` entries, so the limit doubles until the oldest entry read is at most
   * `last + 1` (nothing above `last` is left unread) or the store has no more to give.
   */
  private async since(view: string, last: number): Promise<HistoryEntry[]> {
    for (let limit = FIRST_READ; ; limit *= 2) {
      const entries = await this.ports.pointers.history(view, limit);
      const oldest = Math.min(...entries.map((h) => h.revision));
      if (entries.length < limit || oldest <= last + 1) {
        if (entries.length > 0 && oldest > last + 1 && oldest > 1)
          console.warn(`local outbox relay: ${view} revisions ${last + 1}..${oldest - 1} could not be read from the history; publishing from ${oldest}`);
        return entries.filter((h) => h.revision > last).sort((a, b) => a.revision - b.revision);
      }
    }
  }
}

/** Entries read per view at first: one read covers a pass unless a view changed more often than this. */
const FIRST_READ = 100;
/** Deploy jobs read per view and pass: the newest ones (a job ends within minutes of its start). */
const JOBS_READ = 20;
