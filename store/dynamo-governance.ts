/**
 * The Governance port over the versions table: the policy document's revisions (partition
 * `#policy`: no view name can start with '#'; one immutable item per revision, sk `V#…`), its
 * proposals (same partition, sk `P#<id>`, marked applied in the revision's transaction) and each
 * view's approvals (sk `A#<id>` in the view's partition, so a pointer change can use one up
 * in its own transaction: store/dynamo-pointer-log.ts).
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidStateError, PolicyConflictError } from '../core/errors';
import type { Approval, AuditDraft, AuditEntry, PolicyProposal, StoredPolicy } from '../core/model';
import type { AppliedProposal, Governance } from '../core/ports';
import type { ChainAppendWriter, TransactItem } from './dynamo-chain-append';
import { approvalSk, versionSk } from './dynamo-query';

const POLICY_PARTITION = '#policy';
const proposalSk = (id: string): string => `P#${id}`;

/**
 * A transaction item that holds only while `revision` is the newest policy revision (0: none
 * stored). Revisions are written once each, in order (`putPolicy`: revision n + 1 only if
 * absent), so "no revision after n" is "no item at revision n + 1".
 */
export function policyStillInForce(table: string, revision: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: { view: POLICY_PARTITION, sk: versionSk(revision + 1) },
      ConditionExpression: 'attribute_not_exists(sk)',
    },
  };
}

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

  async putPolicy(policy: StoredPolicy, draft: AuditDraft, applies?: AppliedProposal): Promise<AuditEntry> {
    return this.chain.append<'policy' | 'proposal'>(draft, policy.updatedAt, {
      items: () => [
        {
          role: 'policy',
          // A revision is written once: of two concurrent writers, one wins.
          item: { Put: { TableName: this.table, Item: { view: POLICY_PARTITION, sk: versionSk(policy.revision), ...policy }, ConditionExpression: 'attribute_not_exists(sk)' } },
        },
        ...(applies
          ? [
              {
                role: 'proposal' as const,
                // Applied once: two approvers racing cannot turn one proposal into two revisions.
                item: {
                  Update: {
                    TableName: this.table,
                    Key: { view: POLICY_PARTITION, sk: proposalSk(applies.id) },
                    UpdateExpression: 'SET applied = :applied',
                    ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(applied)',
                    ExpressionAttributeValues: { ':applied': applies.applied },
                  },
                },
              },
            ]
          : []),
      ],
      onCancel: async (refused) => {
        if (refused.proposal?.Code === 'ConditionalCheckFailed') throw new InvalidStateError(`policy proposal '${applies!.id}' was applied by another approval meanwhile`);
        if (refused.policy?.Code === 'ConditionalCheckFailed') {
          const current = await this.getPolicy();
          throw new PolicyConflictError(policy.revision - 1, current?.revision ?? 0);
        }
      },
    });
  }

  async putPolicyProposal(proposal: PolicyProposal, draft: AuditDraft): Promise<AuditEntry> {
    return this.chain.append(draft, proposal.proposedAt, {
      items: () => [
        {
          role: 'proposal',
          item: { Put: { TableName: this.table, Item: { view: POLICY_PARTITION, sk: proposalSk(proposal.id), ...proposal }, ConditionExpression: 'attribute_not_exists(sk)' } },
        },
      ],
    });
  }

  async getPolicyProposal(id: string): Promise<PolicyProposal | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { view: POLICY_PARTITION, sk: proposalSk(id) }, ConsistentRead: true }));
    return out.Item ? proposalOf(out.Item) : undefined;
  }

  async listPolicyProposals(limit: number): Promise<PolicyProposal[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: '#view = :policy AND begins_with(sk, :prefix)',
        ExpressionAttributeNames: { '#view': 'view' },
        ExpressionAttributeValues: { ':policy': POLICY_PARTITION, ':prefix': 'P#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(proposalOf);
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

function proposalOf(item: Record<string, unknown>): PolicyProposal {
  const { view: _view, sk: _sk, ...proposal } = item;
  return proposal as unknown as PolicyProposal;
}
