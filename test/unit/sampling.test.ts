/** The serving sampler: bounded, uniform, asynchronous, and never in a request's way. */
import fc from 'fast-check';
import type { ViewDefinition } from '../../core/model';
import { ServingSampler, type SampleBatch, type SampleStore } from '../../core/sampling';

const definition: ViewDefinition = { entity: 'id', features: [{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }], tier: 'standard', owners: [] };

class ListStore implements SampleStore {
  batches: SampleBatch[] = [];
  /** Batches handed to put, before the (simulated) write lands. */
  pending: SampleBatch[] = [];
  fail = false;
  async put(batch: SampleBatch) {
    this.pending.push(batch);
    await Promise.resolve(); // like I/O: the write completes after the caller has moved on
    if (this.fail) throw new Error('throttled');
    this.batches.push(batch);
  }
  async recent() {
    return this.batches;
  }
}

describe('ServingSampler', () => {
  it('keeps at most `capacity` rows per view and version and counts every request', async () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 100 }), (requests, capacity) => {
        const store = new ListStore();
        const sampler = new ServingSampler(store, { capacity, flushIntervalMs: 1e9 });
        for (let i = 0; i < requests; i++) sampler.record('v', 1, definition, { a: i });
        sampler.flush();
        const [batch] = store.pending;
        if (requests === 0) return store.batches.length === 0;
        return batch!.rows.length === Math.min(requests, capacity) && batch!.served === requests;
      }),
    );
  });

  it('samples uniformly: every request is about equally likely to be kept', async () => {
    const kept = new Array<number>(10).fill(0);
    for (let run = 0; run < 400; run++) {
      const store = new ListStore();
      const sampler = new ServingSampler(store, { capacity: 10, flushIntervalMs: 1e9 });
      for (let i = 0; i < 100; i++) sampler.record('v', 1, definition, { a: i });
      await sampler.flush();
      for (const [a] of store.batches[0]!.rows) kept[Math.floor((a as number) / 10)]!++;
    }
    // 400 runs × 10 kept = 4000, 400 per decile of the stream; allow ±25%.
    for (const k of kept) expect(Math.abs(k - 400)).toBeLessThan(100);
  });

  it('records nulls for missing values, counts unknown entities as coverage (never as all-null rows), per version, in declared column order', async () => {
    const store = new ListStore();
    const sampler = new ServingSampler(store, { flushIntervalMs: 1e9 });
    sampler.record('v', 1, definition, { b: 'x' });
    sampler.record('v', 1, definition, undefined);
    sampler.record('v', 2, definition, { a: 3, b: 'y' });
    await sampler.flush();
    expect(store.batches.map((b) => [b.version, b.features, b.rows, b.served, b.unknown])).toEqual([
      [1, ['a', 'b'], [[null, 'x']], 2, 1],
      [2, ['a', 'b'], [[3, 'y']], 1, 0],
    ]);
  });

  it('flushes on its own once the interval has passed, without the caller waiting', async () => {
    let t = 0;
    const store = new ListStore();
    const sampler = new ServingSampler(store, { flushIntervalMs: 1000, now: () => t });
    sampler.record('v', 1, definition, { a: 1 });
    expect(store.batches).toHaveLength(0);
    t = 1000;
    sampler.record('v', 1, definition, { a: 2 }); // returns at once; the write happens after
    expect(store.batches).toHaveLength(0);
    await sampler.flush();
    expect(store.batches[0]!.rows).toEqual([[1, null], [2, null]]);
  });

  it('loses a batch, not a request, when the store fails', async () => {
    const store = new ListStore();
    store.fail = true;
    const errors: unknown[] = [];
    const sampler = new ServingSampler(store, { flushIntervalMs: 1e9, onError: (e) => errors.push(e) });
    sampler.record('v', 1, definition, { a: 1 });
    await expect(sampler.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('keeps a batch under the byte limit with a uniform subset', async () => {
    const store = new ListStore();
    const sampler = new ServingSampler(store, { capacity: 1000, flushIntervalMs: 1e9, maxBatchBytes: 2000 });
    for (let i = 0; i < 1000; i++) sampler.record('v', 1, definition, { a: i, b: 'x'.repeat(20) });
    await sampler.flush();
    const batch = store.batches[0]!;
    expect(JSON.stringify(batch.rows).length).toBeLessThan(2000);
    expect(batch.rows.length).toBeGreaterThan(10);
    expect(batch.served).toBe(1000);
  });
});
