/**
 * The Powertools Tracer, one per container, shared by the SDK clients (store/clients.ts
 * captures each) and the handlers (functions/commons/powertools.ts re-exports it for the
 * `captureLambdaHandler` middleware). It lives in store/ because the clients are built here
 * and store/ may not import functions/.
 *
 * X-Ray is switched on by the stack (`Tracing.ACTIVE`). Outside Lambda (no AWS_EXECUTION_ENV:
 * the local runtime, the tests, the bench) Powertools disables the tracer by itself and
 * `captureAWSv3Client` returns the client untouched; the local runtime also sets
 * POWERTOOLS_TRACE_ENABLED=false so that nothing depends on that detection.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { config } from '../contract/config';

export const tracer = new Tracer({ serviceName: config.serviceName() });

/**
 * `client`, with every call it sends recorded as an X-Ray subsegment (when tracing is on).
 *
 * @example const db = traced(new DynamoDBClient({}));
 */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
