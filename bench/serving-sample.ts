/**
 * What serving samples cost the hot path. `FeatureServer.serve` is timed with and without the
 * sampler over in-memory stores, so the store's latency (a DynamoDB GetItem: milliseconds)
 * does not hide the sampler's cost: the percentage here is the worst case, and the absolute
 * nanoseconds per request are what a real request pays on top of its GetItem. The flush (one
 * batch per view and version per interval, off the request path) is timed separately.
 *
 * Standalone: `npx tsx bench/serving-sample.ts`.
 */
import { performance } from 'node:perf_hooks';
import type { FeatureValue, Pointer, VersionRecord, ViewDefinition } from '../core/model';
import { ServingSampler, type SampleBatch, type SampleStore } from '../core/sampling';
import { FeatureServer } from '../core/serving';

export interface ServingSampleRow {
  name: string;
  /** Median nanoseconds per served request (or per flush for the flush row). */
  nsPerOp: number;
  /** Relative to serving without the sampler, for the serving rows. */
  overheadPct?: number;
  ops: number;
}

const FEATURES = 20;
const definition: ViewDefinition = {
  entity: 'id',
  features: Array.from({ length: FEATURES }, (_, i) => ({ name: `f${i}`, type: i % 2 ? ('float' as const) : ('string' as const) })),
  tier: 'standard',
  owners: [],
};
const pointer: Pointer = { view: 'v', stable: 1, previousStable: [], rolledBack: [], disabledFeatures: [], revision: 1, updatedAt: '', updatedBy: '' };
const record = { view: 'v', version: 1, definition } as VersionRecord;
const values: Record<string, FeatureValue>[] = Array.from({ length: 1000 }, (_, e) =>
  Object.fromEntries(definition.features.map((f, i) => [f.name, i % 2 ? e * 0.5 + i : `c${(e + i) % 7}`])),
);
const registry = { pointers: { getPointer: async () => pointer }, catalog: { getVersion: async () => record } };
const online = { get: async (_v: string, _n: number, entity: string) => values[Number(entity)] };

class NullStore implements SampleStore {
  async put(_batch: SampleBatch) {}
  async recent() {
    return [];
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function timeServe(server: FeatureServer, ops: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) await server.serve('v', String(i % 1000));
  return ((performance.now() - t0) * 1e6) / ops;
}

/**
 * @example for (const row of await benchServingSample()) console.log(row.name, row.nsPerOp, row.overheadPct);
 */
export async function benchServingSample(options: { ops?: number; runs?: number } = {}): Promise<ServingSampleRow[]> {
  const ops = options.ops ?? 200_000;
  const runs = Math.max(5, options.runs ?? 7);
  const plain = new FeatureServer(registry, online, 60_000);
  const sampler = new ServingSampler(new NullStore(), { capacity: 200, flushIntervalMs: 1000 });
  const sampled = new FeatureServer(registry, online, 60_000, performance, sampler);
  await timeServe(plain, ops / 4); // warm-up (JIT)
  await timeServe(sampled, ops / 4);
  const base: number[] = [];
  const withSampler: number[] = [];
  // Interleaved, so drift in machine load hits both alike.
  for (let r = 0; r < runs; r++) {
    base.push(await timeServe(plain, ops));
    withSampler.push(await timeServe(sampled, ops));
  }
  const b = median(base);
  const s = median(withSampler);

  const flushes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const fresh = new ServingSampler(new NullStore(), { capacity: 200, flushIntervalMs: 1e9 });
    for (let i = 0; i < 10_000; i++) fresh.record('v', 1, definition, values[i % 1000]);
    const t0 = performance.now();
    await fresh.flush();
    flushes.push((performance.now() - t0) * 1e6);
  }
  return [
    { name: 'serve, no sampler (in-memory stores)', nsPerOp: Math.round(b), ops },
    { name: 'serve + reservoir sample (in-memory stores)', nsPerOp: Math.round(s), overheadPct: Math.round(((s - b) / b) * 1000) / 10, ops },
    { name: `flush: one batch of 200 rows × ${FEATURES} features (off the request path)`, nsPerOp: Math.round(median(flushes)), ops: 1 },
  ];
}

if (/(^|[\\/])bench[\\/]serving-sample(\.ts)?$/.test(process.argv[1] ?? '')) {
  benchServingSample().then(
    (rows) => {
      for (const r of rows) console.log(`${r.name.padEnd(72)} ${String(r.nsPerOp).padStart(9)} ns${r.overheadPct !== undefined ? `  (+${r.overheadPct}%)` : ''}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
