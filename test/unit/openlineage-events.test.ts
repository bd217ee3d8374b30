/**
 * The OpenLineage events Rewind emits (contract/openlineage.ts), built from version records,
 * failed jobs and history entries, each validated against the official JSON Schemas (core and
 * facets, test/support/openlineage-schemas/); and the outbox publisher's mapping of the three
 * streams (history, versions, jobs) to them, against the fake EventBridge client.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { deployRunEvents, deployRunId, endedJobRunEvents, OPENLINEAGE_DATASET_EVENT, OPENLINEAGE_RUN_EVENT, servedDatasetEvent, sourceDataset } from '../../contract/openlineage';
import type { HistoryEntry, VersionRecord } from '../../core/model';
import { createPublisher } from '../../store/eventbridge-outbox';
import { openLineageErrors } from '../support/openlineage';
import { fakeEventsClient, streamRecord } from '../support/stream';

const NS = 'rewind://test';

function record(over: Partial<VersionRecord> = {}): VersionRecord {
  return {
    view: 'user_profile',
    version: 3,
    definition: { entity: 'user_id', features: [{ name: 'age', type: 'int', description: 'years' }, { name: 'country', type: 'string' }], tier: 'standard', owners: [] },
    definitionSha256: 'd'.repeat(64),
    transformation: { kind: 'sql', ref: 'git:abc', codeSha256: 'c'.repeat(64), columnLineage: { age: [{ source: 's3://lake/users', field: 'birth_date' }] } },
    sources: [{ uri: 's3://lake/users', checksum: 'sha256:aaa' }, { uri: 'kafka://broker:9092/events', ingestedAt: '2026-01-01T00:00:00.000Z' }],
    consumers: ['churn'],
    snapshot: { uri: 's3://bucket/snapshots/user_profile/v3/abc.parquet', sha256: 'a'.repeat(64), rows: 10, bytes: 100, format: 'parquet' },
    outcome: 'ready',
    createdAt: '2026-01-02T00:00:00.000Z',
    createdBy: 'ada',
    ...over,
  };
}

function entry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  const after = { view: 'user_profile', stable: 2, previousStable: [1], rolledBack: [3], disabledFeatures: ['age'], candidate: { version: 4, strategy: 'canary', percent: 10 }, revision: 5 };
  return { view: 'user_profile', revision: 5, action: 'rollback', actor: 'ada', reason: 'bad source', at: '2026-01-03T00:00:00.000Z', fromVersion: 3, toVersion: 2, before: null, after: after as unknown as HistoryEntry['after'], auditId: 'a5', ...over };
}

it('makes a deploy START then COMPLETE, with sources, snapshot schema, versions and column lineage, all valid', () => {
  const [start, end] = deployRunEvents({ ...record(), endedAt: '2026-01-02T00:00:05.000Z' }, NS);
  expect([start.eventType, end.eventType]).toEqual(['START', 'COMPLETE']);
  expect(start.run.runId).toBe(end.run.runId);
  expect(start.run.runId).toBe(deployRunId(NS, 'user_profile', 3));
  expect(start.job).toMatchObject({ namespace: NS, name: 'user_profile' });
  expect([start.eventTime, end.eventTime]).toEqual(['2026-01-02T00:00:00.000Z', '2026-01-02T00:00:05.000Z']);
  expect(end.inputs.map((i) => [i.namespace, i.name, i.facets?.version?.datasetVersion])).toEqual([
    ['s3://lake', 'users', 'sha256:aaa'],
    ['kafka://broker:9092', 'events', '2026-01-01T00:00:00.000Z'],
  ]);
  const output = end.outputs[0]!;
  expect(output).toMatchObject({ namespace: NS, name: 'user_profile' });
  expect(output.facets!.version!.datasetVersion).toBe('3');
  expect((output.facets!.schema!.fields as { name: string }[]).map((f) => f.name)).toEqual(['user_id', 'age', 'country']);
  expect(output.facets!.columnLineage!.fields).toEqual({ age: { inputFields: [{ namespace: 's3://lake', name: 'users', field: 'birth_date' }] } });
  for (const event of [start, end]) expect(openLineageErrors(event)).toEqual([]);
});

it('makes a rejected version FAIL with its first finding, and a failed or cancelled job FAIL or ABORT, all valid', () => {
  const rejected = deployRunEvents(record({ outcome: 'rejected', validation: { findings: [{ message: 'age: 40% nulls' }] } as never, transformation: undefined }), NS);
  expect(rejected.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
  expect(rejected[1].run.facets!.errorMessage!.message).toContain('age: 40% nulls');
  expect(rejected[1].outputs).toEqual([]);
  expect(rejected[0].outputs[0]!.facets!.columnLineage).toBeUndefined();
  const failed = endedJobRunEvents({ view: 'user_profile', version: 7, status: 'failed', startedAt: '2026-01-02T00:00:00.000Z', endedAt: '2026-01-02T00:01:00.000Z', error: { message: 'chunk 3: throttled' } }, NS);
  expect(failed.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
  expect(failed[0].run.runId).toBe(deployRunId(NS, 'user_profile', 7));
  const cancelled = endedJobRunEvents({ view: 'user_profile', version: 8, status: 'cancelled', startedAt: '2026-01-02T00:00:00.000Z' }, NS);
  expect(cancelled.map((e) => e.eventType)).toEqual(['START', 'ABORT']);
  for (const event of [...rejected, ...failed, ...cancelled]) expect(openLineageErrors(event)).toEqual([]);
});

it('makes a pointer change a DatasetEvent naming the version served, the candidate and the disabled features, valid', () => {
  const event = servedDatasetEvent(entry(), NS);
  expect(event).not.toHaveProperty('run');
  expect(event.dataset).toMatchObject({ namespace: NS, name: 'user_profile' });
  expect(event.dataset.facets!.version!.datasetVersion).toBe('2');
  expect(event.dataset.facets!.serving).toMatchObject({ stable: 2, candidate: { version: 4, strategy: 'canary', percent: 10 }, disabledFeatures: ['age'], revision: 5, action: 'rollback', reason: 'bad source' });
  expect(openLineageErrors(event)).toEqual([]);
  // Before the first activation nothing is served: no version facet, still valid.
  const none = servedDatasetEvent(entry({ after: { ...entry().after, stable: null, candidate: null } }), NS);
  expect(none.dataset.facets!.version).toBeUndefined();
  expect(openLineageErrors(none)).toEqual([]);
});

it('the validator is not vacuous: a bad event type, a facet without its required field, a bad run id are refused', () => {
  const [start] = deployRunEvents(record(), NS);
  expect(openLineageErrors({ ...start, eventType: 'DONE' })).not.toEqual([]);
  expect(openLineageErrors({ ...start, run: { runId: 'not-a-uuid' } })).not.toEqual([]);
  const broken = structuredClone(start);
  delete (broken.outputs[0]!.facets!.version as Record<string, unknown>).datasetVersion;
  expect(openLineageErrors(broken)).toEqual([expect.stringContaining('datasetVersion')]);
});

it('names source datasets the OpenLineage way: scheme://authority as namespace, the path as name', () => {
  expect(sourceDataset('s3://lake/a/b.parquet')).toEqual({ namespace: 's3://lake', name: 'a/b.parquet' });
  expect(sourceDataset('postgres://db:5432/sales.orders')).toEqual({ namespace: 'postgres://db:5432', name: 'sales.orders' });
  expect(sourceDataset('just-a-name')).toEqual({ namespace: 'rewind-source', name: 'just-a-name' });
});

describe('the outbox publisher with lineage on', () => {
  const lineage = { namespace: () => NS };
  const event = (records: ReturnType<typeof streamRecord>[]): DynamoDBStreamEvent => ({ Records: records });

  it('puts a version record as START + COMPLETE, a history entry as its pointer event + a DatasetEvent, a failed job as START + FAIL, and nothing for other items', async () => {
    const { client, sent } = fakeEventsClient();
    const job = { job: 'j1', sk: 'JOB', view: 'user_profile', version: 9, status: 'failed', startedAt: '2026-01-02T00:00:00.000Z', endedAt: '2026-01-02T00:00:09.000Z', error: { message: 'boom' } };
    const records = [
      streamRecord({ ...record(), sk: 'V#00000003' }),
      streamRecord({ view: 'user_profile', sk: 'VIEW', latestVersion: 3 }, 'MODIFY'),
      streamRecord({ view: 'user_profile', sk: 'M#00000003', state: 'materialized' }),
      streamRecord(entry()),
      streamRecord(job, 'MODIFY'),
      streamRecord({ ...job, status: 'running' }, 'MODIFY'),
    ];
    expect(await createPublisher(client, () => 'bus', undefined, lineage)(event(records))).toEqual({ batchItemFailures: [] });
    const put = sent.flat();
    expect(put.map((e) => e.DetailType)).toEqual([OPENLINEAGE_RUN_EVENT, OPENLINEAGE_RUN_EVENT, 'FeatureViewRolledBack', OPENLINEAGE_DATASET_EVENT, OPENLINEAGE_RUN_EVENT, OPENLINEAGE_RUN_EVENT]);
    const details = put.filter((e) => e.DetailType!.startsWith('OpenLineage')).map((e) => JSON.parse(e.Detail!) as { eventType?: string });
    expect(details.map((d) => d.eventType ?? 'dataset')).toEqual(['START', 'COMPLETE', 'dataset', 'START', 'FAIL']);
    for (const detail of details) expect(openLineageErrors(detail)).toEqual([]);
  });

  it('POSTs the lineage events that landed after the batch, and a poster that gives up does not fail the batch', async () => {
    const { client } = fakeEventsClient();
    const posted: unknown[][] = [];
    const poster = { postAll: async (events: readonly unknown[]) => (posted.push([...events]), { posted: 0, dropped: events.length, attempts: events.length * 4 }) };
    const result = await createPublisher(client, () => 'bus', undefined, { ...lineage, poster: () => poster })(event([streamRecord({ ...record(), sk: 'V#00000003' }), streamRecord(entry())]));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(posted).toHaveLength(1);
    expect((posted[0] as { eventType?: string }[]).map((e) => e.eventType ?? 'dataset')).toEqual(['START', 'COMPLETE', 'dataset']);
  });
});
