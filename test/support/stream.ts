/**
 * The outbox publisher's surroundings, faked: DynamoDB stream records as the history table's
 * stream delivers them (NEW_IMAGE), and an EventBridge client that keeps every PutEvents call
 * and can reject or throw on demand.
 */
import type { PutEventsCommand, PutEventsCommandOutput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { EventsClient } from '../../store/eventbridge-outbox';

let seq = 0;

/** A stream record carrying `image` as its NewImage (none when undefined), with the next sequence number. */
export function streamRecord(image: unknown, eventName: DynamoDBRecord['eventName'] = 'INSERT'): DynamoDBRecord {
  seq += 1;
  return {
    eventName,
    dynamodb: { SequenceNumber: String(seq).padStart(10, '0'), NewImage: image === undefined ? undefined : (marshall(image, { removeUndefinedValues: true }) as never) },
  };
}

/** A client whose PutEvents fails the entries at the given (global) positions, or throws on the given call. */
export function fakeEventsClient(options: { rejectAt?: number[]; throwOnCall?: number } = {}) {
  const sent: PutEventsRequestEntry[][] = [];
  let position = 0;
  const client: EventsClient = {
    send: (async (command: PutEventsCommand): Promise<Partial<PutEventsCommandOutput>> => {
      if (options.throwOnCall === sent.length) {
        sent.push([]);
        throw new Error('throttled');
      }
      const entries = command.input.Entries ?? [];
      sent.push(entries);
      const results = entries.map(() => (options.rejectAt?.includes(position++) ? { ErrorCode: 'InternalFailure' } : { EventId: `e${position}` }));
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    }) as EventsClient['send'],
  };
  return { client, sent };
}
