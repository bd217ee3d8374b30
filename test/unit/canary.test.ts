/**
 * Canary routing: the arm is a pure function of (view, entity, percent), the same on every
 * server and every call, and the share of entities in the candidate arm is the percent asked.
 */
import fc from 'fast-check';
import { BUCKETS, canaryBucket, inCanary, route } from '../../core/canary';
import type { Candidate, Pointer } from '../../core/model';

const view = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,40}$/);
const entity = fc.string({ minLength: 1, maxLength: 64 });
const percent = fc.integer({ min: 0, max: 10_000 }).map((n) => n / 100);

describe('canary hashing', () => {
  it('is pinned: a change of hash would move live traffic between arms on deploy', () => {
    // First 4 bytes of sha256("user_profile\0u-42"), big-endian, mod 10,000.
    expect(canaryBucket('user_profile', 'u-42')).toBe(3801);
    expect(canaryBucket('user_profile', 'u1')).toBe(655);
    expect(canaryBucket('payments', 'acct-7')).toBe(2524);
  });

  it('property: the same (view, entity) always lands in the same bucket, within range', () => {
    fc.assert(
      fc.property(view, entity, (v, e) => {
        const b = canaryBucket(v, e);
        expect(b).toBe(canaryBucket(v, e));
        expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true);
      }),
    );
  });

  it('keeps view and entity apart: ("ab", "c") and ("a", "bc") hash differently', () => {
    expect(canaryBucket('ab', 'c')).not.toBe(canaryBucket('a', 'bc'));
  });

  it('property: widening a canary never moves an entity back to stable', () => {
    fc.assert(
      fc.property(view, entity, percent, percent, (v, e, p1, p2) => {
        const [low, high] = p1 <= p2 ? [p1, p2] : [p2, p1];
        if (inCanary(v, e, low)) expect(inCanary(v, e, high)).toBe(true);
      }),
    );
  });

  it('sends nobody at 0 % and everybody at 100 %', () => {
    fc.assert(fc.property(view, entity, (v, e) => !inCanary(v, e, 0) && inCanary(v, e, 100)));
  });

  it('property: the candidate arm holds `percent` of entities, within sampling error', () => {
    const n = 20_000;
    fc.assert(
      fc.property(view, fc.integer({ min: 1, max: 9_999 }).map((x) => x / 100), fc.integer({ min: 0, max: 1e6 }), (v, p, seed) => {
        let inside = 0;
        for (let i = 0; i < n; i++) if (inCanary(v, `user-${seed}-${i}`, p)) inside++;
        const q = p / 100;
        const sigma = Math.sqrt((q * (1 - q)) / n);
        // 5 sigma: a false alarm in ~1 of 3.5 million runs; the bucket grid adds at most 0.005 %.
        expect(Math.abs(inside / n - q)).toBeLessThanOrEqual(5 * sigma + 0.00005);
      }),
      { numRuns: 25 },
    );
  });

  it('splits the same entity set independently per view', () => {
    const entities = Array.from({ length: 5000 }, (_, i) => `u${i}`);
    const a = entities.filter((e) => inCanary('view_a', e, 50));
    const both = a.filter((e) => inCanary('view_b', e, 50));
    // Independent halves overlap on about a quarter.
    expect(both.length / entities.length).toBeGreaterThan(0.22);
    expect(both.length / entities.length).toBeLessThan(0.28);
  });
});

describe('route', () => {
  const base: Pick<Pointer, 'view' | 'stable'> = { view: 'v', stable: 1 };
  const candidate = (c: Partial<Candidate>): Candidate => ({ version: 2, strategy: 'canary', percent: 10, startedAt: '', startedBy: '', ...c });

  it('serves stable without an arm when nothing is on trial', () => {
    expect(route({ ...base }, 'u1')).toEqual({ version: 1 });
  });

  it('serves the candidate to the entities in the canary and stable to the rest, naming the arm', () => {
    fc.assert(
      fc.property(entity, percent, (e, p) => {
        const r = route({ ...base, candidate: candidate({ percent: p }) }, e);
        expect(r).toEqual(inCanary('v', e, p) ? { version: 2, arm: 'candidate' } : { version: 1, arm: 'stable' });
      }),
    );
  });

  it('never returns a shadow: it is only computed', () => {
    fc.assert(fc.property(entity, (e) => expect(route({ ...base, candidate: candidate({ strategy: 'shadow', percent: 0 }) }, e)).toEqual({ version: 1, arm: 'stable', shadow: 2 })));
  });
});
