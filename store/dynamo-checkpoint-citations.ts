/**
 * Every history entry's audit id, read for GET /audit/verify (is each one's audit entry still
 * there?). One scan of the history table, projected to three attributes: the history of a
 * control plane is small, and verify reads the whole audit table anyway.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryCitation, HistoryCitations } from '../core/ports/audit-checkpoints';

export class DynamoHistoryCitations implements HistoryCitations {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async *citations(): AsyncIterable<HistoryCitation> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: '#view, #revision, #auditId',
          ExpressionAttributeNames: { '#view': 'view', '#revision': 'revision', '#auditId': 'auditId' },
          ExclusiveStartKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) yield { view: String(item.view), revision: Number(item.revision), auditId: String(item.auditId) };
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
}
