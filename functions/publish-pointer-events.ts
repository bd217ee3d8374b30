/**
 * The outbox publisher (DESIGN invariant 5): every history entry a pointer change commits is
 * read back from the history table's DynamoDB stream and published to Rewind's event bus, its
 * detail-type named by the entry's action (contract/rules.ts POINTER_DETAIL_TYPES:
 * `FeatureViewActivated`, `FeatureViewCanaryStarted`, `FeatureViewShadowStarted`,
 * `FeatureViewPromoted`, `FeatureViewRolledBack`, `FeatureDisabled`, `FeatureEnabled`), followed by
 * one `FeatureArtifactRefreshed` per derived artifact the entry's plan lists, in its order
 * (data → models → dashboards). The stream holds a committed change until it is published, so
 * no change loses its events; delivery is at least once, and consumers deduplicate on
 * `detail.eventId` (view and revision; for an artifact, view#revision#kind#name), which is the
 * same however often a record is delivered.
 *
 * The order above is the order events are PUT in, not the order they arrive in: a retry
 * repeats events that already landed, and EventBridge does not guarantee delivery order to
 * a target. Consumers that care about order use the detail, not arrival: `detail.revision`
 * orders a view's changes, and an artifact event's `detail.order` (0 = first) orders the
 * artifacts of one change.
 *
 * {@link historyEvents} is the one mapping from a history entry to its events: the local
 * outbox relay (local/outbox.ts) uses it too.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { EVENT_BUS_ENV, POINTER_EVENT_SOURCE, pointerDetailType } from '../contract/rules';
import { ARTIFACT_EVENT, servesOf, type ArtifactStatus, type Serves } from '../core/artifacts';
import type { DerivedArtifact, HistoryEntry, PlannedArtifact } from '../core/model';
import { requireEnv } from '../store/config';
import { logger } from './commons/powertools';

/** PutEvents accepts at most 10 entries per call. */
const MAX_ENTRIES_PER_PUT = 10;

/** No PutEvents call starts with less than this much of the invocation left. */
export const DEADLINE_MARGIN_MS = 2_000;

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

export interface ArtifactEventDetail {
  /** `${view}#${revision}#${kind}#${name}`: the same artifact of the same change always has the same id. */
  eventId: string;
  view: string;
  revision: number;
  action: string;
  fromVersion: number | null;
  toVersion: number | null;
  /** What the view serves after the change: a cache refilled from now on admits only these versions. */
  serves: Serves;
  auditId?: string;
  artifact: DerivedArtifact;
  /** Position in the refresh order (data → models → dashboards), from 0. */
  order: number;
  status: ArtifactStatus;
  detail?: string;
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

/**
 * The event of one artifact of a history entry's refresh plan.
 *
 * @example toArtifactEvent(entry, entry.artifacts[0], 'rewind-bus')
 *   // → { DetailType: 'FeatureArtifactRefreshed', Detail: '{"eventId":"user_profile#3#cache-namespace#user-cache",…}', … }
 */
export function toArtifactEvent(entry: HistoryEntry, planned: PlannedArtifact, eventBusName: string): PutEventsRequestEntry {
  const detail: ArtifactEventDetail = {
    eventId: `${entry.view}#${entry.revision}#${planned.kind}#${planned.name}`,
    view: entry.view,
    revision: entry.revision,
    action: entry.action,
    fromVersion: entry.fromVersion,
    toVersion: entry.toVersion,
    serves: servesOf(entry.after),
    ...(entry.auditId ? { auditId: entry.auditId } : {}),
    artifact: { kind: planned.kind, name: planned.name, tier: planned.tier },
    order: planned.order,
    status: planned.status,
    ...(planned.detail ? { detail: planned.detail } : {}),
  };
  return {
    EventBusName: eventBusName,
    Source: POINTER_EVENT_SOURCE,
    DetailType: ARTIFACT_EVENT,
    Time: new Date(entry.at),
    Detail: JSON.stringify(detail),
  };
}

/**
 * Every event one history entry stands for, in order: the pointer change's, then one per
 * planned artifact (an entry without a plan has only the first).
 *
 * @example historyEvents(rollbackEntry, 'rewind-bus').map((e) => e.DetailType)
 *   // ['FeatureViewRolledBack', 'FeatureArtifactRefreshed', 'FeatureArtifactRefreshed']
 */
export function historyEvents(entry: HistoryEntry, eventBusName: string): PutEventsRequestEntry[] {
  return [toPointerEvent(entry, eventBusName), ...(entry.artifacts ?? []).map((planned) => toArtifactEvent(entry, planned, eventBusName))];
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
 * Records are published in stream order, each as its events (the pointer change's, then its
 * artifacts'), ten events per PutEvents call. At the first event that cannot be published
 * the handler stops and reports its record in `batchItemFailures`, so Lambda retries from
 * that record and a view's events are never put out of order (a retry repeats the events of
 * that record, and maybe a few after it, that did land: consumers deduplicate on `eventId`).
 * It stops the same way when less than {@link DEADLINE_MARGIN_MS} of the invocation is left
 * (`context.getRemainingTimeInMillis()`), so a large backlog is published over several calls
 * instead of timing out and failing the whole batch.
 */
export function createPublisher(client: EventsClient, eventBusName: () => string) {
  return async (event: DynamoDBStreamEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<DynamoDBBatchResponse> => {
    // Only inserts are pointer changes: history entries are written once and never updated.
    const records = event.Records.filter((r) => r.eventName === 'INSERT');
    const pending: Pending[] = [];
    let malformed: DynamoDBRecord | undefined;
    for (const record of records) {
      try {
        for (const entry of historyEvents(historyEntryOf(record), eventBusName())) pending.push({ record, entry });
      } catch (error) {
        // Publish what precedes it, then stop here: retries end in the on-failure queue.
        logger.error('cannot publish stream record', { error: error as Error, sequenceNumber: record.dynamodb?.SequenceNumber });
        malformed = record;
        break;
      }
    }
    for (let start = 0; start < pending.length; start += MAX_ENTRIES_PER_PUT) {
      const chunk = pending.slice(start, start + MAX_ENTRIES_PER_PUT);
      if (context && context.getRemainingTimeInMillis() < DEADLINE_MARGIN_MS) {
        // Left for the next invocation, from the first record not fully published.
        logger.warn('stopping before the deadline', { published: start, events: pending.length, sequenceNumber: chunk[0]!.record.dynamodb?.SequenceNumber });
        return failureAt(chunk[0]!.record);
      }
      const failed = await publish(client, chunk);
      if (failed) return failureAt(failed);
    }
    if (malformed) return failureAt(malformed);
    logger.debug('published pointer events', { records: records.length, events: pending.length });
    return { batchItemFailures: [] };
  };
}

/** One event to put, with the stream record it comes from (what a failure reports). */
interface Pending {
  record: DynamoDBRecord;
  entry: PutEventsRequestEntry;
}

/** Puts the entries of `chunk`; returns the record of the first one that did not land, if any. */
async function publish(client: EventsClient, chunk: Pending[]): Promise<DynamoDBRecord | undefined> {
  if (chunk.length === 0) return undefined;
  try {
    const out = await client.send(new PutEventsCommand({ Entries: chunk.map((p) => p.entry) }));
    if (!out.FailedEntryCount) return undefined;
    const index = (out.Entries ?? []).findIndex((e) => e.ErrorCode !== undefined || e.EventId === undefined);
    const failed = chunk[index >= 0 ? index : 0]!.record;
    logger.warn('PutEvents rejected an entry', { sequenceNumber: failed.dynamodb?.SequenceNumber, error: out.Entries?.[index]?.ErrorCode });
    return failed;
  } catch (error) {
    logger.warn('PutEvents failed', { error: error as Error });
    return chunk[0]!.record;
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
