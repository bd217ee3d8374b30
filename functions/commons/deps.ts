/**
 * The store adapters, built once per container on first use (clients at module scope,
 * never per request) from the environment the stack or the local runtime provides.
 */
import type { Deps } from '../../core/deps';
import { createDeps } from '../../store';
import { documentClient } from './dynamo';

let deps: Deps | undefined;

export function getDeps(): Deps {
  deps ??= createDeps(undefined, documentClient());
  return deps;
}
