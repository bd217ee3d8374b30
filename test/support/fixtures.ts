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
