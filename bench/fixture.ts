/**
 * The bench's one feature view and its rows, shared by every group that deploys (bench/spine.ts,
 * bench/deploy.ts, bench/jobs.ts), and the bare-table ceiling they measure a deploy against.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { userProfile } from '../test/support/fixtures';
import { timed } from './measure';

/** The view every suite deploys (test/support/fixtures.ts). */
export const definition = userProfile;

/**
 * The serving groups' smaller view (bench/batch.ts, bench/canary.ts, bench/time-travel.ts):
 * three features, so a served body is the same size from one group to the next.
 */
export const servingDefinition = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int', default: 0 },
    { name: 'country', type: 'string', default: 'unknown' },
    { name: 'avg_basket', type: 'float' },
  ],
} as const;

/** Row `i` of a version; `seed` shifts every value, so two versions of one view differ. */
export function row(i: number, seed = 0) {
  return { user_id: `u${i}`, age: 18 + ((i * 7 + seed) % 60), country: ['FR', 'DE', 'US', 'JP'][(i + seed) % 4], avg_basket: ((i * 13 + seed) % 2000) / 10, is_premium: (i + seed) % 3 === 0 };
}

/** `rows` rows as one JSON-lines text, as `rewind deploy --data` uploads it. */
export function jsonLines(rows: number, seed = 0): string {
  const lines: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) lines[i] = JSON.stringify(row(i, seed));
  return lines.join('\n');
}

/** The ceiling: `rows` items into a fresh bare table, 25 per BatchWriteItem, 8 in flight; rows/s. */
export async function bareCeiling(endpoint: string, table: string, rows: number): Promise<number> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint }));
  try {
    await db.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const items = Array.from({ length: rows }, (_, i) => {
      const { user_id, ...v } = row(i);
      return { pk: `bench#1#${user_id}`, v };
    });
    const { ms } = await timed(() => batchWriteAll(db, table, items, 8));
    return Math.round(rows / (ms / 1000));
  } finally {
    db.destroy();
  }
}

/** Writes `items` to `table`, 25 per BatchWriteItem, `concurrency` in flight, UnprocessedItems sent again. */
export async function batchWriteAll(db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const start = next;
      next = Math.min(items.length, next + 25);
      let pending: Record<string, unknown>[] = items.slice(start, next).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
