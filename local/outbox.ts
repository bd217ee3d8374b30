/**
 * The local outbox relay: what the history table's stream and functions/publish-pointer-events
 * do in AWS. It reads the SAME outbox (committed history entries) by polling the history
 * table, maps each entry with the publisher's own `historyEvents` (the pointer event, then one
 * event per planned artifact), and hands them to its sinks (the local bus, the releases' event
 * log). DynamoDB Local has streams, but reading them needs a client this project does not
 * ship; polling a handful of views every few hundred milliseconds is the same guarantee (a
 * committed change is never without its events) at laptop scale.
 */
import type { Registry } from '../core/ports';
import type { historyEvents as HistoryEvents } from '../functions/publish-pointer-events';

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

export class HistoryOutboxRelay {
  private readonly seen = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private historyEvents: typeof HistoryEvents | undefined;

  constructor(
    private readonly registry: Pick<Registry, 'listViews' | 'history'>,
    private readonly sinks: readonly OutboxSink[],
    private readonly intervalMs = 200,
  ) {}

  /** Starts from what is committed now: earlier changes were published by an earlier run. */
  async start(): Promise<this> {
    // Loaded now, not at import: functions/ read their environment (log level…) when loaded.
    ({ historyEvents: this.historyEvents } = await import('../functions/publish-pointer-events'));
    for (const view of await this.registry.listViews()) this.seen.set(view, (await this.registry.history(view, 1))[0]?.revision ?? 0);
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref?.();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass: publish every entry committed since the last pass, in revision order per view. */
  poll(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => console.error('local outbox relay: poll failed (will retry)', error))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const view of await this.registry.listViews()) {
      const last = this.seen.get(view) ?? 0;
      const fresh = (await this.registry.history(view, 100)).filter((h) => h.revision > last).sort((a, b) => a.revision - b.revision);
      for (const entry of fresh) {
        for (const event of this.historyEvents!(entry, 'rewind-local')) {
          const published: OutboxEvent = { source: event.Source!, 'detail-type': event.DetailType!, time: entry.at, detail: JSON.parse(event.Detail!) as Record<string, unknown> };
          for (const sink of this.sinks) sink.publish(published);
        }
        this.seen.set(view, entry.revision);
      }
    }
  }
}
