/**
 * A Notifier (core/notifier.ts) that POSTs each notice as JSON to a webhook (REWIND_NOTIFY_URL):
 * what an on-call tool (a chat incoming webhook, an incident tool's events endpoint) receives.
 * Each attempt has a timeout; a failure (network error, 5xx, 429) is retried with exponential
 * backoff, then logged and given up. It never throws: a webhook that is down must cost a page,
 * never the rollback or the runbook that raised it. The notice's `key` goes out as the
 * `Idempotency-Key` header, so a receiver that sees a retry of a delivered notice drops it.
 */
import type { Notice, Notifier } from '../core/notifier';

export interface WebhookOptions {
  /** Attempts in all (default 4). */
  attempts?: number;
  /** Backoff before the second attempt, doubled each time (default 200 ms). */
  backoffMs?: number;
  /** Per attempt (default 2 s). */
  timeoutMs?: number;
  /** Where a notice that could not be delivered is logged (default stderr). */
  log?: (line: string) => void;
  /** Told of each attempt's outcome (tests, status). */
  onAttempt?: (attempt: number, outcome: number | string) => void;
}

export class WebhookNotifier implements Notifier {
  /** Notices given up on, newest last (bounded): what `npm start`'s status can show. */
  readonly undelivered: Notice[] = [];

  constructor(
    private readonly url: string,
    private readonly options: WebhookOptions = {},
  ) {}

  async notify(notice: Notice): Promise<void> {
    const attempts = this.options.attempts ?? 4;
    const log = this.options.log ?? ((line: string) => console.error(line));
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(notice.key ? { 'idempotency-key': notice.key } : {}) },
          body: JSON.stringify({ source: 'rewind', ...notice }),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000),
        });
        await response.arrayBuffer().catch(() => undefined);
        this.options.onAttempt?.(attempt, response.status);
        // A 4xx other than 429 will not get better by retrying: the receiver refused it.
        if (response.ok) return;
        last = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.options.onAttempt?.(attempt, last);
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, (this.options.backoffMs ?? 200) * 2 ** (attempt - 1)));
    }
    this.undelivered.push(notice);
    if (this.undelivered.length > 100) this.undelivered.shift();
    try {
      log(`!!! REWIND webhook ${this.url} did not take the ${notice.kind} notice of ${notice.view} after ${attempts} attempt(s) (${last}): ${notice.summary}`);
    } catch {
      // A notification never fails its caller.
    }
  }
}

/** Every notifier told, in order, each on its own (one failing never stops the next). */
export function fanOut(...notifiers: Notifier[]): Notifier {
  return {
    notify: async (notice) => {
      for (const n of notifiers) await n.notify(notice).catch(() => undefined);
    },
  };
}
