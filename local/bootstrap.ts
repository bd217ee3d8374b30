/**
 * Creates Rewind's tables from the shared description in contract/tables.ts (the same list
 * the CDK stack reads), skipping those that exist.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableSpec } from '../contract/tables';
import { waitUntil } from './tcp-ports';

export function createTableInput(spec: TableSpec, tableName: string): CreateTableCommandInput {
  const attributes = new Map<string, string>();
  const add = (k?: { name: string; type: string }) => k && attributes.set(k.name, k.type);
  add(spec.partitionKey);
  add(spec.sortKey);
  spec.globalIndexes?.forEach((g) => (add(g.partitionKey), add(g.sortKey)));
  const keySchema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType: AttributeType as 'S' | 'N' })),
    KeySchema: keySchema(spec.partitionKey, spec.sortKey),
    ...(spec.globalIndexes?.length
      ? {
          GlobalSecondaryIndexes: spec.globalIndexes.map((g) => ({
            IndexName: g.indexName,
            KeySchema: keySchema(g.partitionKey, g.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
    ...(spec.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: spec.stream } } : {}),
  };
}

/** Creates the tables named in `names` (those left out live elsewhere: the local runtime's in-memory online table). */
export async function ensureTables(client: DynamoDBClient, names: Partial<Record<TableSpec['id'], string>>): Promise<void> {
  for (const spec of TABLES) {
    const TableName = names[spec.id];
    if (TableName === undefined) continue;
    try {
      await client.send(new CreateTableCommand(createTableInput(spec, TableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntil(async () => (await client.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE', `table ${TableName}`);
  }
}
