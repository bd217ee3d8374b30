/**
 * The AuditLog port over the audit table (layout: store/dynamo-chain-append.ts). Appends go
 * through the shared ChainAppendWriter; this adapter reads.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AUDIT_HEAD_SUFFIX } from '../contract/tables';
import { chainFor } from '../core/audit-chain';
import type { AuditDraft, AuditEntry } from '../core/model';
import type { AuditChain, AuditFilter, AuditLog, ChainEnd } from '../core/ports';
import { fromHeadItem, isHeadItem, type ChainAppendWriter } from './dynamo-chain-append';
import { queryUpTo } from './dynamo-query';

/** Largest page an actor-filtered audit query asks for (DynamoDB stops at 1 MB per page anyway). */
const MAX_AUDIT_PAGE = 1000;

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly chain: ChainAppendWriter,
  ) {}

  async appendAudit(draft: AuditDraft): Promise<AuditEntry> {
    return this.chain.append(draft, new Date().toISOString());
  }

  chainEnd(view: string | undefined): Promise<ChainEnd> {
    return this.chain.chainEnd(chainFor(view));
  }

  async listAudit(options: AuditFilter): Promise<AuditEntry[]> {
    const { view, actor, limit } = options;
    const byActor =
      actor === undefined
        ? undefined
        : { FilterExpression: '#actor = :actor', ExpressionAttributeNames: { '#actor': 'actor' }, ExpressionAttributeValues: { ':actor': actor } };
    if (view) {
      // Newest first, reading on past pages the actor filter emptied (queryUpTo).
      const entries = await queryUpTo(
        this.db,
        {
          TableName: this.table,
          // The chain's partition holds entries only (its head is in another).
          KeyConditionExpression: '#chain = :chain',
          ...(byActor ? { FilterExpression: byActor.FilterExpression } : {}),
          ExpressionAttributeNames: { '#chain': 'chain', ...byActor?.ExpressionAttributeNames },
          ExpressionAttributeValues: { ':chain': chainFor(view), ...byActor?.ExpressionAttributeValues },
          ScanIndexForward: false,
          // An auditor reads the entry of the refusal they just got: consistent, like the scans.
          ConsistentRead: true,
        },
        limit,
        MAX_AUDIT_PAGE,
      );
      return entries as unknown as AuditEntry[];
    }
    // Across all chains there is no single order to query; the audit log of a control plane
    // is small, so read it and sort (GET /audit without ?view= is an operator's tool). With an
    // actor the scan filters server-side, so only that actor's entries cross the wire.
    const all: AuditEntry[] = [];
    if (!byActor) for await (const chain of this.auditChains()) all.push(...chain.entries);
    else {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(new ScanCommand({ TableName: this.table, ...byActor, ExclusiveStartKey, ConsistentRead: true }));
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
      const page = await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey, ConsistentRead: true }));
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
