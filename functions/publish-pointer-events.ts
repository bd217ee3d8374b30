/**
 * The outbox publisher (DESIGN invariant 5): the history table's DynamoDB stream → Rewind's
 * event bus. The mapping from a history entry to its events is contract/events.ts
 * `historyEvents`; batching, ordering and partial-batch failures are store/eventbridge-outbox.ts.
 *
 * Environment: REWIND_EVENT_BUS (read once, on the first invocation; a missing one fails the
 * batch naming the variable, and the stream keeps the records); REWIND_OPENLINEAGE_URL, when
 * set, where the batch's OpenLineage events are POSTed too (never failing the batch).
 *
 * It reads three streams: history (pointer changes), versions (deploys) and jobs (failed deploy
 * jobs); store/eventbridge-outbox.ts `streamRecordEvents` says what each record stands for.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { config } from '../contract/config';
import { eventBridgeClient } from '../store/clients';
import { createPublisher } from '../store/eventbridge-outbox';
import { lineageNamespace } from '../contract/openlineage';
import { OpenLineageHttpPoster } from '../store/openlineage-http';
import { logger, tracer } from './commons/powertools';

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(captureLambdaHandler(tracer))
  .use(injectLambdaContext(logger))
  .handler(createPublisher(eventBridgeClient(), config.eventBusName, logger, { namespace: () => lineageNamespace(config.serviceName()), poster: lineagePoster }));

let poster: OpenLineageHttpPoster | undefined;
function lineagePoster(): OpenLineageHttpPoster | undefined {
  const url = config.openLineageUrl();
  if (url) poster ??= new OpenLineageHttpPoster(url, { log: logger });
  return url ? poster : undefined;
}
