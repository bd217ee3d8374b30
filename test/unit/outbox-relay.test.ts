/**
 * The local outbox relay (local/outbox.ts) loses no committed change: a pass publishes every
 * entry above the last one it relayed, oldest first, however many there are, and `stop()`
 * publishes what was committed since the last pass.
 */
import type { HistoryEntry } from '../../core/model';
import { HistoryOutboxRelay, type OutboxEvent } from '../../local/outbox';

function entry(view: string, revision: number): HistoryEntry {
  const pointer = { view, stable: revision, revision } as unknown as HistoryEntry['after'];
  return { view, revision, action: 'activate', actor: 'ada', at: '2026-01-01T00:00:00.000Z', fromVersion: revision - 1 || null, toVersion: revision, before: null, after: pointer, auditId: `a${revision}` };
}

/** A history table as the Registry port reads it: the newest `limit` entries of a view, newest first. */
function fakeHistory() {
  const entries: HistoryEntry[] = [];
  const reads: number[] = [];
  const commit = (view: string, count: number) => {
    const from = entries.filter((e) => e.view === view).length;
    for (let i = 1; i <= count; i++) entries.push(entry(view, from + i));
  };
  const registry = {
    listViews: async () => [...new Set(entries.map((e) => e.view))],
    history: async (view: string, limit: number) => {
      reads.push(limit);
      return entries.filter((e) => e.view === view).reverse().slice(0, limit);
    },
  };
  return { registry, commit, reads };
}

const relayed = (events: OutboxEvent[]) => events.map((e) => `${String(e.detail.view)}#${String(e.detail.revision)}`);
const revisions = (view: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${view}#${from + i}`);

describe('local outbox relay', () => {
  it('relays all of 150 changes to one view committed between two passes, in revision order', async () => {
    const { registry, commit, reads } = fakeHistory();
    commit('v', 3); // before start: published by an earlier run
    const events: OutboxEvent[] = [];
    const relay = await new HistoryOutboxRelay({ catalog: registry, pointers: registry }, [{ publish: (e: OutboxEvent) => events.push(e) }], 60_000).start();
    try {
      commit('v', 5);
      await relay.poll();
      expect(relayed(events)).toEqual(revisions('v', 4, 8));
      events.length = 0;

      commit('v', 150);
      commit('w', 2);
      reads.length = 0;
      await relay.poll();
      expect(relayed(events.filter((e) => e.detail.view === 'v'))).toEqual(revisions('v', 9, 158));
      expect(relayed(events.filter((e) => e.detail.view === 'w'))).toEqual(revisions('w', 1, 2));
      expect(reads).toEqual([100, 200, 100]); // v read twice (more than 100 new), w once

      events.length = 0;
      await relay.poll();
      expect(events).toEqual([]); // nothing twice
    } finally {
      await relay.stop();
    }
  });

  it('stop() relays the changes committed since the last pass', async () => {
    const { registry, commit } = fakeHistory();
    const events: OutboxEvent[] = [];
    const relay = await new HistoryOutboxRelay({ catalog: registry, pointers: registry }, [{ publish: (e: OutboxEvent) => events.push(e) }], 60_000).start();
    commit('v', 2);
    await relay.poll();
    commit('v', 3);
    await relay.stop();
    expect(relayed(events)).toEqual(revisions('v', 1, 5));
  });
});
