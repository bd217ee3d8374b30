/**
 * Faults the emulators cannot produce (throttling, timeouts), injected by stubbing the
 * DynamoDB document client's send: the handler must answer 503 with Retry-After and no AWS
 * internals. The stub patches this process's client, so the handler is called in process: this
 * suite never runs against a deployed stack.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '../../local/gateway';
import { startLocalTestRewind } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
beforeAll(async () => {
  rewind = await startLocalTestRewind('faults');
});
afterAll(() => rewind.stop());
afterEach(() => jest.restoreAllMocks());

const event = (sub: string, roles: string) =>
  ({
    routeKey: 'GET /views/{view}',
    pathParameters: { view: rewind.view('anything') },
    requestContext: { authorizer: { jwt: { claims: { sub: `${sub}.${rewind.tag}`, roles } } } },
  }) as never;

it.each([
  ['throttling (stubbed client)', Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException' })],
  ['a timeout (stubbed client)', Object.assign(new Error('socket hang up after 3000ms'), { name: 'TimeoutError' })],
])('answers %s with 503 and Retry-After', async (_name, fault) => {
  jest.spyOn(DynamoDBDocumentClient.prototype, 'send').mockRejectedValue(fault as never);
  const { handler } = await import('../../functions/get-view');
  const result = await handler(event('ops', '[viewer]'), lambdaContext({ handler: 'get-view' }));
  expect(result.statusCode).toBe(503);
  expect(result.headers).toMatchObject({ 'retry-after': '1' });
  expect(result.body).not.toMatch(/capacity|socket/);
});
