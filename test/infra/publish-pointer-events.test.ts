/**
 * The outbox publisher (store/eventbridge-outbox.ts, behind functions/publish-pointer-events.ts) against a fake EventBridge
 * client: events in stream order with the right detail-type, and on any failure the first
 * record not published is reported so Lambda retries from it (no event lost, order kept).
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { POINTER_EVENT_SOURCE } from '../../contract/rules';
import type { HistoryEntry } from '../../core/model';
import { EventsNotPublishedError } from '../../core/errors';
import { createPublisher, EventBridgeHistoryPublisher } from '../../store/eventbridge-outbox';
import { fakeEventsClient as fakeClient, streamRecord as record } from '../support/stream';

const BUS = 'rewind-bus';

function entry(view: string, revision: number, action: HistoryEntry['action'] = 'activate'): HistoryEntry {
  const pointer = { view, stable: revision, revision } as unknown as HistoryEntry['after'];
  return { view, revision, action, actor: 'ada', reason: 'because', at: '2026-01-01T00:00:00.000Z', fromVersion: revision - 1 || null, toVersion: revision, before: null, after: pointer, auditId: `a${revision}` };
}

const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

describe('publish-pointer-events', () => {
  it('publishes each history entry in stream order as FeatureViewActivated or FeatureViewRolledBack', async () => {
    const { client, sent } = fakeClient();
    const publish = createPublisher(client, () => BUS);
    const result = await publish(streamEvent([record(entry('v', 1)), record(entry('v', 2, 'rollback'))]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((e) => [e.Source, e.DetailType, e.EventBusName])).toEqual([
      [POINTER_EVENT_SOURCE, 'FeatureViewActivated', BUS],
      [POINTER_EVENT_SOURCE, 'FeatureViewRolledBack', BUS],
    ]);
    expect(JSON.parse(sent[0]![1]!.Detail!)).toMatchObject({ eventId: 'v#2', view: 'v', revision: 2, action: 'rollback', actor: 'ada', toVersion: 2, auditId: 'a2' });
  });

  it('names each action\'s event, and carries the feature, approval and break-glass of the entry', async () => {
    const { client, sent } = fakeClient();
    const publish = createPublisher(client, () => BUS);
    const entries: HistoryEntry[] = [
      { ...entry('v', 1, 'canary'), approvalId: 'ap-1' },
      entry('v', 2, 'shadow'),
      entry('v', 3, 'promote'),
      { ...entry('v', 4, 'disable'), feature: 'avg_basket' },
      { ...entry('v', 5, 'enable'), feature: 'avg_basket' },
      { ...entry('v', 6, 'rollback'), breakGlass: true },
    ];
    await publish(streamEvent(entries.map((e) => record(e))));
    expect(sent[0]!.map((e) => e.DetailType)).toEqual([
      'FeatureViewCanaryStarted',
      'FeatureViewShadowStarted',
      'FeatureViewPromoted',
      'FeatureDisabled',
      'FeatureEnabled',
      'FeatureViewRolledBack',
    ]);
    const details = sent[0]!.map((e) => JSON.parse(e.Detail!));
    expect(details[0]).toMatchObject({ eventId: 'v#1', action: 'canary', approvalId: 'ap-1' });
    expect(details[3]).toMatchObject({ action: 'disable', feature: 'avg_basket' });
    expect(details[4]).toMatchObject({ action: 'enable', feature: 'avg_basket' });
    expect(details[5]).toMatchObject({ action: 'rollback', breakGlass: true });
    // Absent fields stay absent: no nulls for consumers to tell from values.
    expect(Object.keys(details[1])).not.toEqual(expect.arrayContaining(['feature']));
    expect(details[1]).not.toHaveProperty('approvalId');
    expect(details[1]).not.toHaveProperty('breakGlass');
  });

  it('follows each pointer event with its artifacts\' events, ten per call; a failure reports the record they came from', async () => {
    const withArtifacts = (view: string, revision: number, count: number): HistoryEntry => ({
      ...entry(view, revision),
      artifacts: Array.from({ length: count }, (_, order) => ({ kind: 'dashboard', name: `board-${order}`, tier: 'dashboard', order, declaredBy: [revision], status: 'requested' })),
    });
    const records = [record(withArtifacts('v', 1, 5)), record(withArtifacts('v', 2, 7)), record(entry('v', 3))];
    const { client, sent } = fakeClient();
    expect(await createPublisher(client, () => BUS)(streamEvent(records))).toEqual({ batchItemFailures: [] });
    expect(sent.map((call) => call.length)).toEqual([10, 5]);
    const ids = sent.flat().map((e) => JSON.parse(e.Detail!).eventId);
    expect(ids.slice(0, 7)).toEqual(['v#1', 'v#1#dashboard#board-0', 'v#1#dashboard#board-1', 'v#1#dashboard#board-2', 'v#1#dashboard#board-3', 'v#1#dashboard#board-4', 'v#2']);
    expect(ids.at(-1)).toBe('v#3');

    // Event 11 (the second call's first) is revision 2's fifth artifact: Lambda retries from revision 2.
    const failing = fakeClient({ rejectAt: [10] });
    expect(await createPublisher(failing.client, () => BUS)(streamEvent(records))).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
  });

  it('stops before the deadline and reports the first record not fully published, so the retry loses nothing', async () => {
    const withArtifacts = (revision: number): HistoryEntry => ({
      ...entry('v', revision),
      artifacts: Array.from({ length: 3 }, (_, order) => ({ kind: 'dashboard', name: `board-${order}`, tier: 'dashboard', order, declaredBy: [revision], status: 'requested' })),
    });
    // 20 records of 4 events each: 80 events, 8 calls if there were time.
    const records = Array.from({ length: 20 }, (_, i) => record(withArtifacts(i + 1)));
    const { client, sent } = fakeClient();
    // 60 s of which each call takes 20 s: after 3 calls 0 s are left, less than the margin.
    const context = { getRemainingTimeInMillis: () => 60_000 - 20_000 * sent.length };
    const result = await createPublisher(client, () => BUS)(streamEvent(records), context);
    expect(sent.map((call) => call.length)).toEqual([10, 10, 10]);
    const published = sent.flat().map((e) => JSON.parse(e.Detail!).eventId as string);
    expect(new Set(published).size).toBe(published.length); // nothing twice within the call
    // Event 31 is revision 8's third: Lambda retries from revision 8 (its first two events repeat).
    expect(published.at(-1)).toBe('v#8#dashboard#board-0');
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[7]!.dynamodb!.SequenceNumber }] });

    // The retry (the batch from the reported record on) publishes the rest: together, every event.
    const retry = fakeClient();
    expect(await createPublisher(retry.client, () => BUS)(streamEvent(records.slice(7)), { getRemainingTimeInMillis: () => 60_000 })).toEqual({ batchItemFailures: [] });
    const all = [...published, ...retry.sent.flat().map((e) => JSON.parse(e.Detail!).eventId as string)];
    expect(new Set(all).size).toBe(80);
  });

  it('sends at most ten entries per PutEvents call', async () => {
    const { client, sent } = fakeClient();
    await createPublisher(client, () => BUS)(streamEvent(Array.from({ length: 23 }, (_, i) => record(entry('v', i + 1)))));
    expect(sent.map((call) => call.length)).toEqual([10, 10, 3]);
  });

  it('ignores updates and deletes: only inserts are pointer changes', async () => {
    const { client, sent } = fakeClient();
    const result = await createPublisher(client, () => BUS)(streamEvent([record(entry('v', 1), 'MODIFY'), record(undefined, 'REMOVE')]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sent).toEqual([]);
  });

  it('reports the first rejected entry and publishes nothing after it, so order survives the retry', async () => {
    const { client, sent } = fakeClient({ rejectAt: [12] });
    const records = Array.from({ length: 25 }, (_, i) => record(entry('v', i + 1)));
    const result = await createPublisher(client, () => BUS)(streamEvent(records));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[12]!.dynamodb!.SequenceNumber }] });
    expect(sent.map((call) => call.length)).toEqual([10, 10]); // the third chunk is left for the retry
  });

  it('reports the whole chunk when PutEvents itself fails', async () => {
    const { client } = fakeClient({ throwOnCall: 1 });
    const records = Array.from({ length: 15 }, (_, i) => record(entry('v', i + 1)));
    const result = await createPublisher(client, () => BUS)(streamEvent(records));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[10]!.dynamodb!.SequenceNumber }] });
  });

  it('publishes what precedes a malformed record, then reports it (retries end in the failure queue)', async () => {
    const { client, sent } = fakeClient();
    const bad = record({ view: 'v' });
    const result = await createPublisher(client, () => BUS)(streamEvent([record(entry('v', 1)), bad, record(entry('v', 3))]));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: bad.dynamodb!.SequenceNumber }] });
    expect(sent.map((call) => call.map((e) => JSON.parse(e.Detail!).revision))).toEqual([[1]]);
  });

  it('fails the invocation on a malformed record first in a batch, so the mapping bisects it away from the good ones', async () => {
    const { client, sent } = fakeClient();
    const bad = record({ view: 'v' });
    const publish = createPublisher(client, () => BUS);
    await expect(publish(streamEvent([bad, record(entry('v', 2)), record(entry('v', 3))]))).rejects.toThrow(/bisect/);
    expect(sent).toEqual([]);
    // Alone (the end of bisection), it is reported: after the mapping's retries only its position goes to the failure queue.
    expect(await publish(streamEvent([bad]))).toEqual({ batchItemFailures: [{ itemIdentifier: bad.dynamodb!.SequenceNumber }] });
  });
});

describe('republish (rewind events republish) through the outbox publisher\'s mapping, against the fake EventBridge client', () => {
  it('puts the very events the stream would have put (same detail, same eventId), ten per call, in order', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => entry('v', i + 1));
    const fromStream = fakeClient();
    await createPublisher(fromStream.client, () => BUS)(streamEvent(entries.map((e) => record(e))));
    const replayed = fakeClient();
    const ids = await new EventBridgeHistoryPublisher(replayed.client, () => BUS).publish(entries);
    expect(ids).toEqual(entries.map((e) => `v#${e.revision}`));
    expect(replayed.sent.map((call) => call.length)).toEqual([10, 2]);
    const strip = (calls: typeof replayed.sent) => calls.flat().map(({ Source, DetailType, Detail, EventBusName }) => ({ Source, DetailType, Detail, EventBusName }));
    expect(strip(replayed.sent)).toEqual(strip(fromStream.sent));
  });

  it('stops at the first event the bus rejects, naming it and how many landed before it (a 503 to the caller)', async () => {
    const { client, sent } = fakeClient({ rejectAt: [11] });
    const entries = Array.from({ length: 15 }, (_, i) => entry('v', i + 1));
    const publishing = new EventBridgeHistoryPublisher(client, () => BUS).publish(entries);
    await expect(publishing).rejects.toBeInstanceOf(EventsNotPublishedError);
    await expect(publishing).rejects.toMatchObject({ eventId: 'v#12', published: 11 });
    expect(sent.map((call) => call.length)).toEqual([10, 5]);
  });

  it('reports an unreachable bus the same way, from the first event of the call that failed', async () => {
    const { client } = fakeClient({ throwOnCall: 0 });
    await expect(new EventBridgeHistoryPublisher(client, () => BUS).publish([entry('v', 4)])).rejects.toMatchObject({ code: 'EventsNotPublished', eventId: 'v#4', published: 0 });
  });
});
