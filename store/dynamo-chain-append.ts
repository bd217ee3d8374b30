/**
 * The one writer of audit entries: every transaction that appends one (a pointer change, a
 * version record, a policy revision, an approval, a bare audit entry) goes through
 * {@link ChainAppendWriter.append}, so every append moves its chain's head the same way.
 *
 * Audit table layout: partition `chain`, entries at `seq` 1, 2, …, and one head item per chain
 * in a partition of its own, (auditHeadPartition(chain) = `${chain}#head`, AUDIT_HEAD_SEQ),
 * holding the newest entry's seq and hash (`lastSeq`, `lastHash`). A chain's partition holds
 * entries only, as it did before heads, so that release still finds its chain's end (rolled
 * back to, or alongside this one during a deploy). Every scan of entries leaves heads out.
 *
 * Items carry a role (`pointer`, `history`, `approval`, …) and a refused transaction is read
 * by role, never by position: adding an item to a transaction cannot shift what a
 * cancellation reason is taken to mean.
 */
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type PutCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { AUDIT_HEAD_SEQ, auditHeadPartition, isAuditHeadPartition } from '../contract/tables';
import { GENESIS_HASH, appendToChain, chainFor, hashEntry, type ChainAppend } from '../core/audit-chain';
import type { AuditDraft, AuditEntry, ChainHead } from '../core/model';
import type { ChainEnd } from '../core/ports';
import { backoff, errorName } from './aws-errors';

/** A chain append loses its seq to a concurrent writer at most this often before giving up. */
const MAX_APPEND_ATTEMPTS = 40;

export type TransactItem =
  | { Put: PutCommandInput }
  | { Update: UpdateCommandInput & { UpdateExpression: string } }
  | { ConditionCheck: { TableName: string; Key: Record<string, unknown>; ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } };

export type CancellationReason = NonNullable<TransactionCanceledException['CancellationReasons']>[number];

/** The writer's own items in every append. */
export type AuditRole = 'audit-entry' | 'audit-head';

/** One item of a transaction and what it is there for. */
export interface RoledItem<R extends string> {
  role: R;
  item: TransactItem;
}

/** The refusals of a cancelled transaction, by the role of the item refused (items DynamoDB did not refuse are absent). */
export type Refusals<R extends string> = Partial<Record<R | AuditRole, CancellationReason>>;

export interface AppendOptions<R extends string> {
  /** The caller's items, built for the entry this attempt appends (its id may go into them). */
  items?: (entry: AuditEntry) => RoledItem<R>[];
  /** May turn a cancellation into the caller's own error (a revision conflict, say) by throwing it. */
  onCancel?: (refused: Refusals<R>) => Promise<void> | void;
  /** The chain's end, read earlier alongside other reads: the first attempt then reads nothing. */
  chainEnd?: ChainEnd;
}

export class ChainAppendWriter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly auditTable: string,
  ) {}

  /**
   * Append `draft` to its chain in one transaction with the caller's items, moving the
   * chain's head in that same transaction. The entry claims the next seq with a condition,
   * so concurrent appends cannot fork the chain; the head write is conditioned on the head
   * still naming the seq this append followed (or on there being no head yet), so it can
   * never fall behind its entries. The loser of a race re-reads the end and tries again.
   *
   * DynamoDB calls per append: the chain's end (two Queries in parallel, one round trip,
   * none when `chainEnd` was read ahead) and one TransactWriteItems, plus the same again per
   * lost race (a read-ahead end that missed entries beyond the head is one). The head is a Put, not an Update, and read by Query, not GetItem: the audit
   * `append` grant (infra/access.ts) is PutItem and Query only.
   */
  async append<R extends string = never>(draft: AuditDraft, at: string, options: AppendOptions<R> = {}): Promise<AuditEntry> {
    const chain = chainFor(draft.view);
    let end = options.chainEnd;
    for (let attempt = 0; ; attempt++) {
      const { head, newest } = end ?? (await this.fullChainEnd(chain));
      end = undefined;
      const append = appendToChain(chain, head, newest, draft, at);
      const roled: RoledItem<R | AuditRole>[] = [
        ...(options.items?.(append.entry) ?? []),
        {
          role: 'audit-entry',
          item: { Put: { TableName: this.auditTable, Item: append.entry, ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } } },
        },
        { role: 'audit-head', item: this.headPut(append) },
      ];
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: roled.map((r) => r.item) }));
        return append.entry;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        const refused: Refusals<R> = {};
        roled.forEach(({ role }, i) => {
          const reason = reasons[i];
          if (reason?.Code && reason.Code !== 'None') refused[role] = reason;
        });
        await options.onCancel?.(refused);
        // Only a lost race is worth another try: another writer took this seq (the entry's or
        // the head's condition) or touched the same items. Anything else would fail again.
        const lostRace = roled.some(
          ({ role }, i) => reasons[i]?.Code === 'TransactionConflict' || (reasons[i]?.Code === 'ConditionalCheckFailed' && (role === 'audit-entry' || role === 'audit-head')),
        );
        if (!lostRace) throw new Error(`DynamoDB refused the write with audit chain ${chain}: ${describe(roled, reasons)}`, { cause: error });
        if (attempt + 1 >= MAX_APPEND_ATTEMPTS) throw new Error(`audit chain ${chain} is too contended: gave up after ${attempt + 1} attempts`, { cause: error });
        await backoff(attempt);
      }
    }
  }

  /**
   * The end of a chain as read ahead of an append (AuditLog.chainEnd): its head, one
   * consistent Query. The newest entry is read only for a chain without a head (one written
   * before heads; a chain's first append): where a head exists, entries beyond it (written by
   * the release before heads, which does not move it) are rare, and the append's own
   * condition on the entry's seq finds them; that lost race reads {@link fullChainEnd}.
   */
  async chainEnd(chain: string): Promise<ChainEnd> {
    const head = (await this.newestIn(auditHeadPartition(chain))).Items?.[0];
    if (head) return { head: fromHeadItem(chain, head) };
    const newest = (await this.newestIn(chain)).Items?.[0];
    return newest ? { newest: newest as AuditEntry } : {};
  }

  /**
   * The whole end of a chain: its head and its newest entry, two consistent Queries in
   * parallel (the head has a partition of its own). `appendToChain` follows the head, or the
   * newest entry when there is no head (a chain written before heads) or entries go on beyond
   * it (written by the release before heads, which does not move it).
   */
  private async fullChainEnd(chain: string): Promise<ChainEnd> {
    const [head, newest] = await Promise.all([this.newestIn(auditHeadPartition(chain)), this.newestIn(chain)]);
    const headItem = head.Items?.[0];
    const newestItem = newest.Items?.[0];
    return { ...(headItem ? { head: fromHeadItem(chain, headItem) } : {}), ...(newestItem ? { newest: newestItem as AuditEntry } : {}) };
  }

  private newestIn(partition: string) {
    return this.db.send(
      new QueryCommand({
        TableName: this.auditTable,
        KeyConditionExpression: '#chain = :chain',
        ExpressionAttributeNames: { '#chain': 'chain' },
        ExpressionAttributeValues: { ':chain': partition },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
  }

  /** The head write of an append: only if the head is still where this append found it. */
  private headPut({ head, expectedHeadSeq }: ChainAppend): TransactItem {
    return {
      Put: {
        TableName: this.auditTable,
        Item: toHeadItem(head),
        ...(expectedHeadSeq === undefined
          ? { ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': 'seq' } }
          : { ConditionExpression: '#lastSeq = :expected', ExpressionAttributeNames: { '#lastSeq': 'lastSeq' }, ExpressionAttributeValues: { ':expected': expectedHeadSeq } }),
      },
    };
  }
}

/** e.g. "pointer: ConditionalCheckFailed" for each item DynamoDB refused, named by its role. */
function describe(roled: readonly { role: string }[], reasons: readonly CancellationReason[]): string {
  return roled
    .flatMap(({ role }, i) => {
      const r = reasons[i];
      return r?.Code && r.Code !== 'None' ? [`${role}: ${r.Code}${r.Message ? ` (${r.Message})` : ''}`] : [];
    })
    .join(', ');
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  return errorName(error) === 'TransactionCanceledException' ? ((error as TransactionCanceledException).CancellationReasons ?? []) : undefined;
}

export function isHeadItem(item: Record<string, unknown>): boolean {
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

export function fromHeadItem(chain: string, item: Record<string, unknown>): ChainHead {
  const rebuilt = item.rebuilt as ChainHead['rebuilt'] | undefined;
  return {
    chain,
    seq: Number(item.lastSeq),
    hash: String(item.lastHash),
    at: String(item.at),
    ...(rebuilt ? { rebuilt: { at: String(rebuilt.at), fromSeq: Number(rebuilt.fromSeq) } } : {}),
  };
}
