/**
 * The FollowUpLog port (core/ports/follow-ups.ts) over the history table: `followUp` is set on
 * the rollback's own history entry, which must exist (a follow-up never creates an entry). The
 * outbox publishes on INSERT only (store/eventbridge-outbox.ts), so this update publishes
 * nothing; the local relay reads by revision and never sees it as new.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FollowUpLog } from '../core/ports/follow-ups';
import type { FollowUp } from '../core/runbook';

export class DynamoFollowUpLog implements FollowUpLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly historyTable: string,
  ) {}

  async recordFollowUp(view: string, revision: number, followUp: FollowUp): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.historyTable,
        Key: { view, revision },
        UpdateExpression: 'SET #followUp = :followUp',
        ConditionExpression: 'attribute_exists(#revision)',
        ExpressionAttributeNames: { '#followUp': 'followUp', '#revision': 'revision' },
        ExpressionAttributeValues: { ':followUp': followUp },
      }),
    );
  }
}
