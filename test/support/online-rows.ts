/**
 * Online rows stored under (view, version), counted in the table itself (every page of the
 * scan): what a suite checks after a deploy, a purge or a crash, beside what the API says.
 */
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export async function countOnlineRows(db: DynamoDBClient, table: string, view: string, version: number): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: `${view}#${version}#` } },
        ExclusiveStartKey,
        ConsistentRead: true,
      }),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}
