/**
 * Faults the emulators cannot produce (throttling, timeouts), injected by stubbing the
 * DynamoDB document client's send: the handler must answer 503 with Retry-After and no AWS
 * internals.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lambdaContext } from '../../local/gateway';
import { startTestRewind, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
beforeAll(async () => {
  rewind = await startTestRewind('faults');
});
afterAll(() => rewind.stop());
afterEach(() => jest.restoreAllMocks());

const event = (sub: string, roles: string) =>
  ({
    routeKey: 'GET /views/{view}',
    pathParameters: { view: 'anything' },
    requestContext: { authorizer: { jwt: { claims: { sub, roles } } } },
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
