/**
 * The outbox publisher over EventBridge (DESIGN invariant 5): the history entries a DynamoDB
 * stream batch carries, published to Rewind's bus as their events (contract/events.ts
 * `historyEvents`). The stream holds a committed change until it is published, so no change
 * loses its events; delivery is at least once, and consumers deduplicate on `detail.eventId`.
 *
 * The order events are PUT in is the stream's, record by record; a retry repeats events that
 * already landed, and EventBridge does not guarantee delivery order to a target (consumers
 * order on `detail.revision` and `detail.order`).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { historyEvents, type BusEvent, type HistoryEventSource } from '../contract/events';
import { deployRunEvents, endedJobRunEvents, isLineageBusEvent, lineageBusEvent, servedDatasetEvent, type DeployJobSource, type DeployRunSource } from '../contract/openlineage';
import { EventsNotPublishedError } from '../core/errors';
import type { HistoryEntry } from '../core/model';
import type { HistoryEventPublisher } from '../core/ports';
import type { OpenLineageHttpPoster } from './openlineage-http';

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES_PER_PUT = 10;

/** No PutEvents call starts with less than this much of the invocation left. */
export const DEADLINE_MARGIN_MS = 2_000;

export type EventsClient = Pick<EventBridgeClient, 'send'>;

/** What the publisher logs through (the function's Powertools logger). */
export interface PublisherLog {
  debug(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

const SILENT: PublisherLog = { debug: () => undefined, warn: () => undefined, error: () => undefined };

export class MalformedHistoryRecordError extends Error {
  constructor(
    message: string,
    readonly sequenceNumber: string | undefined,
  ) {
    super(message);
    this.name = 'MalformedHistoryRecordError';
  }
}

/** The history entry a stream record carries; throws when the record is not one. */
export function historyEntryOf(record: DynamoDBRecord): HistoryEventSource {
  const image = record.dynamodb?.NewImage;
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (!image) throw new MalformedHistoryRecordError('stream record has no NewImage (is the stream NEW_IMAGE?)', sequenceNumber);
  const entry = unmarshall(image as Record<string, AttributeValue>) as Partial<HistoryEventSource>;
  if (typeof entry.view !== 'string' || typeof entry.revision !== 'number' || typeof entry.action !== 'string' || typeof entry.at !== 'string')
    throw new MalformedHistoryRecordError('history entry lacks view, revision, action or at', sequenceNumber);
  return entry as HistoryEventSource;
}

/**
 * The OpenLineage events' namespace and, with REWIND_OPENLINEAGE_URL, the HTTP endpoint they
 * are POSTed to as well. Without it the publisher puts pointer and artifact events only (what
 * it did before lineage existed; the stack's publisher always passes it).
 */
export interface LineageOutput {
  namespace: () => string;
  poster?: () => Pick<OpenLineageHttpPoster, 'postAll'> | undefined;
}

/**
 * Every event a stream record stands for. The publisher reads three streams: the history
 * table's (a pointer change: its events, then its artifacts', then the OpenLineage
 * DatasetEvent of what is served now), the versions table's (a version record's INSERT: its
 * deploy's OpenLineage START and COMPLETE/FAIL; the counter and materialization items are
 * not events) and the jobs table's (a deploy job that ended failed or cancelled: START and
 * FAIL/ABORT). History items have no `sk`; the other two tables' items all do.
 */
export function streamRecordEvents(record: DynamoDBRecord, eventBusName: string, namespace: string | undefined): BusEvent[] {
  const image = record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined;
  if (image && 'sk' in image) {
    if (namespace === undefined) return [];
    const item = unmarshall(image) as Record<string, unknown>;
    const sk = String(item.sk);
    if (record.eventName === 'INSERT' && sk.startsWith('V#')) {
      const written = record.dynamodb?.ApproximateCreationDateTime;
      const source = item as unknown as DeployRunSource;
      const endedAt = written && written * 1000 > Date.parse(source.createdAt) ? new Date(written * 1000).toISOString() : undefined;
      return deployRunEvents({ ...source, ...(endedAt ? { endedAt } : {}) }, namespace).map((e) => lineageBusEvent(e, eventBusName));
    }
    // A deploy's run events only: a purge or a training set is no OpenLineage run of the view.
    if (record.eventName === 'MODIFY' && sk === 'JOB' && (item.kind ?? 'deploy') === 'deploy' && (item.status === 'failed' || item.status === 'cancelled'))
      return endedJobRunEvents(item as unknown as DeployJobSource, namespace).map((e) => lineageBusEvent(e, eventBusName));
    return [];
  }
  // Only inserts are pointer changes: history entries are written once and never updated.
  if (record.eventName !== 'INSERT') return [];
  const entry = historyEntryOf(record);
  const events = historyEvents(entry, eventBusName);
  return namespace === undefined ? events : [...events, lineageBusEvent(servedDatasetEvent(entry as HistoryEntry, namespace), eventBusName)];
}

/**
 * A stream handler that publishes through `client` to the bus named by `eventBusName()`.
 * Records are published in stream order, each as its events (the pointer change's, then its
 * artifacts'), ten events per PutEvents call. At the first event that cannot be published
 * the handler stops and reports its record in `batchItemFailures`, so Lambda retries from
 * that record and a view's events are never put out of order (a retry repeats the events of
 * that record, and maybe a few after it, that did land: consumers deduplicate on `eventId`).
 * It stops the same way when less than {@link DEADLINE_MARGIN_MS} of the invocation is left
 * (`context.getRemainingTimeInMillis()`), so a large backlog is published over several calls
 * instead of timing out and failing the whole batch.
 *
 * @example export const handler = middy().handler(createPublisher(eventBridgeClient(), config.eventBusName, logger));
 */
export function createPublisher(client: EventsClient, eventBusName: () => string, log: PublisherLog = SILENT, lineage?: LineageOutput) {
  return async (event: DynamoDBStreamEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DynamoDBBatchResponse> => {
    const response = await publishBatch(event, context);
    await postLineage(response.published, context);
    return { batchItemFailures: response.batchItemFailures };
  };

  /**
   * After the batch is on the bus, its OpenLineage events (those that landed) go to the HTTP
   * endpoint, with retries inside what is left of the invocation; whatever happens there, the
   * batch's outcome stays the bus's (a down lineage endpoint never holds pointer events back).
   */
  async function postLineage(published: BusEvent[], context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> {
    const poster = lineage?.poster?.();
    const events = published.filter(isLineageBusEvent);
    if (!poster || events.length === 0) return;
    const deadline = Date.now() + (context ? context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS : LINEAGE_POST_BUDGET_MS);
    const result = await poster.postAll(events.map((e) => JSON.parse(e.Detail) as unknown), Math.min(deadline, Date.now() + LINEAGE_POST_BUDGET_MS));
    if (result.dropped) log.warn('OpenLineage events not delivered to the endpoint', { ...result });
  }

  async function publishBatch(event: DynamoDBStreamEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DynamoDBBatchResponse & { published: BusEvent[] }> {
    const records = event.Records.filter((r) => r.eventName === 'INSERT' || r.eventName === 'MODIFY');
    const pending: Pending[] = [];
    const published: BusEvent[] = [];
    let malformed: DynamoDBRecord | undefined;
    for (const [index, record] of records.entries()) {
      try {
        for (const entry of streamRecordEvents(record, eventBusName(), lineage?.namespace())) pending.push({ record, entry });
      } catch (error) {
        log.error('cannot publish stream record', { error: error as Error, sequenceNumber: record.dynamodb?.SequenceNumber });
        // A malformed record never gets better. Reporting it as a partial failure would make
        // Lambda retry the batch FROM it, all retries long, and then send that whole batch
        // (the good records behind it too) to the failure queue. Instead: when it is first,
        // and not alone, fail the invocation, so that the mapping bisects the batch until the
        // record is alone; alone, it is reported, retried a few times, and its position goes
        // to the failure queue while the shard moves on. When records precede it, those are
        // published first and it is reported: the next batch starts with it.
        if (index === 0 && records.length > 1) throw new MalformedHistoryRecordError(`malformed record first in a batch of ${records.length}: bisect`, record.dynamodb?.SequenceNumber);
        malformed = record;
        break;
      }
    }
    for (let start = 0; start < pending.length; start += MAX_ENTRIES_PER_PUT) {
      const chunk = pending.slice(start, start + MAX_ENTRIES_PER_PUT);
      if (context && context.getRemainingTimeInMillis() < DEADLINE_MARGIN_MS) {
        // Left for the next invocation, from the first record not fully published.
        log.warn('stopping before the deadline', { published: start, events: pending.length, sequenceNumber: chunk[0]!.record.dynamodb?.SequenceNumber });
        return { ...failureAt(chunk[0]!.record), published };
      }
      const failed = await publish(client, chunk, log);
      if (failed) return { ...failureAt(failed), published };
      published.push(...chunk.map((p) => p.entry));
    }
    if (malformed) return { ...failureAt(malformed), published };
    log.debug('published pointer events', { records: records.length, events: pending.length });
    return { batchItemFailures: [], published };
  }
}

/** The longest the publisher spends posting one batch's lineage events (retries included). */
export const LINEAGE_POST_BUDGET_MS = 5_000;

/** One event to put, with the stream record it comes from (what a failure reports). */
interface Pending {
  record: DynamoDBRecord;
  entry: BusEvent;
}

/** Puts the entries of `chunk`; returns the record of the first one that did not land, if any. */
async function publish(client: EventsClient, chunk: Pending[], log: PublisherLog): Promise<DynamoDBRecord | undefined> {
  if (chunk.length === 0) return undefined;
  try {
    const rejected = await putEntries(client, chunk.map((p) => p.entry));
    if (!rejected) return undefined;
    const failed = chunk[rejected.index]!.record;
    log.warn('PutEvents rejected an entry', { sequenceNumber: failed.dynamodb?.SequenceNumber, error: rejected.errorCode });
    return failed;
  } catch (error) {
    log.warn('PutEvents failed', { error: error as Error });
    return chunk[0]!.record;
  }
}

/**
 * One PutEvents call of at most {@link MAX_ENTRIES_PER_PUT} entries: the first entry the bus
 * rejected (its index and error code), or nothing when all landed. A failed call throws.
 */
async function putEntries(client: EventsClient, entries: BusEvent[]): Promise<{ index: number; errorCode?: string } | undefined> {
  const out = await client.send(new PutEventsCommand({ Entries: entries }));
  if (!out.FailedEntryCount) return undefined;
  const index = (out.Entries ?? []).findIndex((e) => e.ErrorCode !== undefined || e.EventId === undefined);
  return { index: index >= 0 ? index : 0, ...(out.Entries?.[index]?.ErrorCode ? { errorCode: out.Entries[index]!.ErrorCode } : {}) };
}

/**
 * `rewind events republish` over EventBridge (core/ports/event-publisher.ts): history entries
 * read back from the table, published with the outbox's own mapping (`historyEvents`) and its
 * own PutEvents batching, in order, so each event is byte for byte the one the stream would
 * have published (same `detail.eventId`: consumers deduplicate). Stops at the first event the
 * bus does not take.
 *
 * @example await new EventBridgeHistoryPublisher(eventBridgeClient(), config.eventBusName).publish(entries) // ['user_profile#7', …]
 */
export class EventBridgeHistoryPublisher implements HistoryEventPublisher {
  constructor(
    private readonly client: EventsClient,
    private readonly eventBusName: () => string,
  ) {}

  async publish(entries: readonly HistoryEntry[]): Promise<string[]> {
    const events = entries.flatMap((entry) => historyEvents(entry, this.eventBusName()));
    const ids = events.map(eventIdOf);
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_PUT) {
      let rejected: { index: number; errorCode?: string } | undefined;
      try {
        rejected = await putEntries(this.client, events.slice(start, start + MAX_ENTRIES_PER_PUT));
      } catch (error) {
        throw new EventsNotPublishedError(ids[start]!, start, { cause: error });
      }
      if (rejected) throw new EventsNotPublishedError(ids[start + rejected.index]!, start + rejected.index, { cause: rejected.errorCode });
    }
    return ids;
  }
}

/** The `detail.eventId` of an event as PutEvents takes it. */
export function eventIdOf(event: BusEvent): string {
  return String((JSON.parse(event.Detail) as { eventId: unknown }).eventId);
}

function failureAt(record: DynamoDBRecord): DynamoDBBatchResponse {
  return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
}
