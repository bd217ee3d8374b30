/**
 * The policy document in force for READ requests, cached per container for
 * REWIND_POLICY_CACHE_MS (default 5 s): reading it once per request would put a DynamoDB
 * round trip on the serving path. A change made through this container is seen at once; one
 * made through another within that bound. Every request that changes something reads the
 * stored policy instead, once (functions/http/route.ts, core/pointer-changes.ts), so the rules
 * a change is judged by are never older than the request.
 */
import { config } from '../../contract/config';
import { currentPolicy, type PolicyView } from '../../core/access-policy-store';
import type { Governance } from '../../core/ports';

/** REWIND_POLICY_CACHE_MS, default 5 s (contract/config.ts). */
const cacheMs = (): number => config.policyCacheMs();

let cached: { policy: PolicyView; until: number } | undefined;
let loading: Promise<PolicyView> | undefined;

/** The policy in force, from the cache when it is fresh enough. */
export async function policyInForce(governance: Pick<Governance, 'getPolicy'>): Promise<PolicyView> {
  const now = performance.now();
  if (cached && now < cached.until) return cached.policy;
  // Concurrent requests on a cold cache share one read.
  loading ??= currentPolicy(governance)
    .then((policy) => {
      cached = { policy, until: performance.now() + cacheMs() };
      return policy;
    })
    .finally(() => (loading = undefined));
  return loading;
}

/** After this container stored a new revision: use it from now on. */
export function rememberPolicy(policy: PolicyView): void {
  cached = { policy, until: performance.now() + cacheMs() };
}

/** Forget the cached policy (tests). */
export function forgetPolicy(): void {
  cached = undefined;
}
