/**
 * Serving samples: a bounded, uniform sample of what the serving path returns, per view and
 * version, for the drift monitor to compare with the version's baseline.
 *
 * The hot path pays one reservoir step per request (Algorithm R: a counter, a random number
 * and at most one array write, no allocation, no I/O). Every `flushIntervalMs` the
 * reservoirs are swapped for empty ones and written out as one batch per (view, version),
 * asynchronously: a request never waits for a flush, and a failed flush loses that interval's
 * sample (logged), never a response. Memory is bounded by capacity × live (view, version)
 * pairs; each batch by `maxBatchBytes`, below DynamoDB's 400 KB item limit.
 *
 * What is recorded is the entity's STORED values, with null where the entity has no value
 * (served as the feature's default): that is how snapshot profiles count nulls, so a served
 * sample and a baseline profile are comparable. A request for an entity the snapshot does not
 * hold at all (a new user) is NOT sampled as an all-null row: that is traffic mix, not drift,
 * and with ~10 % new users it alone tripped `nullRateIncrease` on a healthy version. It is
 * counted instead (`unknown`), and the monitor publishes the share as coverage
 * (UnknownEntityShare), a metric of its own; the reservoir is a uniform sample of the KNOWN
 * entities' requests.
 *
 * On Lambda a flush started near the end of an invocation may be frozen with the container
 * and finish on the next invocation; samples are monitoring data, so that delay is accepted
 * in exchange for never adding a write to a request's latency.
 */
import type { FeatureValue, ViewDefinition } from './model';

export interface SampleBatch {
  view: string;
  version: number;
  /** Column order of `rows`. */
  features: string[];
  /** One array per sampled request, aligned with `features`; null: no stored value. */
  rows: FeatureValue[][];
  /** Requests served for (view, version) during the interval, unknown entities included. */
  served: number;
  /**
   * Of `served`, requests for entities the version has no row for; the rows are a uniform
   * sample of the others. Absent on batches written before coverage was counted (read as 0).
   */
  unknown?: number;
  /** ISO times bounding the interval. */
  from: string;
  to: string;
}

/** Where sample batches go and come back from (the samples table, in store/). */
export interface SampleStore {
  put(batch: SampleBatch): Promise<void>;
  /** Batches of (view, version) whose interval ended at or after `since`, newest first. */
  recent(view: string, version: number, since: string, maxBatches: number): Promise<SampleBatch[]>;
}

/** What the serving path reports to; FeatureServer calls it once per served request. */
export interface ServeRecorder {
  record(view: string, version: number, definition: ViewDefinition, stored: Record<string, FeatureValue> | undefined): void;
}

export interface SamplerOptions {
  /** Rows kept per (view, version) per interval (default 200). */
  capacity?: number;
  /** How often reservoirs are written out (default 20 s). */
  flushIntervalMs?: number;
  /** Largest batch written, in bytes of JSON (default 300 KB). */
  maxBatchBytes?: number;
  random?: () => number;
  now?: () => number;
  onError?: (error: unknown, batch: Pick<SampleBatch, 'view' | 'version'>) => void;
}

interface Reservoir {
  view: string;
  version: number;
  definition: ViewDefinition;
  seen: number;
  /** Requests for entities with no row (not in the reservoir). */
  unknown: number;
  items: Record<string, FeatureValue>[];
}

export const DEFAULT_SAMPLE_CAPACITY = 200;
export const DEFAULT_SAMPLE_FLUSH_MS = 20_000;
const DEFAULT_MAX_BATCH_BYTES = 300_000;

/**
 * @example
 * const sampler = new ServingSampler(store, { flushIntervalMs: 1000 });
 * const server = new FeatureServer(deps, deps.online, 1000, performance, sampler);
 */
export class ServingSampler implements ServeRecorder {
  private reservoirs = new Map<string, Map<number, Reservoir>>();
  private readonly capacity: number;
  private readonly flushIntervalMs: number;
  private readonly maxBatchBytes: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private intervalStart: number;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: SampleStore,
    private readonly options: SamplerOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_SAMPLE_CAPACITY;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_SAMPLE_FLUSH_MS;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.intervalStart = this.now();
  }

  record(view: string, version: number, definition: ViewDefinition, stored: Record<string, FeatureValue> | undefined): void {
    let byVersion = this.reservoirs.get(view);
    if (!byVersion) this.reservoirs.set(view, (byVersion = new Map()));
    let r = byVersion.get(version);
    if (!r) byVersion.set(version, (r = { view, version, definition, seen: 0, unknown: 0, items: [] }));
    r.seen++;
    if (stored === undefined) r.unknown++;
    else if (r.items.length < this.capacity) r.items.push(stored);
    else {
      // Algorithm R over the known entities' requests only.
      const j = Math.floor(this.random() * (r.seen - r.unknown));
      if (j < this.capacity) r.items[j] = stored;
    }
    if (this.flushing === undefined && this.now() - this.intervalStart >= this.flushIntervalMs) void this.flush();
  }

  /** Write out what has been sampled since the last flush; resolves when the batches are stored. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const reservoirs = this.reservoirs;
    const from = new Date(this.intervalStart).toISOString();
    this.reservoirs = new Map();
    this.intervalStart = this.now();
    const to = new Date(this.intervalStart).toISOString();
    const writes: Promise<void>[] = [];
    for (const byVersion of reservoirs.values())
      for (const r of byVersion.values()) {
        if (r.seen === 0) continue;
        const batch = this.toBatch(r, from, to);
        writes.push(this.store.put(batch).catch((error: unknown) => this.options.onError?.(error, batch)));
      }
    const done = Promise.all(writes).then(() => undefined);
    this.flushing = done.finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Also flush on a timer, so a view whose traffic stops still gets its last interval written. */
  start(): this {
    this.timer ??= setInterval(() => {
      if (this.now() - this.intervalStart >= this.flushIntervalMs) void this.flush();
    }, Math.max(50, Math.floor(this.flushIntervalMs / 2)));
    this.timer.unref?.();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private toBatch(r: Reservoir, from: string, to: string): SampleBatch {
    const features = r.definition.features.map((f) => f.name);
    let items = r.items;
    // Keep a batch under the item limit: a uniform subset of the reservoir (a prefix would not be).
    const rowBytes = 8 + features.reduce((n, f) => n + 4 + JSON.stringify(items[0]?.[f] ?? null).length * 2, 0);
    const fit = Math.max(1, Math.floor(this.maxBatchBytes / rowBytes));
    if (items.length > fit) items = uniformSubset(items, fit, this.random);
    const rows = items.map((stored) => features.map((f) => stored[f] ?? null));
    return { view: r.view, version: r.version, features, rows, served: r.seen, unknown: r.unknown, from, to };
  }
}

function uniformSubset<T>(items: readonly T[], k: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}
