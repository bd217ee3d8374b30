/**
 * The store adapters, built once per container on first use (clients at module scope,
 * never per request) from the environment the stack or the local runtime provides.
 */
import type { Deps } from '../../core/deps';
import { FeatureServer } from '../../core/serving';
import { createDeps } from '../../store';

let deps: Deps | undefined;
let server: FeatureServer | undefined;

export function getDeps(): Deps {
  deps ??= createDeps();
  return deps;
}

export function getFeatureServer(): FeatureServer {
  const staleness = Number(process.env.REWIND_POINTER_CACHE_MS ?? 1000);
  server ??= new FeatureServer(getDeps().registry, getDeps().online, staleness);
  return server;
}
