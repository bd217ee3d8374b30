import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** Every page of a Query, in order. */
export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * Up to `limit` items of a Query, in its order, reading on while a filter emptied the pages:
 * DynamoDB applies `Limit` to the items it reads BEFORE the filter, so a page of the newest
 * `limit` items may hold none that match. Pages start at `limit` (enough when matches are
 * common) and double up to `maxPage`, so a rare match costs log(partition / limit) round trips.
 */
export async function queryUpTo(db: DynamoDBDocumentClient, input: QueryCommandInput, limit: number, maxPage: number): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  let pageSize = limit;
  do {
    const page = await db.send(new QueryCommand({ ...input, Limit: pageSize, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
    pageSize = Math.min(pageSize * 2, maxPage);
  } while (ExclusiveStartKey && items.length < limit);
  return items.slice(0, limit);
}

/**
 * Sort keys in the versions table: `V#n` version records, `M#n` materialization states,
 * `A#<id>` approvals (ids sort by time), `VIEW` the counter and catalog entry. Zero-padded so
 * they sort by number.
 */
export const versionSk = (version: number) => `V#${String(version).padStart(10, '0')}`;
export const materializationSk = (version: number) => `M#${String(version).padStart(10, '0')}`;
/**
 * Approvals live in their view's partition of the versions table, so a pointer change can
 * mark one used in its own transaction.
 */
export const approvalSk = (id: string) => `A#${id}`;
