/**
 * Derived-artifact events go through the history outbox (DESIGN invariant 5): a pointer
 * change records its artifact plan in its own history entry, and the outbox publisher (in AWS
 * store/eventbridge-outbox.ts, locally local/outbox.ts, both through `historyEvents`)
 * emits the pointer event and then one event per artifact from that entry alone. So a crash
 * right after the commit loses no artifact event, and a redelivered record yields the same
 * events, ids included.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ARTIFACT_EVENT } from '../../core/artifacts';
import { parse, DeployRequestSchema } from '../../core/requests';
import { deployVersion } from '../../core/deploy';
import type { HistoryEntry } from '../../core/model';
import { activateVersion, rollbackView } from '../../core/pointer-changes';
import { historyEvents } from '../../contract/events';
import { createPublisher } from '../../store/eventbridge-outbox';
import { HistoryOutboxRelay, type OutboxEvent } from '../../local/outbox';
import { LocalArtifactInvalidator, LocalEventLog } from '../../local/releases';
import { CRASH_AFTER_COMMIT, crashingAfterCommit, deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';
import { fakeEventsClient, streamRecord } from '../support/stream';

const artifacts = [
  { kind: 'dashboard', name: 'churn-board' },
  { kind: 'feature-vector-table', name: 'churn-vectors' },
  { kind: 'cache-namespace', name: 'user-cache' },
];
const request = (seed: number, extra: Record<string, unknown> = {}) => parse(DeployRequestSchema, deployBody(seed, 20, extra), 'body');
const details = (entries: readonly PutEventsRequestEntry[]): Record<string, unknown>[] => entries.map((e) => ({ detailType: e.DetailType, ...(JSON.parse(e.Detail!) as Record<string, unknown>) }));

/** v1 (active, declaring the artifacts) and v2 (not active), with the local invalidator wired. */
async function twoVersions() {
  const deps = memoryDeps();
  const invalidator = new LocalArtifactInvalidator();
  const wired = { ...deps, artifacts: invalidator };
  await deployVersion(wired, 'dev', 'v', request(1, { activate: true, artifacts }));
  await deployVersion(wired, 'dev', 'v', request(2, { artifacts }));
  return { deps, invalidator, wired };
}

describe('artifact events from the history entry', () => {
  it('the entry carries the plan; the outbox emits its pointer event, then one event per artifact in order, with fixed ids', async () => {
    const { deps, wired } = await twoVersions();
    const activated = await activateVersion(wired, 'dev', 'v', { version: 2, reason: 'new model' });
    const entry = deps.pointers.historyEntries.at(-1)!;
    expect(entry.artifacts!.map((a) => [a.name, a.tier, a.order, a.status, a.declaredBy])).toEqual([
      ['user-cache', 'data', 0, 'invalidated', [2, 1]],
      ['churn-vectors', 'model', 1, 'requested', [2, 1]],
      ['churn-board', 'dashboard', 2, 'requested', [2, 1]],
    ]);

    const { client, sent } = fakeEventsClient();
    const record = streamRecord(entry);
    const publish = createPublisher(client, () => 'rewind-bus');
    expect(await publish({ Records: [record] })).toEqual({ batchItemFailures: [] });
    // The stream delivers at least once: the same record again gives the very same events.
    await publish({ Records: [record] });
    expect(sent.map((call) => call.map((e) => e.Detail))).toEqual([sent[0]!.map((e) => e.Detail), sent[0]!.map((e) => e.Detail)]);

    const events = details(sent[0]!);
    expect(events.map((e) => [e.detailType, e.eventId])).toEqual([
      ['FeatureViewActivated', 'v#2'],
      [ARTIFACT_EVENT, 'v#2#cache-namespace#user-cache'],
      [ARTIFACT_EVENT, 'v#2#feature-vector-table#churn-vectors'],
      [ARTIFACT_EVENT, 'v#2#dashboard#churn-board'],
    ]);
    // The shape users' rules read, field for field.
    expect(events[2]).toEqual({
      detailType: ARTIFACT_EVENT,
      eventId: 'v#2#feature-vector-table#churn-vectors',
      view: 'v',
      revision: 2,
      action: 'activate',
      fromVersion: 1,
      toVersion: 2,
      serves: { stable: 2 },
      auditId: activated.auditId,
      artifact: { kind: 'feature-vector-table', name: 'churn-vectors', tier: 'model' },
      order: 1,
      status: 'requested',
    });
    // The response still reports what the request did, in the same order.
    expect(activated.artifacts!.map((a) => [a.name, a.status])).toEqual([
      ['user-cache', 'invalidated'],
      ['churn-vectors', 'requested'],
      ['churn-board', 'requested'],
    ]);
  });

  it('an entry without artifacts yields its pointer event only', async () => {
    const deps = memoryDeps();
    await deployVersion(deps, 'dev', 'v', request(1, { activate: true }));
    const entry = deps.pointers.historyEntries.at(-1)!;
    expect(entry).not.toHaveProperty('artifacts');
    expect(historyEvents(entry, 'bus').map((e) => e.DetailType)).toEqual(['FeatureViewActivated']);
  });

  it('a crash right after the commit loses no artifact event: the outbox emits them from the committed entry', async () => {
    const { deps, invalidator, wired } = await twoVersions();
    await activateVersion(wired, 'dev', 'v', { version: 2 });
    const generation = invalidator.generation('user-cache');
    // The process dies the moment the transaction lands: nothing after the commit runs (no
    // in-request invalidation, no response, and nothing this request could have published).
    const pointers = crashingAfterCommit(deps.pointers);
    await expect(rollbackView({ ...wired, pointers }, 'oncall', 'v', { reason: 'v2 is bad' })).rejects.toThrow(CRASH_AFTER_COMMIT);
    expect(invalidator.generation('user-cache')).toBe(generation);

    const committed = deps.pointers.historyEntries.at(-1)!;
    expect(committed).toMatchObject({ action: 'rollback', revision: 3, after: { stable: 1 } });
    const { client, sent } = fakeEventsClient();
    expect(await createPublisher(client, () => 'rewind-bus')({ Records: [streamRecord(committed)] })).toEqual({ batchItemFailures: [] });
    expect(details(sent.flat()).map((e) => [e.detailType, e.eventId, e.order, e.serves])).toEqual([
      ['FeatureViewRolledBack', 'v#3', undefined, undefined],
      [ARTIFACT_EVENT, 'v#3#cache-namespace#user-cache', 0, { stable: 1 }],
      [ARTIFACT_EVENT, 'v#3#feature-vector-table#churn-vectors', 1, { stable: 1 }],
      [ARTIFACT_EVENT, 'v#3#dashboard#churn-board', 2, { stable: 1 }],
    ]);
  });

  it('an in-request invalidation that fails is reported in the response; the committed events still go out as planned', async () => {
    const { deps, wired } = await twoVersions();
    wired.artifacts.on('user-cache', () => {
      throw new Error('cache cluster unreachable');
    });
    const result = await activateVersion(wired, 'dev', 'v', { version: 2 });
    expect(result.artifacts!.map((a) => [a.name, a.status])).toEqual([
      ['user-cache', 'failed'],
      // Their owners were asked by the committed event whatever happened in the request.
      ['churn-vectors', 'requested'],
      ['churn-board', 'requested'],
    ]);
    expect(result.artifacts![1]!.detail).toContain("an artifact of tier 'data' failed in the request");
    expect(historyEvents(deps.pointers.historyEntries.at(-1)!, 'bus').filter((e) => e.DetailType === ARTIFACT_EVENT)).toHaveLength(3);
  });

  it('the local relay emits the same events from the same entry, and its log keeps the artifact ones', async () => {
    const { deps, wired } = await twoVersions();
    const onBus: OutboxEvent[] = [];
    const log = new LocalEventLog();
    const relay = await new HistoryOutboxRelay({ catalog: deps.catalog, pointers: deps.pointers }, [log, { publish: (e: OutboxEvent) => onBus.push(e) }], 60_000).start();
    try {
      await activateVersion(wired, 'dev', 'v', { version: 2 });
      await relay.poll();
    } finally {
      await relay.stop();
    }
    const entry: HistoryEntry = deps.pointers.historyEntries.at(-1)!;
    expect(onBus.map((e) => ({ detailType: e['detail-type'], ...e.detail }))).toEqual(details(historyEvents(entry, 'rewind-local')));
    expect(log.events.map((e) => [e.detailType, e.eventId, e.detail.order])).toEqual([
      [ARTIFACT_EVENT, 'v#2#cache-namespace#user-cache', 0],
      [ARTIFACT_EVENT, 'v#2#feature-vector-table#churn-vectors', 1],
      [ARTIFACT_EVENT, 'v#2#dashboard#churn-board', 2],
    ]);
  });
});
