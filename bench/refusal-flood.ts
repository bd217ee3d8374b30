/**
 * Pointer-change latency on one view, without and with a flood of refused requests on that
 * view (issue 15 item 6), on the local runtime (DynamoDB Local + s3rver). Before the refusal
 * log, each refusal appended to the view's audit chain under a condition on its head, and 8
 * flooding loops raised pointer-change latency from 40 ms to 151 ms median (1.7 s max); now
 * refusals go to the refusal log and the figure should barely move.
 *
 * Each flooding loop is its own principal, so the per-principal throttle (429 past 120
 * refusals a minute) stays out of the way for most of the run and refusals are really recorded.
 *
 * Standalone: `npx tsx bench/refusal-flood.ts` (starts its own emulators; needs Java 17+).
 */
import { startLocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { median, quantile } from './measure';

export interface RefusalFloodRow {
  name: string;
  changes: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Pointer changes that did not answer 200 (none expected: none is "too contended"). */
  failed: number;
  refusals: number;
}

export interface RefusalFloodOptions {
  /** Pointer changes measured per case. @default 30 */
  changes?: number;
  /** Concurrent flooding loops. @default 8 */
  loops?: number;
  dynamoEndpoint?: string;
  s3Endpoint?: string;
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

function client(url: string, token: string): Call {
  return async (method, path, body) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  };
}

const definition = { entity: 'id', features: [{ name: 'x', type: 'float' }] };
const rows = (shift: number) => Array.from({ length: 20 }, (_, i) => ({ id: `e${i}`, x: i + shift }));

/**
 * Pointer-change latency (activate, alternating two versions) with no flood, then with
 * `loops` concurrent loops of refused rollbacks on the same view.
 *
 * @example const [quiet, flooded] = await benchRefusalFlood(); // flooded.medianMs / quiet.medianMs ≈ 1
 */
export async function benchRefusalFlood(options: RefusalFloodOptions = {}): Promise<RefusalFloodRow[]> {
  const changes = options.changes ?? 30;
  const loops = options.loops ?? 8;
  const tag = Date.now().toString(36);
  const rewind = await startLocalRewind({
    port: 0,
    tablePrefix: `bench-flood-${tag}`,
    bucket: `bench-flood-${tag}`,
    monitoring: false,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
  });
  try {
    const admin = client(rewind.url, await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] }));
    const flooders = await Promise.all(Array.from({ length: loops }, async (_, i) => client(rewind.url, await mintToken(rewind.jwtSecret, { sub: `flood${i}`, roles: ['viewer'] }))));
    const view = `flood_${tag}`;
    for (const shift of [0, 1]) {
      const deployed = await admin('POST', `/views/${view}/versions`, { definition, rows: rows(shift), activate: shift === 0 });
      if (deployed.status !== 201) throw new Error(`deploy answered ${deployed.status}`);
    }
    let next = 2;
    const measure = async (name: string, flood: boolean): Promise<RefusalFloodRow> => {
      let flooding = flood;
      let refusals = 0;
      const floods = flood
        ? flooders.map(async (call) => {
            // Bounded by the measurement: each loop stops when the pointer changes are done.
            while (flooding) if ((await call('POST', `/views/${view}/rollback`, { reason: 'flood' })).status === 403) refusals++;
          })
        : [];
      const ms: number[] = [];
      let failed = 0;
      for (let i = 0; i < changes; i++) {
        const started = performance.now();
        const reply = await admin('POST', `/views/${view}/activate`, { version: next });
        ms.push(performance.now() - started);
        if (reply.status !== 200) failed++;
        next = next === 2 ? 1 : 2;
      }
      flooding = false;
      await Promise.all(floods);
      return { name, changes, medianMs: median(ms), p95Ms: quantile(ms, 0.95), maxMs: Math.max(...ms), failed, refusals };
    };
    return [await measure('pointer changes, no flood', false), await measure(`pointer changes, ${loops} loops of refused requests on the view`, true)];
  } finally {
    await rewind.stop();
  }
}

if (require.main === module) {
  benchRefusalFlood().then((r) => console.table(r), (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
