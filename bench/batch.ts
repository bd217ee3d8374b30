/**
 * Batch online reads: 100 entities in one POST /online/{view}/batch call vs the same 100 as
 * GET /online/{view}/{entity} calls one after another (as a model server without the batch
 * route would make them), both through the handlers (middy, auth, cached pointer, store,
 * defaults) against DynamoDB Local. Rounds alternate which goes first so drift hits both
 * equally; the figure is the ratio of medians (issue 14 expects ≥ 10).
 *
 * Standalone: `npx tsx bench/batch.ts`.
 */
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../local/gateway';
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { servingDefinition } from './fixture';
import { median, quantile, round, timed } from './measure';

export interface BatchBenchOptions {
  rows: number;
  /** Entities per batch (and single calls per round): the route's maximum, 100. */
  entities: number;
  /** Timed rounds, after `warmup` untimed ones. */
  runs: number;
  warmup: number;
}

export const DEFAULT_BATCH_BENCH: BatchBenchOptions = { rows: 2_000, entities: 100, runs: 30, warmup: 5 };

export interface BatchBenchResult {
  entities: number;
  runs: number;
  /** One batch call of `entities`. */
  batchMedianMs: number;
  batchP99Ms: number;
  /** `entities` single calls, sequential. */
  singlesMedianMs: number;
  singlesP99Ms: number;
  /** Median singles / median batch: the acceptance figure (≥ 10 expected). */
  speedup: number;
}

const definition = servingDefinition;

const claims = { sub: 'bench', roles: '[viewer]' };

export async function benchBatchServing(options: BatchBenchOptions = DEFAULT_BATCH_BENCH, log: (line: string) => void = console.log): Promise<BatchBenchResult> {
  const rewind = await startLocalRewind({ port: 0, pointerCacheMs: 1000, monitoring: false });
  try {
    const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
    const rows = Array.from({ length: options.rows }, (_, i) => ({ user_id: `u${i}`, age: 18 + (i % 60), country: ['FR', 'DE', 'US'][i % 3], avg_basket: (i % 2000) / 10 }));
    log(`batch bench: deploying ${options.rows} rows…`);
    const res = await fetch(`${rewind.url}/views/batchbench/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ definition, rows, activate: true }),
    });
    if (res.status !== 201) throw new Error(`deploy → ${res.status} ${await res.text()}`);

    const single = (await import('../functions/get-online')).handler;
    const batch = (await import('../functions/get-online-batch')).handler;
    // A context per call, as the gateway makes one per request: each carries its own deadline.
    const singleContext = (): Context => lambdaContext({ handler: 'get-online' });
    const batchContext = (): Context => lambdaContext({ handler: 'get-online-batch' });
    const requestContext = { authorizer: { jwt: { claims } } };
    const singleEvent = (entity: string) =>
      ({ version: '2.0', routeKey: 'GET /online/{view}/{entity}', rawPath: `/online/batchbench/${entity}`, pathParameters: { view: 'batchbench', entity }, requestContext, isBase64Encoded: false }) as never;
    const batchEvent = (entities: string[]) =>
      ({
        version: '2.0',
        routeKey: 'POST /online/{view}/batch',
        rawPath: '/online/batchbench/batch',
        pathParameters: { view: 'batchbench' },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ entities }),
        requestContext,
        isBase64Encoded: false,
      }) as never;
    const ok = (result: unknown) => {
      const r = result as { statusCode: number; body: string };
      if (r.statusCode !== 200) throw new Error(`serving failed: ${r.body}`);
    };

    log(`batch bench: ${options.runs} rounds of ${options.entities} entities, batch vs singles…`);
    const batchSamples: number[] = [];
    const singleSamples: number[] = [];
    for (let round_ = 0; round_ < options.runs + options.warmup; round_++) {
      const entities = Array.from({ length: options.entities }, (_, i) => `u${(round_ * options.entities + i * 7919) % options.rows}`);
      const viaBatch = () => timed(async () => ok(await batch(batchEvent(entities), batchContext())));
      const viaSingles = () =>
        timed(async () => {
          for (const entity of entities) ok(await single(singleEvent(entity), singleContext()));
        });
      const [b, s] = round_ % 2 === 0 ? [await viaBatch(), await viaSingles()] : [await viaSingles(), await viaBatch()].reverse();
      if (round_ >= options.warmup) (batchSamples.push(b!.ms), singleSamples.push(s!.ms));
    }
    return {
      entities: options.entities,
      runs: options.runs,
      batchMedianMs: round(median(batchSamples), 3),
      batchP99Ms: round(quantile(batchSamples, 0.99), 3),
      singlesMedianMs: round(median(singleSamples), 3),
      singlesP99Ms: round(quantile(singleSamples, 0.99), 3),
      speedup: round(median(singleSamples) / median(batchSamples), 2),
    };
  } finally {
    await rewind.stop();
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  benchBatchServing()
    .then((r) => {
      console.table(r);
      console.log(`100 single calls / one batch call (medians): ${r.speedup}×`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
