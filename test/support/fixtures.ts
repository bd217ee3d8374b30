import type { PointerLog } from '../../core/ports';
import type { Caller } from './rewind';

/** The feature view every suite deploys, and rows for it. */
export const userProfile = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int', default: 0 },
    { name: 'country', type: 'string', default: 'unknown' },
    { name: 'avg_basket', type: 'float' },
    { name: 'is_premium', type: 'bool', default: false },
  ],
} as const;

export function rows(count: number, seed = 1): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    user_id: `u${i}`,
    age: 18 + ((i * 7 + seed) % 60),
    country: ['FR', 'DE', 'US', 'JP'][(i + seed) % 4],
    avg_basket: Math.round(((i * 13 + seed * 5) % 200) * 10) / 100 + seed,
    is_premium: (i + seed) % 3 === 0,
  }));
}

export function deployBody(seed: number, count = 20, extra: Record<string, unknown> = {}) {
  return { definition: userProfile, rows: rows(count, seed), changelog: `seed ${seed}`, consumers: ['churn-model'], ...extra };
}

/** Derived artifacts of the user-profile view: one of each kind, refreshed on pointer changes. */
export const churnArtifacts = [
  { kind: 'dashboard', name: 'churn-dashboard' },
  { kind: 'feature-vector-table', name: 'churn-vectors' },
  { kind: 'cache-namespace', name: 'user-profile-cache' },
];

/** Deploys v1 (activated) and v2 (not) of 200 rows each: the start of every release story. */
export async function deployTwoVersions(caller: Pick<Caller, 'post'>, view: string, extra: Record<string, unknown> = {}): Promise<void> {
  expect((await caller.post(`/views/${view}/versions`, deployBody(1, 200, { activate: true, ...extra }))).status).toBe(201);
  expect((await caller.post(`/views/${view}/versions`, deployBody(2, 200, extra))).status).toBe(201);
}

export const CRASH_AFTER_COMMIT = 'process died after the commit';

/**
 * `pointers`, in a process that dies the moment a pointer change's transaction lands: the change
 * is committed, and nothing after the commit runs (no in-request step, no response).
 */
export function crashingAfterCommit<R extends PointerLog>(pointers: R): R {
  return new Proxy(pointers, {
    get: (target, key) =>
      key === 'commitPointerChange'
        ? async (change: Parameters<PointerLog['commitPointerChange']>[0]) => {
            await target.commitPointerChange(change);
            throw new Error(CRASH_AFTER_COMMIT);
          }
        : Reflect.get(target, key),
  });
}
