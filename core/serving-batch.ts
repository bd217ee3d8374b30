/**
 * Batch online reads: many entities of one view in one round trip to the store. Each entity
 * gets exactly the body `GET /online/{view}/{entity}` would give it (core/serving.ts
 * servedBody), through the same FeatureServer, so the pointer cache, its staleness bound
 * (invariant 4), the cached definitions and the serving sample are the single path's own:
 *
 * - one pointer read (cached) for the whole batch, then one hash per entity for its canary
 *   arm (core/canary.ts), so a batch sees one pointer and never mixes two revisions;
 * - one `getMany` for the served keys (one BatchGetItem for up to 100 entities, whatever arms
 *   they fall in); a shadow candidate's keys are a second, concurrent read for the monitor
 *   only, which never fails or delays the answer beyond the served read;
 * - every served entity is recorded by the recorder, one request each, as the single route does.
 */
import { route, type Routing } from './canary';
import type { OnlineKey, OnlineStore } from './ports';
import { servedBody, type FeatureServer, type ServedFeatures } from './serving';

export interface ServedBatch {
  view: string;
  /** One per requested entity, in the request's order. */
  results: ServedFeatures[];
}

export class BatchFeatureServer {
  constructor(
    private readonly server: FeatureServer,
    private readonly online: Pick<OnlineStore, 'getMany'>,
  ) {}

  /** @example await batch.serveMany('user_profile', ['u-1', 'u-2']) // { view, results: [{ entity: 'u-1', version: 3, … }, …] } */
  async serveMany(view: string, entities: readonly string[]): Promise<ServedBatch> {
    // The same bound as one entity's read: a row missing from an answer that came back after
    // the pointer aged past the bound is read again (FeatureServer.readInTime).
    return this.server.readInTime(view, async ({ pointer }) => {
      const routes: Routing[] = entities.map((entity) => route(pointer, entity));
      const keys: OnlineKey[] = routes.map((r, i) => ({ version: r.version, entity: entities[i]! }));
      const shadows: OnlineKey[] = this.server.recorder ? routes.flatMap((r, i) => (r.shadow === undefined ? [] : [{ version: r.shadow, entity: entities[i]! }])) : [];
      const versions = [...new Set(keys.map((k) => k.version))];
      const [definitions, stored] = await Promise.all([
        Promise.all(versions.map(async (v) => [v, await this.server.definition(view, v)] as const)).then((pairs) => new Map(pairs)),
        this.online.getMany(view, keys),
        shadows.length > 0 ? this.recordShadows(view, shadows) : undefined,
      ]);
      return {
        missing: stored.some((s) => s === undefined),
        answer: () => ({
          view,
          results: keys.map((key, i) => {
            const definition = definitions.get(key.version)!;
            this.server.recorder?.record(view, key.version, definition, stored[i]);
            const arm = routes[i]!.arm;
            return servedBody(pointer, { ...key, ...(arm ? { arm } : {}) }, definition, stored[i]);
          }),
        }),
      };
    });
  }

  private async recordShadows(view: string, keys: readonly OnlineKey[]): Promise<void> {
    try {
      // Every shadow key is the same candidate version.
      const [definition, stored] = await Promise.all([this.server.definition(view, keys[0]!.version), this.online.getMany(view, keys)]);
      keys.forEach((key, i) => this.server.recorder!.record(view, key.version, definition, stored[i]));
    } catch {
      // The caller is served from the stable arm whatever the shadow does.
    }
  }
}
