/**
 * The VersionCatalog port over the versions table: immutable version records (`V#n`), the
 * per-view counter and catalog entry (`VIEW`, sparse GSI `by-catalog`), and each version's
 * materialization state (`M#n`).
 */
import { GetCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { VIEW_CATALOG_INDEX } from '../contract/tables';
import type { AuditDraft, AuditEntry, Materialization, MaterializationState, VersionRecord } from '../core/model';
import { errorName } from './aws-errors';
import type { VersionCatalog } from '../core/ports';
import type { ChainAppendWriter } from './dynamo-chain-append';
import { materializationSk, queryAll, versionSk } from './dynamo-query';

const CATALOG_SK = 'VIEW';
const CATALOG_PARTITION = 'views';

export class DynamoCatalog implements VersionCatalog {
  /**
   * Version records never change once written (invariant 1), so a container reads each at
   * most once: a pointer change otherwise re-reads the same records for its tier, its
   * target and its artifacts. Misses are not cached (a version may be written later), and
   * callers get copies, so no caller can alter the cached record.
   */
  private readonly versionCache = new LRUCache<string, VersionRecord>({ max: 200 });

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly chain: ChainAppendWriter,
  ) {}

  /**
   * Takes the number only: the view joins the catalog (GET /views) with its first record, in
   * putVersion's transaction, so a deploy that fails between the two leaves a gap in the
   * numbers and no empty view listed.
   */
  async nextVersionNumber(view: string, at: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { view, sk: CATALOG_SK },
        UpdateExpression: 'ADD latestVersion :one SET createdAt = if_not_exists(createdAt, :at)',
        ExpressionAttributeValues: { ':one': 1, ':at': at },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes!.latestVersion);
  }

  async putVersion(record: VersionRecord, draft: AuditDraft): Promise<AuditEntry> {
    return this.chain.append(draft, record.createdAt, {
      items: () => [
        {
          role: 'version',
          // Immutability: a version record is written once.
          item: { Put: { TableName: this.table, Item: { ...record, sk: versionSk(record.version) }, ConditionExpression: 'attribute_not_exists(sk)' } },
        },
        {
          role: 'catalog',
          // The view is listed from its first record on (sparse index `by-catalog`).
          item: {
            Update: {
              TableName: this.table,
              Key: { view: record.view, sk: CATALOG_SK },
              UpdateExpression: 'SET #catalog = :catalog',
              ExpressionAttributeNames: { '#catalog': 'catalog' },
              ExpressionAttributeValues: { ':catalog': CATALOG_PARTITION },
            },
          },
        },
      ],
    });
  }

  async getVersion(view: string, version: number): Promise<VersionRecord | undefined> {
    const key = `${view}#${version}`;
    const cached = this.versionCache.get(key);
    if (cached) return structuredClone(cached);
    // Consistent: "deploy, then activate what was just deployed" must find the version on AWS too.
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { view, sk: versionSk(version) }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const record = toVersion(out.Item);
    this.versionCache.set(key, structuredClone(record));
    return record;
  }

  async listVersions(view: string): Promise<VersionRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#view = :view AND begins_with(sk, :prefix)',
      ExpressionAttributeNames: { '#view': 'view' },
      ExpressionAttributeValues: { ':view': view, ':prefix': 'V#' },
      ConsistentRead: true,
    });
    return items.map(toVersion);
  }

  /** From the view catalog index: a GSI, so eventually consistent (a view deployed a moment ago may be missing). */
  async listViews(): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: VIEW_CATALOG_INDEX,
      KeyConditionExpression: '#catalog = :catalog',
      ExpressionAttributeNames: { '#catalog': 'catalog' },
      ExpressionAttributeValues: { ':catalog': CATALOG_PARTITION },
    });
    return items.map((i) => String(i.view));
  }

  /** A view exists once it has a record (its catalog entry is set with it); a number taken alone does not make one. */
  async viewExists(view: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { view, sk: CATALOG_SK }, ProjectionExpression: '#catalog', ExpressionAttributeNames: { '#catalog': 'catalog' }, ConsistentRead: true }),
    );
    return out.Item?.catalog !== undefined;
  }

  async getMaterialization(view: string, version: number): Promise<Materialization | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { view, sk: materializationSk(version) }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    // The claim id is the state machine's own business (markMaterialized), not part of the state shown.
    const { sk: _sk, claim: _claim, ...rest } = out.Item;
    return rest as Materialization;
  }

  async claimMaterialization(view: string, version: number, at: string): Promise<string | undefined> {
    const claim = randomUUID();
    const claimed = await this.transition(view, version, at, {
      to: 'materializing',
      rows: 0,
      claim,
      condition: 'attribute_not_exists(sk) OR #state <> :materialized',
      values: { ':materialized': 'materialized' },
    });
    return claimed ? claim : undefined;
  }

  async markMaterialized(view: string, version: number, rows: number, at: string, claim: string): Promise<boolean> {
    // `materialized` already: a concurrent rebuild of the same rows marked it first, after
    // writing every row since its own claim.
    return this.transition(view, version, at, {
      to: 'materialized',
      rows,
      condition: '#state = :materialized OR (#state = :materializing AND #claim = :claim)',
      values: { ':materializing': 'materializing', ':materialized': 'materialized', ':claim': claim },
    });
  }

  async markPurged(view: string, version: number, at: string): Promise<boolean> {
    return this.transition(view, version, at, { to: 'purged', rows: 0, condition: '#state = :purging', values: { ':purging': 'purging' } });
  }

  /** One conditional write of the state machine (core/materialize.ts); false when its condition does not hold. */
  private async transition(
    view: string,
    version: number,
    at: string,
    t: { to: MaterializationState; rows?: number; claim?: string; condition: string; values: Record<string, string> },
  ): Promise<boolean> {
    const setRows = t.rows === undefined ? '' : ', #rows = :rows';
    const setClaim = t.claim === undefined ? '' : ', #claim = :newClaim';
    const usesClaim = t.claim !== undefined || t.condition.includes('#claim');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { view, sk: materializationSk(version) },
          UpdateExpression: `SET #state = :to, #version = :version, updatedAt = :at${setRows}${setClaim}`,
          ConditionExpression: t.condition,
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version', ...(t.rows === undefined ? {} : { '#rows': 'rows' }), ...(usesClaim ? { '#claim': 'claim' } : {}) },
          ExpressionAttributeValues: {
            ...t.values,
            ':to': t.to,
            ':version': version,
            ':at': at,
            ...(t.rows === undefined ? {} : { ':rows': t.rows }),
            ...(t.claim === undefined ? {} : { ':newClaim': t.claim }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

function toVersion(item: Record<string, unknown>): VersionRecord {
  const { sk: _sk, ...record } = item;
  return record as unknown as VersionRecord;
}

/**
 * The online table was emptied while the states stayed (the local runtime keeps it in memory and
 * starts with none): every version's state becomes `purged`, which is what it now is, so no
 * pointer change accepts one unrebuilt (core/materialize.ts). Returns each view that has a state
 * item, with its versions: every version that was ever materialized, so every view that can be
 * served. Read with a consistent Scan (no index), so a view deployed a moment before a kill is
 * not missed.
 */
export async function forgetMaterializations(db: DynamoDBDocumentClient, table: string, at: string): Promise<Map<string, number[]>> {
  const views = new Map<string, number[]>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(sk, :m)',
        ExpressionAttributeValues: { ':m': materializationSk(0).slice(0, 2) },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const view = String(item.view);
      const version = Number(item.version);
      views.set(view, [...(views.get(view) ?? []), version]);
      if (item.state === 'purged') continue;
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { view, sk: item.sk },
          UpdateExpression: 'SET #state = :purged, #rows = :zero, updatedAt = :at REMOVE #claim',
          ConditionExpression: 'attribute_exists(sk)',
          ExpressionAttributeNames: { '#state': 'state', '#rows': 'rows', '#claim': 'claim' },
          ExpressionAttributeValues: { ':purged': 'purged', ':zero': 0, ':at': at },
        }),
      );
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return views;
}
