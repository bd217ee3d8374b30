/**
 * SDK clients are created once per container in store/clients.ts and captured by the tracer,
 * which is a no-op outside Lambda (tests, the local runtime): no X-Ray daemon is needed, and a
 * captured client is the client itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

describe('store/clients and the tracer', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds each client once and shares it', async () => {
    await jest.isolateModulesAsync(async () => {
      const clients = await import('../../store/clients');
      expect(clients.documentClient()).toBe(clients.documentClient());
      expect(clients.eventBridgeClient()).toBe(clients.eventBridgeClient());
      expect(clients.cloudWatchClient()).toBe(clients.cloudWatchClient());
      // The document client sends through the one DynamoDB client the idempotency layer is given too.
      expect(clients.documentClient().config).toBe(clients.dynamoDbClient().config);
    });
  });

  it('is off outside Lambda: a captured client is returned as it is', async () => {
    delete process.env.AWS_EXECUTION_ENV;
    await jest.isolateModulesAsync(async () => {
      const { tracer, traced } = await import('../../store/tracer');
      const client = new DynamoDBClient({ region: 'us-east-1' });
      expect(tracer.isTracingEnabled()).toBe(false);
      expect(traced(client)).toBe(client);
      expect(client.middlewareStack.identify().some((name) => /xray|segment/i.test(name))).toBe(false);
    });
  });

  it('stays off in a Lambda-like shell when POWERTOOLS_TRACE_ENABLED=false (what the local runtime sets)', async () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    process.env.POWERTOOLS_TRACE_ENABLED = 'false';
    await jest.isolateModulesAsync(async () => {
      const { tracer } = await import('../../store/tracer');
      expect(tracer.isTracingEnabled()).toBe(false);
    });
  });

  it('is on in Lambda, and then captures every SDK call of a client', async () => {
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    delete process.env.POWERTOOLS_TRACE_ENABLED;
    await jest.isolateModulesAsync(async () => {
      const { tracer, traced } = await import('../../store/tracer');
      const client = traced(new DynamoDBClient({ region: 'us-east-1' }));
      expect(tracer.isTracingEnabled()).toBe(true);
      expect(client.middlewareStack.identify().some((name) => /xray|segment/i.test(name))).toBe(true);
    });
  });
});
