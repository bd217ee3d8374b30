/**
 * The Registry port over DynamoDB: version records, the view catalog, pointers, history and
 * the audit chains. Pointer changes are one TransactWriteItems (invariant 2).
 *
 * Audit table layout: partition `chain`, entries at `seq` 1, 2, …, and one head item per chain
 * in a partition of its own, (auditHeadPartition(chain) = `${chain}#head`, AUDIT_HEAD_SEQ),
 * holding the newest entry's seq and hash (`lastSeq`, `lastHash`). A chain's partition holds
 * entries only, as it did before heads, so that release still finds its chain's end (rolled
 * back to, or alongside this one during a deploy). Every scan of entries leaves heads out.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LRUCache } from 'lru-cache';
import { AUDIT_HEAD_SEQ, AUDIT_HEAD_SUFFIX, VIEW_CATALOG_INDEX, auditHeadPartition, isAuditHeadPartition } from '../contract/tables';
import { GENESIS_HASH, appendToChain, chainFor, hashEntry, type ChainAppend } from '../core/audit-chain';
import { InvalidStateError, PolicyConflictError, RevisionConflictError } from '../core/errors';
import type { Approval, AuditDraft, AuditEntry, ChainHead, HistoryEntry, Materialization, Pointer, StoredPolicy, VersionRecord } from '../core/model';
import type { AuditChain, AuditFilter, CommittedChange, PointerChange, Registry } from '../core/ports';
import { backoff, errorName } from './aws-errors';
import type { TableNames } from './config';

const CATALOG_SK = 'VIEW';
const CATALOG_PARTITION = 'views';
/** A chain append loses its seq to a concurrent writer at most this often before giving up. */
const MAX_APPEND_ATTEMPTS = 40;
/** Largest page an actor-filtered audit query asks for (DynamoDB stops at 1 MB per page anyway). */
const MAX_AUDIT_PAGE = 1000;

const versionSk = (version: number) => `V#${String(version).padStart(10, '0')}`;
const materializationSk = (version: number) => `M#${String(version).padStart(10, '0')}`;
/**
 * Approvals live in their view's partition of the versions table (sk `A#<id>`, ids sort by
 * time), so a pointer change can mark one used in its own transaction.
 */
const approvalSk = (id: string) => `A#${id}`;
/**
 * The policy document's revisions are immutable records too: partition `#policy` of the
 * versions table (no view name can start with '#'), one item per revision.
 */
const POLICY_PARTITION = '#policy';

export class DynamoRegistry implements Registry {
  /**
   * Version records never change once written (invariant 1), so a container reads each at
   * most once: a pointer change otherwise re-reads the same records for its tier, its
   * target and its artifacts. Misses are not cached (a version may be written later), and
   * callers get copies, so no caller can alter the cached record.
   */
  private readonly versionCache = new LRUCache<string, VersionRecord>({ max: 200 });

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'versions' | 'pointers' | 'history' | 'audit'>,
  ) {}

  async nextVersionNumber(view: string, at: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tables.versions,
        Key: { view, sk: CATALOG_SK },
        UpdateExpression: 'ADD latestVersion :one SET #catalog = if_not_exists(#catalog, :catalog), createdAt = if_not_exists(createdAt, :at)',
        ExpressionAttributeNames: { '#catalog': 'catalog' },
        ExpressionAttributeValues: { ':one': 1, ':catalog': CATALOG_PARTITION, ':at': at },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes!.latestVersion);
  }

  async putVersion(record: VersionRecord, draft: AuditDraft): Promise<AuditEntry> {
    return this.withChainAppend(draft, record.createdAt, (audit) => [
      {
        Put: {
          TableName: this.tables.versions,
          Item: { ...record, sk: versionSk(record.version) },
          // Immutability: a version record is written once.
          ConditionExpression: 'attribute_not_exists(sk)',
        },
      },
      audit,
    ]);
  }

  async getVersion(view: string, version: number): Promise<VersionRecord | undefined> {
    const key = `${view}#${version}`;
    const cached = this.versionCache.get(key);
    if (cached) return structuredClone(cached);
    // Consistent: "deploy, then activate what was just deployed" must find the version on AWS too.
    const out = await this.db.send(new GetCommand({ TableName: this.tables.versions, Key: { view, sk: versionSk(version) }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const record = toVersion(out.Item);
    this.versionCache.set(key, structuredClone(record));
    return record;
  }

  async listVersions(view: string): Promise<VersionRecord[]> {
    const items = await this.queryAll({
      TableName: this.tables.versions,
      KeyConditionExpression: '#view = :view AND begins_with(sk, :prefix)',
      ExpressionAttributeNames: { '#view': 'view' },
      ExpressionAttributeValues: { ':view': view, ':prefix': 'V#' },
      ConsistentRead: true,
    });
    return items.map(toVersion);
  }

  /** From the view catalog index: a GSI, so eventually consistent (a view deployed a moment ago may be missing). */
  async listViews(): Promise<string[]> {
    const items = await this.queryAll({
      TableName: this.tables.versions,
      IndexName: VIEW_CATALOG_INDEX,
      KeyConditionExpression: '#catalog = :catalog',
      ExpressionAttributeNames: { '#catalog': 'catalog' },
      ExpressionAttributeValues: { ':catalog': CATALOG_PARTITION },
    });
    return items.map((i) => String(i.view));
  }

  async viewExists(view: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tables.versions, Key: { view, sk: CATALOG_SK }, ProjectionExpression: 'latestVersion', ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  async getMaterialization(view: string, version: number): Promise<Materialization | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tables.versions, Key: { view, sk: materializationSk(version) }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { sk: _sk, ...rest } = out.Item;
    return rest as Materialization;
  }

  async putMaterialization(state: Materialization): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tables.versions, Item: { ...state, sk: materializationSk(state.version) } }));
  }

  async getPointer(view: string): Promise<Pointer | undefined> {
    // Strongly consistent: the serving cache's staleness bound must be the only staleness.
    const out = await this.db.send(new GetCommand({ TableName: this.tables.pointers, Key: { view }, ConsistentRead: true }));
    return out.Item as Pointer | undefined;
  }

  async commitPointerChange(change: PointerChange): Promise<CommittedChange> {
    const { before, after } = change;
    let history: HistoryEntry | undefined;
    const audit = await this.withChainAppend(
      change.audit,
      change.history.at,
      (auditPut, entry) => {
        history = { ...change.history, auditId: entry.id };
        return [
          {
            Put: {
              TableName: this.tables.pointers,
              Item: after,
              ...revisionCondition(before.revision),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: this.tables.history,
              Item: history,
              ConditionExpression: 'attribute_not_exists(#revision)',
              ExpressionAttributeNames: { '#revision': 'revision' },
            },
          },
          auditPut,
          ...(change.useApproval ? [this.useApprovalItem(change.useApproval, change.history.actor, change.history.at, after.revision)] : []),
        ];
      },
      async (reasons) => {
        // The pointer (or its history slot) moved: that is the caller's conflict, not ours.
        if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons[1]?.Code === 'ConditionalCheckFailed') {
          const current = reasons[0]?.Item ? (unmarshall(reasons[0].Item) as Pointer) : await this.getPointer(before.view);
          throw new RevisionConflictError(before.view, before.revision, current?.revision ?? 0, current);
        }
        if (reasons[3]?.Code === 'ConditionalCheckFailed')
          throw new InvalidStateError(`approval ${change.useApproval!.id} was used by another change meanwhile; ask for a new one`);
      },
    );
    return { pointer: after, history: history!, audit };
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

  async getPolicy(): Promise<StoredPolicy | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.versions,
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
    return this.withChainAppend(
      draft,
      policy.updatedAt,
      (audit) => [
        {
          Put: {
            TableName: this.tables.versions,
            Item: { view: POLICY_PARTITION, sk: versionSk(policy.revision), ...policy },
            // A revision is written once: of two concurrent writers, one wins.
            ConditionExpression: 'attribute_not_exists(sk)',
          },
        },
        audit,
      ],
      async (reasons) => {
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          const current = await this.getPolicy();
          throw new PolicyConflictError(policy.revision - 1, current?.revision ?? 0);
        }
      },
    );
  }

  async putApproval(approval: Approval, draft: AuditDraft): Promise<AuditEntry> {
    return this.withChainAppend(draft, approval.at, (audit) => [
      {
        Put: {
          TableName: this.tables.versions,
          Item: { ...approval, sk: approvalSk(approval.id) },
          ConditionExpression: 'attribute_not_exists(sk)',
        },
      },
      audit,
    ]);
  }

  async listApprovals(view: string, limit: number): Promise<Approval[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.versions,
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

  /** Marks an approval used, only if it still exists unused: an approval lets one change through. */
  private useApprovalItem(approval: Approval, actor: string, at: string, revision: number): TransactItem {
    return {
      Update: {
        TableName: this.tables.versions,
        Key: { view: approval.view, sk: approvalSk(approval.id) },
        UpdateExpression: 'SET usedAt = :at, usedBy = :by, usedRevision = :revision',
        ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(usedAt)',
        ExpressionAttributeValues: { ':at': at, ':by': actor, ':revision': revision },
      },
    };
  }

  async appendAudit(draft: AuditDraft): Promise<AuditEntry> {
    return this.withChainAppend(draft, new Date().toISOString(), (audit) => [audit]);
  }

  async listAudit(options: AuditFilter): Promise<AuditEntry[]> {
    const { view, actor, limit } = options;
    const byActor =
      actor === undefined
        ? undefined
        : { FilterExpression: '#actor = :actor', ExpressionAttributeNames: { '#actor': 'actor' }, ExpressionAttributeValues: { ':actor': actor } };
    if (view) {
      // DynamoDB applies Limit to the items it reads, BEFORE the filter: a page of the newest
      // `limit` entries may hold none of the actor's. So read on, newest first, until `limit`
      // of them are found or the chain ends. Pages start at `limit` (enough when the actor is
      // active) and double, so a rare actor costs log(chain / limit) round trips, not one per page.
      const entries: AuditEntry[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      let pageSize = limit;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tables.audit,
            // The chain's partition holds entries only (its head is in another).
            KeyConditionExpression: '#chain = :chain',
            ...(byActor ? { FilterExpression: byActor.FilterExpression } : {}),
            ExpressionAttributeNames: { '#chain': 'chain', ...byActor?.ExpressionAttributeNames },
            ExpressionAttributeValues: { ':chain': chainFor(view), ...byActor?.ExpressionAttributeValues },
            ScanIndexForward: false,
            Limit: pageSize,
            ExclusiveStartKey,
            // An auditor reads the entry of the refusal they just got: consistent, like the scans.
            ConsistentRead: true,
          }),
        );
        entries.push(...((page.Items ?? []) as AuditEntry[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
        pageSize = Math.min(pageSize * 2, MAX_AUDIT_PAGE);
      } while (byActor && ExclusiveStartKey && entries.length < limit);
      return entries.slice(0, limit);
    }
    // Across all chains there is no single order to query; the audit log of a control plane
    // is small, so read it and sort (GET /audit without ?view= is an operator's tool). With an
    // actor the scan filters server-side, so only that actor's entries cross the wire.
    const all: AuditEntry[] = [];
    if (!byActor) for await (const chain of this.auditChains()) all.push(...chain.entries);
    else {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(new ScanCommand({ TableName: this.tables.audit, ...byActor, ExclusiveStartKey, ConsistentRead: true }));
        // Heads carry no actor, so the filter drops them already; say so in code too.
        all.push(...((page.Items ?? []).filter((item) => !isHeadItem(item)) as AuditEntry[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
    return all.sort(newestFirst).slice(0, limit);
  }

  async *auditChains(): AsyncIterable<AuditChain> {
    const byChain = new Map<string, AuditChain>();
    const chainOf = (name: string) => byChain.get(name) ?? byChain.set(name, { chain: name, entries: [] }).get(name)!;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new ScanCommand({ TableName: this.tables.audit, ExclusiveStartKey, ConsistentRead: true }));
      for (const item of page.Items ?? []) {
        // A head with no entries left is a chain too: every entry of it was deleted.
        if (isHeadItem(item)) {
          const chain = String(item.chain).slice(0, -AUDIT_HEAD_SUFFIX.length);
          chainOf(chain).head = fromHeadItem(chain, item);
        } else chainOf(String(item.chain)).entries.push(item as AuditEntry);
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    for (const [, chain] of [...byChain].sort(([a], [b]) => a.localeCompare(b))) {
      chain.entries.sort((a, b) => a.seq - b.seq);
      yield chain;
    }
  }

  /**
   * Append an audit entry to its chain inside a transaction with `items`, and move the chain's
   * head in that same transaction. The entry claims the next seq with a condition, so
   * concurrent appends cannot fork the chain; the head write is conditioned on the head still
   * naming the seq this append followed (or on there being no head yet), so it can never fall
   * behind its entries. The loser of a race re-reads the end and tries again. `onCancel` may
   * turn a cancellation into the caller's own error (e.g. a revision conflict) by throwing it;
   * it sees the reasons of the caller's items only, in the caller's order.
   *
   * DynamoDB calls per append: two Queries in parallel (the head, the newest entry: one round
   * trip) and one TransactWriteItems, plus the same again per lost race. The head is a Put, not
   * an Update, and read by Query, not GetItem: the audit `append` grant (infra/access.ts) is
   * PutItem and Query only.
   */
  private async withChainAppend(
    draft: AuditDraft,
    at: string,
    items: (auditPut: TransactItem, entry: AuditEntry) => TransactItem[],
    onCancel?: (reasons: CancellationReason[]) => Promise<void>,
  ): Promise<AuditEntry> {
    const chain = chainFor(draft.view);
    for (let attempt = 0; ; attempt++) {
      const { head, newest } = await this.chainEnd(chain);
      const append = appendToChain(chain, head, newest, draft, at);
      const auditPut: TransactItem = {
        Put: { TableName: this.tables.audit, Item: append.entry, ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } },
      };
      const callerItems = items(auditPut, append.entry);
      try {
        // The head goes last, so the caller's items keep their indexes in a cancellation.
        await this.db.send(new TransactWriteCommand({ TransactItems: [...callerItems, this.headPut(append)] }));
        return append.entry;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        await onCancel?.(reasons.slice(0, callerItems.length));
        // Only a lost race is worth another try: another writer took this seq (the entry's or
        // the head's condition) or touched the same items. Anything else would fail again.
        const contended = [callerItems.indexOf(auditPut), callerItems.length];
        const lostRace = reasons.some((r, i) => r.Code === 'TransactionConflict' || (r.Code === 'ConditionalCheckFailed' && contended.includes(i)));
        if (!lostRace) throw new Error(`DynamoDB refused the write with audit chain ${chain}: ${describeReasons(reasons)}`, { cause: error });
        if (attempt + 1 >= MAX_APPEND_ATTEMPTS) throw new Error(`audit chain ${chain} is too contended: gave up after ${attempt + 1} attempts`, { cause: error });
        await backoff(attempt);
      }
    }
  }

  /**
   * The end of a chain: its head and its newest entry, two consistent Queries in parallel (the
   * head has a partition of its own). `appendToChain` follows the head, or the newest entry
   * when there is no head (a chain written before heads) or entries go on beyond it (written
   * by the release before heads, which does not move it).
   */
  private async chainEnd(chain: string): Promise<{ head?: ChainHead; newest?: AuditEntry }> {
    const newestIn = (partition: string) =>
      this.db.send(
        new QueryCommand({
          TableName: this.tables.audit,
          KeyConditionExpression: '#chain = :chain',
          ExpressionAttributeNames: { '#chain': 'chain' },
          ExpressionAttributeValues: { ':chain': partition },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    const [head, newest] = await Promise.all([newestIn(auditHeadPartition(chain)), newestIn(chain)]);
    const headItem = head.Items?.[0];
    const newestItem = newest.Items?.[0];
    return { ...(headItem ? { head: fromHeadItem(chain, headItem) } : {}), ...(newestItem ? { newest: newestItem as AuditEntry } : {}) };
  }

  /** The head write of an append: only if the head is still where this append found it. */
  private headPut({ head, expectedHeadSeq }: ChainAppend): TransactItem {
    return {
      Put: {
        TableName: this.tables.audit,
        Item: toHeadItem(head),
        ...(expectedHeadSeq === undefined
          ? { ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } }
          : { ConditionExpression: '#lastSeq = :expected', ExpressionAttributeNames: { '#lastSeq': 'lastSeq' }, ExpressionAttributeValues: { ':expected': expectedHeadSeq } }),
      },
    };
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}

type TransactItem = { Put: PutCommandInput } | { Update: UpdateCommandInput & { UpdateExpression: string } };

/** A new pointer must not exist yet; an existing one must still be at the revision read. */
function revisionCondition(revision: number): Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  return revision === 0
    ? { ConditionExpression: 'attribute_not_exists(#view)', ExpressionAttributeNames: { '#view': 'view' } }
    : { ConditionExpression: '#revision = :expected', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':expected': revision } };
}
type CancellationReason = NonNullable<TransactionCanceledException['CancellationReasons']>[number];

/** e.g. "item 0: ConditionalCheckFailed" for each item DynamoDB refused. */
function describeReasons(reasons: CancellationReason[]): string {
  return reasons.flatMap((r, i) => (r.Code && r.Code !== 'None' ? [`item ${i}: ${r.Code}${r.Message ? ` (${r.Message})` : ''}`] : [])).join(', ');
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  return errorName(error) === 'TransactionCanceledException'
    ? ((error as TransactionCanceledException).CancellationReasons ?? [])
    : undefined;
}

function isHeadItem(item: Record<string, unknown>): boolean {
  return isAuditHeadPartition(item.chain);
}

/**
 * The head item. The release before heads reads no head, but its verify and GET /audit scan the
 * whole table, and would take the head's partition for a chain: so the item is also, to that
 * release, a well-formed one-entry chain (seq 1, GENESIS_HASH before it, a hash of the rest).
 * Nothing here checks that hash; `lastHash` is what names the chain's newest entry.
 */
function toHeadItem(head: ChainHead): Record<string, unknown> {
  const { chain, seq, hash, at, rebuilt } = head;
  const item = { chain: auditHeadPartition(chain), seq: AUDIT_HEAD_SEQ, prevHash: GENESIS_HASH, lastSeq: seq, lastHash: hash, at, ...(rebuilt ? { rebuilt } : {}) };
  return { ...item, hash: hashEntry(item as unknown as Omit<AuditEntry, 'hash'>) };
}

function fromHeadItem(chain: string, item: Record<string, unknown>): ChainHead {
  const rebuilt = item.rebuilt as ChainHead['rebuilt'] | undefined;
  return {
    chain,
    seq: Number(item.lastSeq),
    hash: String(item.lastHash),
    at: String(item.at),
    ...(rebuilt ? { rebuilt: { at: String(rebuilt.at), fromSeq: Number(rebuilt.fromSeq) } } : {}),
  };
}

function toVersion(item: Record<string, unknown>): VersionRecord {
  const { sk: _sk, ...record } = item;
  return record as unknown as VersionRecord;
}

/**
 * Newest first by `at`; entries of one millisecond fall back to their chain's order (seq), the
 * true order within a chain, and then to the chain's name, so the answer does not depend on
 * the order a scan happened to return them in.
 */
function newestFirst(a: AuditEntry, b: AuditEntry): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  if (a.chain !== b.chain) return a.chain < b.chain ? 1 : -1;
  return b.seq - a.seq;
}
