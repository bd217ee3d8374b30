/**
 * The RefusalLog port over the refusals table (contract/tables.ts). Layout:
 *
 *  - one refusal: pk `<view or *>#<shard>`, sk `<at>#<uuid>`, written with a plain PutItem
 *    conditioned on its own (unique) key: nothing else is read or compared, so two refusals
 *    never contend, and none contends with a view's audit chain or pointer;
 *  - a flood: past `perMinute` refusals of one principal in one minute (counted in this
 *    container), further ones go to ONE aggregate item per (view, principal, minute), pk
 *    `<view or *>#agg`, sk `<minute>#agg#<actor>`, by UpdateItem `ADD count :1`, which is
 *    atomic across containers: the total is exact (entries + the aggregate's count) while
 *    the table grows by one item per principal per minute, not by one per request.
 *
 * The shard spreads one view's refusals over `SHARDS` partitions, so that a flood at the
 * serving route's rate stays under one partition's write limit; listing one view queries
 * each shard newest first and merges.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../core/model';
import type { AuditFilter } from '../core/ports';
import { REFUSALS_CHAIN, type RefusalDraft, type RefusalLog } from '../core/ports/refusal-log';
import { queryUpTo } from './dynamo-query';

const SHARDS = 4;
const ANY_VIEW = '*';
/** Largest page one listing query asks for (DynamoDB stops at 1 MB per page anyway). */
const MAX_PAGE = 1000;

export interface RefusalLogOptions {
  /** Refusals of one principal per minute recorded one by one (per container); the rest are aggregated. @default 30 */
  perMinute?: number;
  now?: () => Date;
}

interface RefusalItem {
  pk: string;
  sk: string;
  id: string;
  at: string;
  actor: string;
  action: string;
  view?: string;
  reason?: string;
  detail?: Record<string, unknown>;
  /** Aggregates only. */
  count?: number;
  lastAt?: string;
}

export class DynamoRefusalLog implements RefusalLog {
  private readonly perMinute: number;
  private readonly now: () => Date;
  /** `${minute}|${actor}` → refusals recorded individually this minute, in this container. */
  private readonly seen = new Map<string, number>();
  private seenMinute = '';

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: RefusalLogOptions = {},
  ) {
    this.perMinute = options.perMinute ?? 30;
    this.now = options.now ?? (() => new Date());
  }

  async recordRefusal(draft: RefusalDraft): Promise<void> {
    const at = this.now().toISOString();
    const minute = at.slice(0, 16); // YYYY-MM-DDTHH:MM
    if (minute !== this.seenMinute) {
      // Only this minute's counts matter: forget the last one's, so the map stays small.
      this.seen.clear();
      this.seenMinute = minute;
    }
    const key = `${draft.view ?? ANY_VIEW}|${draft.actor}`;
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    const partition = draft.view ?? ANY_VIEW;
    const fields = { actor: draft.actor, action: draft.action, ...(draft.view ? { view: draft.view } : {}), ...(draft.reason ? { reason: draft.reason } : {}), ...(draft.detail ? { detail: draft.detail } : {}) };
    if (count <= this.perMinute) {
      const id = randomUUID();
      const shard = Math.floor(Math.random() * SHARDS);
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `${partition}#${shard}`, sk: `${at}#${id}`, id, at, ...fields } satisfies RefusalItem,
          // The key is new by construction: the condition only guarantees no refusal is ever overwritten.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `${partition}#agg`, sk: `${minute}#agg#${draft.actor}` },
        // The first refusal folded in this minute names the aggregate; every one adds exactly 1.
        UpdateExpression:
          'ADD #count :one SET #id = if_not_exists(#id, :id), #at = if_not_exists(#at, :at), #lastAt = :at, #actor = :actor, #action = if_not_exists(#action, :action), #reason = if_not_exists(#reason, :reason), #detail = if_not_exists(#detail, :detail)' +
          (draft.view ? ', #view = :view' : ''),
        ExpressionAttributeNames: { '#count': 'count', '#id': 'id', '#at': 'at', '#lastAt': 'lastAt', '#actor': 'actor', '#action': 'action', '#reason': 'reason', '#detail': 'detail', ...(draft.view ? { '#view': 'view' } : {}) },
        ExpressionAttributeValues: {
          ':one': 1,
          ':id': `${minute}-${randomUUID()}`,
          ':at': at,
          ':actor': draft.actor,
          ':action': draft.action,
          ':reason': draft.reason ?? '',
          ':detail': draft.detail ?? {},
          ...(draft.view ? { ':view': draft.view } : {}),
        },
      }),
    );
  }

  async listRefusals(options: AuditFilter): Promise<AuditEntry[]> {
    const { view, actor, limit } = options;
    const byActor = actor === undefined ? undefined : { expression: '#actor = :actor', names: { '#actor': 'actor' }, values: { ':actor': actor } };
    let items: RefusalItem[];
    if (view) {
      const partitions = [...Array.from({ length: SHARDS }, (_, s) => `${view}#${s}`), `${view}#agg`];
      items = (await Promise.all(partitions.map((pk) => this.newestOf(pk, limit, byActor)))).flat();
    } else {
      // Across views there is no single order to query: scan (an operator's tool, as for the audit chains).
      items = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new ScanCommand({
            TableName: this.table,
            ...(byActor ? { FilterExpression: byActor.expression, ExpressionAttributeNames: byActor.names, ExpressionAttributeValues: byActor.values } : {}),
            ExclusiveStartKey,
            ConsistentRead: true,
          }),
        );
        items.push(...((page.Items ?? []) as RefusalItem[]));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
    return items.map(toEntry).sort(newestFirst).slice(0, limit);
  }

  /** Up to `limit` of one partition's items, newest first, reading on past pages the actor filter emptied. */
  private async newestOf(pk: string, limit: number, byActor?: { expression: string; names: Record<string, string>; values: Record<string, unknown> }): Promise<RefusalItem[]> {
    const items = await queryUpTo(
      this.db,
      {
        TableName: this.table,
        KeyConditionExpression: '#pk = :pk',
        ...(byActor ? { FilterExpression: byActor.expression } : {}),
        ExpressionAttributeNames: { '#pk': 'pk', ...byActor?.names },
        ExpressionAttributeValues: { ':pk': pk, ...byActor?.values },
        ScanIndexForward: false,
        // A caller reads the refusal they just got.
        ConsistentRead: true,
      },
      limit,
      MAX_PAGE,
    );
    return items as unknown as RefusalItem[];
  }
}

/** A refusal in the audit entries' shape: in no chain (seq 0, no hashes), outcome `denied`. */
function toEntry(item: RefusalItem): AuditEntry {
  const aggregated = item.count !== undefined;
  return {
    chain: REFUSALS_CHAIN,
    seq: 0,
    id: `${REFUSALS_CHAIN}/${item.id}`,
    at: aggregated ? (item.lastAt ?? item.at) : item.at,
    prevHash: '',
    hash: '',
    actor: item.actor,
    action: item.action,
    outcome: 'denied',
    ...(item.view ? { view: item.view } : {}),
    ...(item.reason ? { reason: aggregated ? `${item.count} more refusals this minute, the first: ${item.reason}` : item.reason } : {}),
    ...(item.detail || aggregated ? { detail: { ...item.detail, ...(aggregated ? { aggregated: true, count: item.count, firstAt: item.at, lastAt: item.lastAt } : {}) } } : {}),
  };
}

function newestFirst(a: AuditEntry, b: AuditEntry): number {
  return a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1;
}
