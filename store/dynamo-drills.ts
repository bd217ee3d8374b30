/**
 * The DrillStore port over the drills table: one partition (`drill`), the id as sort key. Ids
 * start with the drill's start time, so "newest first" is one Query read backwards. Why a
 * table and not S3 objects: a report is a few kilobytes (its latency series is bucketed), the
 * list is read far more often than any one report, and a conditional put makes an id unique.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DrillReport } from '../core/drills/report';
import type { DrillStore } from '../core/ports/drills';

const PK = 'drill';

export class DynamoDrillStore implements DrillStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(report: DrillReport): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: PK, ...report }, ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async list(limit: number): Promise<DrillReport[]> {
    const out = await this.db.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PK }, ScanIndexForward: false, Limit: limit }));
    return (out.Items ?? []).map(strip);
  }

  async get(id: string): Promise<DrillReport | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: PK, id } }));
    return out.Item ? strip(out.Item) : undefined;
  }
}

function strip(item: Record<string, unknown>): DrillReport {
  const { pk: _pk, ...report } = item;
  return report as unknown as DrillReport;
}
