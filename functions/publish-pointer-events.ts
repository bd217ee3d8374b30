/**
 * The outbox publisher (DESIGN invariant 5): every history entry a pointer change commits is
 * read back from the history table's DynamoDB stream and published to Rewind's event bus, its
 * detail-type named by the entry's action (contract/rules.ts POINTER_DETAIL_TYPES:
 * `FeatureViewActivated`, `FeatureViewCanaryStarted`, `FeatureViewShadowStarted`,
 * `FeatureViewPromoted`, `FeatureViewRolledBack`, `FeatureDisabled`, `FeatureEnabled`). The stream holds a committed change until
 * it is published, so no change loses its event; delivery is at least once, and consumers
 * deduplicate on `detail.eventId` (view and revision).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { EVENT_BUS_ENV, POINTER_EVENT_SOURCE, pointerDetailType } from '../contract/rules';
import type { HistoryEntry } from '../core/model';
import { requireEnv } from '../store/config';
import { logger } from './commons/powertools';

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES_PER_PUT = 10;

export interface PointerEventDetail {
  /** `${view}#${revision}`: the same pointer change always has the same id. */
  eventId: string;
  view: string;
  revision: number;
  action: string;
  actor: string;
  reason?: string;
  at: string;
  fromVersion: number | null;
  toVersion: number | null;
  auditId: string;
  /** disable / enable: the feature switched. */
  feature?: string;
  /** The approval the change consumed (critical tiers). */
  approvalId?: string;
  /** Done by an admin without an approval (break-glass), for `reason`. */
  breakGlass?: boolean;
}

export type EventsClient = Pick<EventBridgeClient, 'send'>;

export class MalformedHistoryRecordError extends Error {
  constructor(
    message: string,
    readonly sequenceNumber: string | undefined,
  ) {
    super(message);
    this.name = 'MalformedHistoryRecordError';
  }
}

/**
 * The event for one history entry.
 *
 * @example toPointerEvent({ view: 'user_profile', revision: 3, action: 'rollback', … }, 'rewind-bus')
 *   // → { Source: 'rewind', DetailType: 'FeatureViewRolledBack', Detail: '{"eventId":"user_profile#3",…}', … }
 */
export function toPointerEvent(entry: HistoryEntry, eventBusName: string): PutEventsRequestEntry {
  const detail: PointerEventDetail = {
    eventId: `${entry.view}#${entry.revision}`,
    view: entry.view,
    revision: entry.revision,
    action: entry.action,
    actor: entry.actor,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    at: entry.at,
    fromVersion: entry.fromVersion,
    toVersion: entry.toVersion,
    auditId: entry.auditId,
    ...(entry.feature !== undefined ? { feature: entry.feature } : {}),
    ...(entry.approvalId !== undefined ? { approvalId: entry.approvalId } : {}),
    ...(entry.breakGlass !== undefined ? { breakGlass: entry.breakGlass } : {}),
  };
  return {
    EventBusName: eventBusName,
    Source: POINTER_EVENT_SOURCE,
    DetailType: pointerDetailType(entry.action),
    Time: new Date(entry.at),
    Detail: JSON.stringify(detail),
  };
}

/** The history entry a stream record carries; throws when the record is not one. */
export function historyEntryOf(record: DynamoDBRecord): HistoryEntry {
  const image = record.dynamodb?.NewImage;
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (!image) throw new MalformedHistoryRecordError('stream record has no NewImage (is the stream NEW_IMAGE?)', sequenceNumber);
  const entry = unmarshall(image as Record<string, AttributeValue>) as Partial<HistoryEntry>;
  if (typeof entry.view !== 'string' || typeof entry.revision !== 'number' || typeof entry.action !== 'string' || typeof entry.at !== 'string')
    throw new MalformedHistoryRecordError('history entry lacks view, revision, action or at', sequenceNumber);
  return entry as HistoryEntry;
}

/**
 * A stream handler that publishes through `client` to the bus named by `eventBusName()`.
 * Records are published in stream order, ten at a time; at the first record that cannot be
 * published the handler stops and reports it in `batchItemFailures`, so Lambda retries from
 * that record and a view's events never overtake each other (a retry may repeat a few
 * events that did land: consumers deduplicate on `eventId`).
 */
export function createPublisher(client: EventsClient, eventBusName: () => string) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    // Only inserts are pointer changes: history entries are written once and never updated.
    const records = event.Records.filter((r) => r.eventName === 'INSERT');
    for (let start = 0; start < records.length; start += MAX_ENTRIES_PER_PUT) {
      const chunk = records.slice(start, start + MAX_ENTRIES_PER_PUT);
      const entries: PutEventsRequestEntry[] = [];
      for (const record of chunk) {
        try {
          entries.push(toPointerEvent(historyEntryOf(record), eventBusName()));
        } catch (error) {
          // Publish what precedes it, then stop here: retries end in the on-failure queue.
          logger.error('cannot publish stream record', { error: error as Error, sequenceNumber: record.dynamodb?.SequenceNumber });
          const published = await publish(client, chunk.slice(0, entries.length), entries);
          return failureAt(published ?? record);
        }
      }
      const failed = await publish(client, chunk, entries);
      if (failed) return failureAt(failed);
    }
    logger.debug('published pointer events', { count: records.length });
    return { batchItemFailures: [] };
  };
}

/** Puts `entries` (one per record); returns the first record that did not land, if any. */
async function publish(client: EventsClient, records: DynamoDBRecord[], entries: PutEventsRequestEntry[]): Promise<DynamoDBRecord | undefined> {
  if (entries.length === 0) return undefined;
  try {
    const out = await client.send(new PutEventsCommand({ Entries: entries }));
    if (!out.FailedEntryCount) return undefined;
    const index = (out.Entries ?? []).findIndex((e) => e.ErrorCode !== undefined || e.EventId === undefined);
    const failed = records[index >= 0 ? index : 0]!;
    logger.warn('PutEvents rejected an entry', { sequenceNumber: failed.dynamodb?.SequenceNumber, error: out.Entries?.[index]?.ErrorCode });
    return failed;
  } catch (error) {
    logger.warn('PutEvents failed', { error: error as Error });
    return records[0];
  }
}

function failureAt(record: DynamoDBRecord): DynamoDBBatchResponse {
  return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
}

const client = new EventBridgeClient({});
let busName: string | undefined;
// Read once, on the first invocation, naming the variable if the stack did not set it.
const configuredBus = () => (busName ??= requireEnv(EVENT_BUS_ENV));

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>({ timeoutEarlyInMillis: 0 })
  .use(injectLambdaContext(logger))
  .handler(createPublisher(client, configuredBus));
