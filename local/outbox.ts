/**
 * The local outbox relay: what the history table's stream and functions/publish-pointer-events
 * do in AWS. It reads the SAME outbox (committed history entries) by polling the history
 * table, maps each entry with the publisher's own `toPointerEvent`, and puts it on the local
 * bus. DynamoDB Local has streams, but reading them needs a client this project does not
 * ship; polling a handful of views every few hundred milliseconds is the same guarantee
 * (a committed change is never without its event) at laptop scale.
 */
import type { Registry } from '../core/ports';
import type { toPointerEvent as ToPointerEvent } from '../functions/publish-pointer-events';
import type { LocalEventBus } from './event-bus';

export class HistoryOutboxRelay {
  private readonly seen = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private toPointerEvent: typeof ToPointerEvent | undefined;

  constructor(
    private readonly registry: Pick<Registry, 'listViews' | 'history'>,
    private readonly bus: LocalEventBus,
    private readonly intervalMs = 200,
  ) {}

  /** Starts from what is committed now: earlier changes were published by an earlier run. */
  async start(): Promise<this> {
    // Loaded now, not at import: functions/ read their environment (log level…) when loaded.
    ({ toPointerEvent: this.toPointerEvent } = await import('../functions/publish-pointer-events'));
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
        const event = this.toPointerEvent!(entry, 'rewind-local');
        this.bus.publish({
          source: event.Source!,
          'detail-type': event.DetailType!,
          time: entry.at,
          detail: JSON.parse(event.Detail!) as Record<string, unknown>,
        });
        this.seen.set(view, entry.revision);
      }
    }
  }
}
