/**
 * A per-principal throttle on refused callers, per container: a principal refused more than
 * `limit` times in the current minute gets 429 with Retry-After (the seconds left in that
 * minute) for every request until the minute ends, answered before the policy or the body is
 * read and writing nothing. Refusals below the limit are recorded as usual (the refusal log
 * folds a flood into one counted entry per minute); past it a misbehaving client costs one
 * map lookup per request. A legitimate caller is never refused this often.
 *
 * Fixed one-minute windows, not a token bucket: the same window the refusal log aggregates
 * by, so "refused N times this minute" means the same in both.
 */
export class RefusalThrottle {
  private minute = -1;
  private readonly counts = new Map<string, number>();
  /** Principals told 429 this minute: logged once per minute each, not once per request. */
  private readonly announced = new Set<string>();

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): number {
    const t = this.now();
    const minute = Math.floor(t / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.counts.clear();
      this.announced.clear();
    }
    return t;
  }

  /** Count one refusal of `sub`. */
  refused(sub: string): void {
    this.roll();
    this.counts.set(sub, (this.counts.get(sub) ?? 0) + 1);
  }

  /**
   * Seconds `sub` must wait, or undefined when it may proceed. `first` is true the first time
   * in a window that `sub` is throttled (log it then).
   */
  retryAfter(sub: string): { seconds: number; first: boolean } | undefined {
    const t = this.roll();
    if ((this.counts.get(sub) ?? 0) < this.limit) return undefined;
    const first = !this.announced.has(sub);
    this.announced.add(sub);
    return { seconds: Math.max(1, Math.ceil(((this.minute + 1) * 60_000 - t) / 1000)), first };
  }
}

/** Refusals per principal per minute, per container, before 429: 2 a second on average. */
export const REFUSALS_BEFORE_THROTTLE = 120;

/** The container's throttle, shared by every route of this bundle. */
export const refusalThrottle = new RefusalThrottle(REFUSALS_BEFORE_THROTTLE);
