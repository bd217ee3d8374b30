/**
 * Serving overhead of a canary: the same GET /online handler (middy, auth, cached pointer,
 * GetItem, defaults) on a view with a 50 % canary and on a plain view, called alternately
 * against DynamoDB Local so drift hits both equally. The canary adds a sha256 of view + entity
 * and nothing else: the split travels with the cached pointer, so there is no extra DynamoDB
 * round trip (the count of pointer reads per request is measured too, not assumed). The bare
 * cost of choosing the arm is measured on its own.
 *
 * Standalone: `npx tsx bench/canary.ts`.
 */
import type { Context } from 'aws-lambda';
import { route } from '../core/canary';
import { lambdaContext } from '../local/gateway';
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { servingDefinition } from './fixture';
import { median, quantile, round, timed } from './measure';

export interface CanaryBenchOptions {
  rows: number;
  /** Timed calls per view, after `warmup` untimed ones. */
  runs: number;
  warmup: number;
  percent: number;
}

export const DEFAULT_CANARY_BENCH: CanaryBenchOptions = { rows: 2_000, runs: 2_000, warmup: 200, percent: 50 };

export interface CanaryBenchResult {
  runs: number;
  percent: number;
  plainMedianMs: number;
  canaryMedianMs: number;
  plainP99Ms: number;
  canaryP99Ms: number;
  /** Median canary / median plain: the acceptance figure (1.0 = no overhead). */
  medianRatio: number;
  /** Share of canary requests answered by the candidate arm. */
  candidateShare: number;
  /** Pointer reads per request on the canary view (≈ 0: one per staleness window). */
  pointerReadsPerRequest: number;
  /** Choosing the arm alone (the hash), in microseconds. */
  routeMedianUs: number;
}

const definition = servingDefinition;

export async function benchCanaryServing(options: CanaryBenchOptions = DEFAULT_CANARY_BENCH, log: (line: string) => void = console.log): Promise<CanaryBenchResult> {
  const rewind = await startLocalRewind({ port: 0, pointerCacheMs: 1000, monitoring: false });
  try {
    const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(rewind.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
      return res.json();
    };
    const rowsFor = (seed: number) =>
      Array.from({ length: options.rows }, (_, i) => ({ user_id: `u${i}`, age: 18 + ((i + seed) % 60), country: ['FR', 'DE', 'US'][(i + seed) % 3], avg_basket: ((i * 13 + seed) % 2000) / 10 }));
    log(`canary bench: deploying 2 views × 2 versions × ${options.rows} rows…`);
    for (const view of ['plain', 'canary']) {
      await call('POST', `/views/${view}/versions`, { definition, rows: rowsFor(1), activate: true });
      await call('POST', `/views/${view}/versions`, { definition, rows: rowsFor(2) });
    }
    await call('POST', '/views/plain/activate', { version: 2 });
    await call('POST', '/views/canary/activate', { version: 2, strategy: 'canary', percent: options.percent });

    const { handler } = await import('../functions/get-online');
    const { getDeps } = await import('../functions/commons/deps');
    const registry = getDeps().pointers;
    let pointerReads = 0;
    const getPointer = registry.getPointer.bind(registry);
    registry.getPointer = (view: string) => (view === 'canary' && pointerReads++, getPointer(view));
    const context: Context = lambdaContext({ handler: 'get-online' });
    const event = (view: string, entity: string) =>
      ({
        version: '2.0',
        routeKey: 'GET /online/{view}/{entity}',
        rawPath: `/online/${view}/${entity}`,
        pathParameters: { view, entity },
        requestContext: { authorizer: { jwt: { claims: { sub: 'bench', roles: '[viewer]' } } } },
        isBase64Encoded: false,
      }) as never;

    log(`canary bench: ${options.runs} calls per view, alternating…`);
    const plain: number[] = [];
    const canary: number[] = [];
    let candidate = 0;
    let canaryCalls = 0;
    for (let i = 0; i < options.runs + options.warmup; i++) {
      const entity = `u${(i * 7919) % options.rows}`;
      const one = (view: string) => timed(() => handler(event(view, entity), context));
      const order = i % 2 === 0 ? (['plain', 'canary'] as const) : (['canary', 'plain'] as const);
      for (const view of order) {
        const { ms, value } = await one(view);
        const result = value as { statusCode: number; body: string };
        if (result.statusCode !== 200) throw new Error(`serving failed: ${result.body}`);
        if (i < options.warmup) continue;
        (view === 'plain' ? plain : canary).push(ms);
        if (view === 'canary') {
          canaryCalls++;
          if ((JSON.parse(result.body) as { arm?: string }).arm === 'candidate') candidate++;
        }
      }
    }
    registry.getPointer = getPointer;

    const pointer = { view: 'canary', stable: 1, candidate: { version: 2, strategy: 'canary' as const, percent: options.percent, startedAt: '', startedBy: '' } };
    const routeSamples: number[] = [];
    for (let batch = 0; batch < 50; batch++) {
      const started = performance.now();
      for (let i = 0; i < 1000; i++) route(pointer, `u${batch * 1000 + i}`);
      routeSamples.push(((performance.now() - started) / 1000) * 1000);
    }

    return {
      runs: options.runs,
      percent: options.percent,
      plainMedianMs: round(median(plain), 3),
      canaryMedianMs: round(median(canary), 3),
      plainP99Ms: round(quantile(plain, 0.99), 3),
      canaryP99Ms: round(quantile(canary, 0.99), 3),
      medianRatio: round(median(canary) / median(plain), 3),
      candidateShare: round(candidate / canaryCalls, 3),
      pointerReadsPerRequest: round(pointerReads / canaryCalls, 4),
      routeMedianUs: round(median(routeSamples), 2),
    };
  } finally {
    await rewind.stop();
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  benchCanaryServing()
    .then((r) => {
      console.table(r);
      console.log(`median ratio canary / plain: ${r.medianRatio}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
