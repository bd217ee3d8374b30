/**
 * The hot path. A request costs one GetItem when the pointer is cached: pointers are cached
 * for a bounded time (invariant 4: after a rollback returns, every server serves the restored
 * version within that bound), version definitions forever (they are immutable).
 */
import { LRUCache } from 'lru-cache';
import { route, type Arm } from './canary';
import { NothingActiveError, ServedTooLateError } from './errors';
import type { FeatureValue, Pointer, ViewDefinition } from './model';
import type { OnlineStore, PointerLog, VersionCatalog } from './ports';
import { withDefaults } from './rows';
import type { ServeRecorder } from './sampling';

export const DEFAULT_POINTER_STALENESS_MS = 1000;

/**
 * Reads of one request whose online value may come back too late (see
 * {@link FeatureServer.readInTime}) before it answers 503 instead.
 */
export const IN_TIME_ATTEMPTS = 3;

export interface ServedFeatures {
  view: string;
  version: number;
  entity: string;
  /** False when the version has no row for this entity: every feature is its default. */
  found: boolean;
  features: Record<string, FeatureValue>;
  /** Features switched off on the pointer, served as their default. */
  disabled?: string[];
  /** While a candidate is on trial (canary or shadow): which arm answered. */
  arm?: Arm;
}

type CachedPointer = { pointer: Pointer | null; sent: number };

/** A pointer as the cache holds it, with when its read was sent (monotonic ms). */
export interface PointerRead {
  pointer: Pointer;
  sent: number;
}

export class FeatureServer {
  private readonly pointers: LRUCache<string, CachedPointer>;
  private readonly definitions = new LRUCache<string, ViewDefinition>({ max: 1000 });
  private readonly catalog: Pick<VersionCatalog, 'getVersion'>;
  private readonly clock: { now(): number };

  constructor(
    ports: { pointers: Pick<PointerLog, 'getPointer'>; catalog: Pick<VersionCatalog, 'getVersion'> },
    private readonly online: Pick<OnlineStore, 'get'>,
    readonly stalenessMs: number = DEFAULT_POINTER_STALENESS_MS,
    /** Monotonic milliseconds; injectable so tests can move time instead of waiting. */
    clock: { now(): number } = performance,
    /** Told about every served request (the serving sample for drift monitoring); must not block. */
    readonly recorder?: ServeRecorder,
  ) {
    this.catalog = ports.catalog;
    this.clock = clock;
    // A missing pointer is cached too, so unknown views cannot hammer the table.
    this.pointers = new LRUCache<string, CachedPointer>({
      max: 10_000,
      ttl: Math.max(1, stalenessMs),
      perf: clock,
      ttlResolution: 0,
      // The entry's age counts from when the read was SENT, not when it came back: a read in
      // flight while a rollback commits may return the old pointer, and it must not then be
      // kept a full bound past the rollback's return.
      fetchMethod: async (view, _stale, { options }) => {
        const sent = clock.now();
        const pointer = (await ports.pointers.getPointer(view)) ?? null;
        options.ttl = Math.max(1, stalenessMs - (clock.now() - sent));
        return { pointer, sent };
      },
    });
  }

  /** @example await server.serve('user_profile', 'u-42') // { version: 3, features: { age: 31, ... } } */
  async serve(view: string, entity: string): Promise<ServedFeatures> {
    return this.readInTime(view, async ({ pointer }) => {
      // The pointer carries the split: choosing the arm is a hash, not a read (core/canary.ts).
      const { version, arm, shadow } = route(pointer, entity);
      const [definition, stored] = await Promise.all([
        this.definition(view, version),
        this.online.get(view, version, entity),
        // A shadow is computed beside the answer, for the monitor only, and never fails it.
        shadow !== undefined && this.recorder ? this.recordShadow(view, shadow, entity) : undefined,
      ]);
      return {
        missing: stored === undefined,
        answer: () => {
          this.recorder?.record(view, version, definition, stored);
          return servedBody(pointer, { version, entity, ...(arm ? { arm } : {}) }, definition, stored);
        },
      };
    });
  }

  /**
   * Runs `read` on the view's pointer and answers what it found, unless it found a row missing
   * after the pointer had aged past the bound. A purge may delete a version's rows as soon as
   * the bound has passed since it stopped being served (core/purge.ts), so a read whose value
   * comes back later than that (a slow store, a call retried through faults) may have been
   * made for a version purged meanwhile: its "not found" is not the entity's. Such a read is
   * made again on a pointer read now; after {@link IN_TIME_ATTEMPTS} the caller gets a 503.
   * A value found is always right (versions are immutable), whenever it came back. With a
   * bound of 0 (no cache) nothing is read again: a purge then fences no read in flight at all.
   */
  async readInTime<T>(view: string, read: (pointer: PointerRead) => Promise<{ missing: boolean; answer: () => T }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const pointerRead = await this.activePointerRead(view);
      const { missing, answer } = await read(pointerRead);
      if (!missing || this.stalenessMs === 0 || this.clock.now() - pointerRead.sent <= this.stalenessMs) return answer();
      if (attempt >= IN_TIME_ATTEMPTS) throw new ServedTooLateError(view, attempt, this.stalenessMs);
    }
  }

  /**
   * The view's pointer through the staleness-bounded cache; the batch path
   * (core/serving-batch.ts) shares it, so both routes obey the same bound.
   */
  async activePointer(view: string): Promise<Pointer> {
    return (await this.activePointerRead(view)).pointer;
  }

  /** {@link activePointer}, with when its read was sent. */
  async activePointerRead(view: string): Promise<PointerRead> {
    const { pointer, sent } = (await this.pointers.fetch(view))!;
    // Telling "no such view" from "never activated" would cost a read on every miss; both
    // mean there is nothing to serve.
    if (!pointer || pointer.stable === null) throw new NothingActiveError(view);
    return { pointer, sent };
  }

  private async recordShadow(view: string, version: number, entity: string): Promise<void> {
    try {
      const [definition, stored] = await Promise.all([this.definition(view, version), this.online.get(view, version, entity)]);
      this.recorder!.record(view, version, definition, stored);
    } catch {
      // The caller is served from the stable arm whatever the shadow does.
    }
  }

  /** Drop cached pointers (tests, and the local runtime after it changes one in-process). */
  forget(view?: string): void {
    if (view) this.pointers.delete(view);
    else this.pointers.clear();
  }

  /** A version's definition, cached forever (versions are immutable). */
  async definition(view: string, version: number): Promise<ViewDefinition> {
    const key = `${view}#${version}`;
    const cached = this.definitions.get(key);
    if (cached) return cached;
    const record = await this.catalog.getVersion(view, version);
    // The pointer named this version, so its record exists: records are written before any
    // pointer can reference them and are never deleted.
    if (!record) throw new NothingActiveError(view);
    this.definitions.set(key, record.definition);
    return record.definition;
  }
}

/** What one entity is served: stored values over the defaults, kill switches applied (shared by the batch path). */
export function servedBody(
  pointer: Pointer,
  routed: { version: number; entity: string; arm?: Arm },
  definition: ViewDefinition,
  stored: Record<string, FeatureValue> | undefined,
): ServedFeatures {
  const features = withDefaults(definition, stored);
  const { version, entity, arm } = routed;
  const served: ServedFeatures = { view: pointer.view, version, entity, found: stored !== undefined, features, ...(arm ? { arm } : {}) };
  if (pointer.disabledFeatures.length > 0) {
    for (const name of pointer.disabledFeatures) {
      if (name in features) features[name] = definition.features.find((f) => f.name === name)?.default ?? null;
    }
    served.disabled = pointer.disabledFeatures;
  }
  return served;
}
