/**
 * The Governance port over the versions table: the policy document's revisions (partition
 * `#policy`: no view name can start with '#'; one immutable item per revision) and each
 * view's approvals (sk `A#<id>` in the view's partition, so a pointer change can use one up
 * in its own transaction: store/dynamo-pointer-log.ts).
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PolicyConflictError } from '../core/errors';
import type { Approval, AuditDraft, AuditEntry, StoredPolicy } from '../core/model';
import type { Governance } from '../core/ports';
import type { ChainAppendWriter } from './dynamo-chain-append';
import { approvalSk, versionSk } from './dynamo-query';

const POLICY_PARTITION = '#policy';

export class DynamoGovernance implements Governance {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly chain: ChainAppendWriter,
  ) {}

  async getPolicy(): Promise<StoredPolicy | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#view = :policy AND begins_with(sk, :prefix)',
        ExpressionAttributeNames: { '#view': 'view' },
        ExpressionAttributeValues: { ':policy': POLICY_PARTITION, ':prefix': 'V#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    if (!item) return undefined;
    return { revision: Number(item.revision), document: item.document, updatedAt: String(item.updatedAt), updatedBy: String(item.updatedBy) };
  }

  async putPolicy(policy: StoredPolicy, draft: AuditDraft): Promise<AuditEntry> {
    return this.chain.append<'policy'>(draft, policy.updatedAt, {
      items: () => [
        {
          role: 'policy',
          // A revision is written once: of two concurrent writers, one wins.
          item: { Put: { TableName: this.table, Item: { view: POLICY_PARTITION, sk: versionSk(policy.revision), ...policy }, ConditionExpression: 'attribute_not_exists(sk)' } },
        },
      ],
      onCancel: async (refused) => {
        if (refused.policy?.Code === 'ConditionalCheckFailed') {
          const current = await this.getPolicy();
          throw new PolicyConflictError(policy.revision - 1, current?.revision ?? 0);
        }
      },
    });
  }

  async putApproval(approval: Approval, draft: AuditDraft): Promise<AuditEntry> {
    return this.chain.append(draft, approval.at, {
      items: () => [
        { role: 'approval', item: { Put: { TableName: this.table, Item: { ...approval, sk: approvalSk(approval.id) }, ConditionExpression: 'attribute_not_exists(sk)' } } },
      ],
    });
  }

  async listApprovals(view: string, limit: number): Promise<Approval[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#view = :view AND begins_with(sk, :prefix)',
        ExpressionAttributeNames: { '#view': 'view' },
        ExpressionAttributeValues: { ':view': view, ':prefix': 'A#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map((item) => {
      const { sk: _sk, ...approval } = item;
      return approval as Approval;
    });
  }
}
