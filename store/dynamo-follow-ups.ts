/**
 * The FollowUpLog port (core/ports/follow-ups.ts) over the followups table (contract/tables.ts):
 * one item per followed-up rollback at (view, revision), written once.
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FollowUpLog } from '../core/ports/follow-ups';
import type { FollowUp } from '../core/runbook';
import { queryAll } from './dynamo-query';

export class DynamoFollowUpLog implements FollowUpLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async recordFollowUp(view: string, revision: number, followUp: FollowUp): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { view, revision, followUp }, ConditionExpression: 'attribute_not_exists(#revision)', ExpressionAttributeNames: { '#revision': 'revision' } }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async followUps(view: string, fromRevision: number, toRevision: number): Promise<Map<number, FollowUp>> {
    const items = (await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#view = :view AND #revision BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#view': 'view', '#revision': 'revision' },
      ExpressionAttributeValues: { ':view': view, ':from': fromRevision, ':to': toRevision },
    })) as { revision: number; followUp: FollowUp }[];
    return new Map(items.map((i) => [i.revision, i.followUp]));
  }
}
