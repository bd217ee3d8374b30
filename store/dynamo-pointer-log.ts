/**
 * The PointerLog port: the pointers and history tables. A pointer change is ONE
 * TransactWriteItems (invariant 2): the pointer conditioned on the revision it was read at,
 * the history entry, the audit entry and its chain's head, the approval it uses up, and
 * checks that each version it serves is materialized and that the policy it was judged by is
 * still the newest.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidStateError, RevisionConflictError } from '../core/errors';
import { PolicySupersededError } from '../core/authorization';
import { NotMaterializedError } from '../core/materialize';
import type { AuditEntry, HistoryEntry, Pointer } from '../core/model';
import type { CommittedChange, PointerChange, PointerLog, PurgeStart } from '../core/ports';
import type { TableNames } from './config';
import type { ChainAppendWriter, RoledItem } from './dynamo-chain-append';
import { policyStillInForce } from './dynamo-governance';
import { approvalSk, materializationSk, queryAll } from './dynamo-query';

type ChangeRole = 'pointer' | 'history' | 'approval' | 'policy' | `materialized:${number}`;

const MATERIALIZED_ROLE = /^materialized:(\d+)$/;

export class DynamoPointerLog implements PointerLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    /** `versions`: approvals live there, and a change marks the one it uses in its own transaction. */
    private readonly tables: Pick<TableNames, 'pointers' | 'history' | 'versions'>,
    private readonly chain: ChainAppendWriter,
  ) {}

  async getPointer(view: string): Promise<Pointer | undefined> {
    // Strongly consistent: the serving cache's staleness bound must be the only staleness.
    const out = await this.db.send(new GetCommand({ TableName: this.tables.pointers, Key: { view }, ConsistentRead: true }));
    return out.Item as Pointer | undefined;
  }

  async commitPointerChange(change: PointerChange): Promise<CommittedChange> {
    const { before, after, useApproval } = change;
    let history: HistoryEntry | undefined;
    const audit = await this.chain.append<ChangeRole>(change.audit, change.history.at, {
      ...(change.chainEnd ? { chainEnd: change.chainEnd } : {}),
      items: (entry) => {
        history = { ...change.history, auditId: entry.id };
        const items: RoledItem<ChangeRole>[] = [
          {
            role: 'pointer',
            item: { Put: { TableName: this.tables.pointers, Item: after, ...revisionCondition(before.revision), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
          },
          {
            role: 'history',
            item: {
              Put: { TableName: this.tables.history, Item: history, ConditionExpression: 'attribute_not_exists(#revision)', ExpressionAttributeNames: { '#revision': 'revision' } },
            },
          },
        ];
        // Invariant 8: each version served after the change is `materialized` now, in this
        // transaction; a purge's start checks the pointer in its own, so one of the two loses.
        for (const version of change.served)
          items.push({
            role: `materialized:${version}`,
            item: {
              ConditionCheck: {
                TableName: this.tables.versions,
                Key: { view: before.view, sk: materializationSk(version) },
                ConditionExpression: '#state = :materialized',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':materialized': 'materialized' },
              },
            },
          });
        // Judged by this policy revision: it must still be the newest when the change lands.
        if (change.policyRevision !== undefined) items.push({ role: 'policy', item: policyStillInForce(this.tables.versions, change.policyRevision) });
        if (useApproval)
          items.push({
            role: 'approval',
            // Only if it still exists unused: an approval lets one change through.
            item: {
              Update: {
                TableName: this.tables.versions,
                Key: { view: useApproval.view, sk: approvalSk(useApproval.id) },
                UpdateExpression: 'SET usedAt = :at, usedBy = :by, usedRevision = :revision',
                ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(usedAt)',
                ExpressionAttributeValues: { ':at': change.history.at, ':by': change.history.actor, ':revision': after.revision },
              },
            },
          });
        return items;
      },
      onCancel: async (refused) => {
        // First: whatever else is refused is then answered under the rules in force.
        if (refused.policy?.Code === 'ConditionalCheckFailed') throw new PolicySupersededError(before.view, change.policyRevision!);
        // The pointer (or its history slot) moved: that is the caller's conflict, not ours.
        if (refused.pointer?.Code === 'ConditionalCheckFailed' || refused.history?.Code === 'ConditionalCheckFailed') {
          const current = refused.pointer?.Item ? (unmarshall(refused.pointer.Item) as Pointer) : await this.getPointer(before.view);
          throw new RevisionConflictError(before.view, before.revision, current?.revision ?? 0, current);
        }
        const unmaterialized = Object.entries(refused).flatMap(([role, reason]) => {
          const version = MATERIALIZED_ROLE.exec(role)?.[1];
          return version !== undefined && reason?.Code === 'ConditionalCheckFailed' ? [Number(version)] : [];
        });
        if (unmaterialized.length) throw new NotMaterializedError(before.view, unmaterialized);
        if (refused.approval?.Code === 'ConditionalCheckFailed')
          throw new InvalidStateError(`approval ${useApproval!.id} was used by another change meanwhile; ask for a new one`);
      },
    });
    return { pointer: after, history: history!, audit };
  }

  async beginPurge(start: PurgeStart): Promise<AuditEntry> {
    const { view, version } = start;
    return this.chain.append<'pointer' | 'materialization'>(start.audit, start.at, {
      items: () => [
        {
          role: 'pointer',
          // Neither stable nor candidate (no pointer at all qualifies too). `=` is false on a
          // missing or null attribute, so NOT(=) holds for a view with no candidate.
          item: {
            ConditionCheck: {
              TableName: this.tables.pointers,
              Key: { view },
              // At the revision the purge decided on (none yet: never activated), and
              // serving the version neither as stable nor as candidate.
              ConditionExpression: `${start.revision === 0 ? 'attribute_not_exists(#view)' : '#revision = :revision'} AND NOT (#stable = :version) AND NOT (#candidate.#version = :version)`,
              ExpressionAttributeNames: { ...(start.revision === 0 ? { '#view': 'view' } : { '#revision': 'revision' }), '#stable': 'stable', '#candidate': 'candidate', '#version': 'version' },
              ExpressionAttributeValues: { ':version': version, ...(start.revision === 0 ? {} : { ':revision': start.revision }) },
            },
          },
        },
        {
          role: 'materialization',
          item: {
            Update: {
              TableName: this.tables.versions,
              Key: { view, sk: materializationSk(version) },
              UpdateExpression: 'SET #state = :purging, #version = :version, updatedAt = :at',
              ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
              ExpressionAttributeValues: { ':purging': 'purging', ':version': version, ':at': start.at },
            },
          },
        },
      ],
      onCancel: (refused) => {
        if (refused.pointer?.Code === 'ConditionalCheckFailed')
          throw new InvalidStateError(`the pointer of '${view}' changed while the purge of version ${version} was starting (it may serve it now); nothing was purged: try again`);
      },
    });
  }

  async historyEntry(view: string, revision: number): Promise<HistoryEntry | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.history, Key: { view, revision }, ConsistentRead: true }));
    return out.Item as HistoryEntry | undefined;
  }

  async history(view: string, limit: number): Promise<HistoryEntry[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.history,
        KeyConditionExpression: '#view = :view',
        ExpressionAttributeNames: { '#view': 'view' },
        ExpressionAttributeValues: { ':view': view },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []) as HistoryEntry[];
  }

  async historyRange(view: string, from: number, to: number): Promise<HistoryEntry[]> {
    // Every page: entries carry refresh plans, and a range can outgrow one 1 MB page.
    return (await queryAll(this.db, {
      TableName: this.tables.history,
      KeyConditionExpression: '#view = :view AND #revision BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#view': 'view', '#revision': 'revision' },
      ExpressionAttributeValues: { ':view': view, ':from': from, ':to': to },
      ScanIndexForward: true,
      ConsistentRead: true,
    })) as unknown as HistoryEntry[];
  }
}

/** A new pointer must not exist yet; an existing one must still be at the revision read. */
function revisionCondition(revision: number): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  return revision === 0
    ? { ConditionExpression: 'attribute_not_exists(#view)', ExpressionAttributeNames: { '#view': 'view' } }
    : { ConditionExpression: '#revision = :expected', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':expected': revision } };
}
