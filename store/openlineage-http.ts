/**
 * POSTs OpenLineage events to an HTTP endpoint (REWIND_OPENLINEAGE_URL): the OpenLineage HTTP
 * transport's shape, which Marquez serves at `/api/v1/lineage` (one event per request, JSON).
 *
 * A lineage backend is a reader of Rewind, never a dependency of it: a down or slow endpoint
 * is retried with exponential backoff within a time budget, then given up on and logged (the
 * events stay on the bus, and `rewind events republish`-style replays can resend them). It
 * never throws, so it can never fail a deploy, a rollback or the outbox batch behind it.
 */

/** The endpoint to POST to: a bare base URL gets the Marquez path `/api/v1/lineage`, a URL with a path is used as is. */
export function lineageEndpoint(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/api/v1/lineage';
  return parsed.toString();
}

export interface LineagePostOptions {
  /** Attempts per event (default 4). */
  attempts?: number;
  /** First retry's delay; doubled at each retry (default 200 ms). */
  baseDelayMs?: number;
  /** One request's limit (default 2 s). */
  requestTimeoutMs?: number;
  log?: { warn(message: string, extra: Record<string, unknown>): void };
}

export interface LineagePostResult {
  posted: number;
  /** Events given up on (the endpoint kept failing, or the budget ran out). */
  dropped: number;
  attempts: number;
}

export class OpenLineageHttpPoster {
  readonly endpoint: string;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    url: string,
    private readonly options: LineagePostOptions = {},
  ) {
    this.endpoint = lineageEndpoint(url);
    this.attempts = options.attempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
  }

  /**
   * Posts `events` one by one, in order (a run's START before its end), each retried on a
   * network error, a 429 or a 5xx; a 4xx other than 429 is not retried (the event would be
   * refused again). Stops retrying when `deadline` (epoch ms) is near; never throws.
   */
  async postAll(events: readonly unknown[], deadline = Number.POSITIVE_INFINITY): Promise<LineagePostResult> {
    const result: LineagePostResult = { posted: 0, dropped: 0, attempts: 0 };
    for (const event of events) {
      if ((await this.postOne(event, deadline, result)) === 'posted') result.posted++;
      else result.dropped++;
    }
    return result;
  }

  private async postOne(event: unknown, deadline: number, result: LineagePostResult): Promise<'posted' | 'dropped'> {
    let last = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      if (attempt > 0) {
        const delay = this.baseDelayMs * 2 ** (attempt - 1);
        if (Date.now() + delay + this.requestTimeoutMs > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      result.attempts++;
      try {
        const reply = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(Math.max(1, Math.min(this.requestTimeoutMs, deadline - Date.now()))),
        });
        await reply.arrayBuffer().catch(() => undefined);
        if (reply.ok) return 'posted';
        last = `HTTP ${reply.status}`;
        if (reply.status < 500 && reply.status !== 429) break;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    this.options.log?.warn('OpenLineage event not delivered', { endpoint: this.endpoint, error: last, eventType: (event as { eventType?: string }).eventType ?? 'DatasetEvent' });
    return 'dropped';
  }
}

/**
 * Posts in the background, in order, without ever making a caller wait: the local outbox
 * relay's sink. At most `maxQueued` events wait; beyond that the oldest are dropped (logged),
 * so a long-down endpoint cannot grow memory without bound.
 */
export class BackgroundLineagePoster {
  private queue: unknown[] = [];
  private draining: Promise<void> | undefined;
  /** Every delivery outcome so far (tests read it). */
  readonly totals: LineagePostResult = { posted: 0, dropped: 0, attempts: 0 };

  constructor(
    private readonly poster: OpenLineageHttpPoster,
    private readonly maxQueued = 1_000,
  ) {}

  enqueue(event: unknown): void {
    this.queue.push(event);
    if (this.queue.length > this.maxQueued) {
      this.queue.shift();
      this.totals.dropped++;
    }
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Drops what is still queued (a stopping runtime does not wait out a down endpoint) and waits for the post in flight. */
  async close(): Promise<void> {
    this.totals.dropped += this.queue.length;
    this.queue = [];
    await this.draining;
  }

  /** Resolves when everything queued so far was posted or given up on. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const event = this.queue.shift();
      const r = await this.poster.postAll([event]);
      this.totals.posted += r.posted;
      this.totals.dropped += r.dropped;
      this.totals.attempts += r.attempts;
    }
  }
}
