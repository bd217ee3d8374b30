/**
 * The artifact port, for the functions that move pointers only.
 *
 * In AWS: artifacts are announced (core/artifacts.ts announceOnly): each is `requested` from its
 * owner by its `FeatureArtifactRefreshed` event. These functions publish no event at all: the
 * outbox (functions/publish-pointer-events.ts) publishes them from the change's history entry.
 * The local runtime installs its in-process invalidator (local/releases.ts) with
 * {@link useArtifactAdapters}.
 */
import { announceOnly, type ArtifactInvalidator } from '../../core/artifacts';
import type { Deps } from '../../core/deps';

export interface ArtifactAdapters {
  artifacts: ArtifactInvalidator;
}

let adapters: ArtifactAdapters | undefined;

/** Replace the adapters (the local runtime; tests). */
export function useArtifactAdapters(replacement: ArtifactAdapters | undefined): void {
  adapters = replacement;
}

/** `deps` with the artifact invalidator. */
export function withArtifacts(deps: Deps): Deps {
  return { ...deps, artifacts: adapters?.artifacts ?? announceOnly };
}
