/**
 * Which arm of a canary serves an entity. The answer depends only on (view, entity, percent),
 * so every server, every container and every call agrees without asking anyone: the pointer
 * carries the split and serving needs no extra read.
 *
 * The hash is the first 4 bytes of sha256(view NUL entity), big-endian, taken modulo
 * BUCKETS. sha256 is in node:crypto (no dependency), is the same on every platform and
 * Node version, and mixes well enough that the share of entities in the candidate arm is
 * `percent` up to sampling noise (the unit tests check both with fast-check). The modulo
 * bias of 2^32 mod 10,000 is below 2 in a million, far under any percent one can ask for.
 *
 * Buckets are fixed per (view, entity), not per version: raising a canary from 5 % to 20 %
 * keeps the first 5 % in the candidate arm (an entity never flips back and forth as the
 * canary widens), and the version is deliberately left out so that a caller's arm can be
 * predicted from the view alone.
 */
import { createHash } from 'node:crypto';
import type { Candidate, Pointer } from './model';

/** Resolution of the split: percent is honoured to 0.01. */
export const BUCKETS = 10_000;

export type Arm = 'stable' | 'candidate';

/**
 * The entity's bucket in [0, BUCKETS).
 *
 * @example canaryBucket('user_profile', 'u-42') // 3801, on every machine, forever
 */
export function canaryBucket(view: string, entity: string): number {
  const digest = createHash('sha256').update(view).update('\0').update(entity).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/**
 * Whether `entity` is in the candidate arm of a canary at `percent` (0–100).
 *
 * @example inCanary('user_profile', 'u-42', 10) // false: bucket 3801 ≥ 1000
 */
export function inCanary(view: string, entity: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return canaryBucket(view, entity) < Math.round(percent * (BUCKETS / 100));
}

export interface Routing {
  /** The version whose values the caller gets. */
  version: number;
  /** Present while a candidate exists: which arm answered. */
  arm?: Arm;
  /** A shadow candidate to compute for the monitor only (never returned). */
  shadow?: number;
}

/**
 * Where a request for `entity` goes under `pointer` (which must have a stable version).
 *
 * @example route({ stable: 2, candidate: { version: 3, strategy: 'canary', percent: 10, … }, … }, 'u-42') // { version: 2, arm: 'stable' }
 */
export function route(pointer: Pick<Pointer, 'view' | 'stable' | 'candidate'>, entity: string): Routing {
  const stable = pointer.stable!;
  const candidate: Candidate | null | undefined = pointer.candidate;
  if (!candidate) return { version: stable };
  if (candidate.strategy === 'shadow') return { version: stable, arm: 'stable', shadow: candidate.version };
  return inCanary(pointer.view, entity, candidate.percent) ? { version: candidate.version, arm: 'candidate' } : { version: stable, arm: 'stable' };
}
