/**
 * Online values keyed by (view, version, entity), one item per row. Writes go out as
 * BatchWriteItem calls of 25 items, several in flight at once: on DynamoDB Local the server
 * is the ceiling, on AWS the table's write capacity is. Batch reads (getMany) are one
 * BatchGetItem per 100 keys, whatever is left unprocessed resent with backoff.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PurgeInterruptedError } from '../core/materialize';
import type { FeatureValue } from '../core/model';
import type { OnlineKey, OnlineStore } from '../core/ports';
import type { FeatureRow } from '../core/rows';
import { backoff } from './aws-errors';

const BATCH_SIZE = 25; // DynamoDB's limit per BatchWriteItem
const MAX_BATCH_ATTEMPTS = 12;
/** Deletes per purge transaction, beside its state check (DynamoDB allows 100 items). */
const PURGE_BATCH_SIZE = 99;
const GET_BATCH_SIZE = 100; // DynamoDB's limit per BatchGetItem
/**
 * A batch read is on the serving path: a few short waits (about 1 s at most in all), then the
 * caller gets a 503 and retries, rather than a request held for the write path's budget.
 */
const MAX_GET_ATTEMPTS = 6;

/** The partition of per-version data that is not per entity (e.g. serving samples). */
export const versionKey = (view: string, version: number) => `${view}#${version}`;

/** View names cannot contain '#' and versions are numbers, so the prefix is unambiguous. */
export const onlineKey = (view: string, version: number, entity: string) => `${view}#${version}#${entity}`;

export interface OnlineStoreOptions {
  /** BatchWriteItem calls in flight at once. */
  concurrency?: number;
  /**
   * Where materialization states live (the versions table): a purge's deletes are conditioned on
   * `purging`. `db`: the versions table is reached through another client (another DynamoDB
   * endpoint: the local runtime's in-memory online table), so no transaction can span both
   * tables and the purge is fenced through the online table instead (see {@link DynamoOnlineStore.purge}).
   */
  materializations?: { table: string; key: (version: number) => string; db?: DynamoDBDocumentClient };
}

/**
 * The online item that fences a purge when the states live behind another endpoint: every
 * write of a version's rows first puts a new `fence` here. Its key has no entity part, so no
 * row's key (`view#version#entity`) is ever this one.
 */
const fenceKey = (view: string, version: number) => versionKey(view, version);

export class DynamoOnlineStore implements OnlineStore {
  private readonly concurrency: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: OnlineStoreOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
  }

  async write(view: string, version: number, rows: readonly FeatureRow[], onProgress?: (written: number) => void): Promise<number> {
    // Before the first row: a purge that read the fence before this write deletes nothing after it.
    if (this.options.materializations?.db) await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: fenceKey(view, version), fence: randomUUID() } }));
    let written = 0;
    await this.inBatches(rows.length, async (start, end) => {
      const requests = [];
      for (let i = start; i < end; i++) requests.push({ PutRequest: { Item: { pk: onlineKey(view, version, rows[i]!.entity), v: rows[i]!.values } } });
      await this.batchWrite(requests);
      written += end - start;
      onProgress?.(written);
    });
    return written;
  }

  async get(view: string, version: number, entity: string): Promise<Record<string, FeatureValue> | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: onlineKey(view, version, entity) }, ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' } }),
    );
    return out.Item?.v as Record<string, FeatureValue> | undefined;
  }

  async getMany(view: string, keys: readonly OnlineKey[]): Promise<(Record<string, FeatureValue> | undefined)[]> {
    const pks = keys.map((k) => onlineKey(view, k.version, k.entity));
    // BatchGetItem refuses a request that names one key twice.
    const unique = [...new Set(pks)];
    const found = new Map<string, Record<string, FeatureValue>>();
    const slices = [];
    for (let start = 0; start < unique.length; start += GET_BATCH_SIZE) slices.push(this.batchGet(unique.slice(start, start + GET_BATCH_SIZE), found));
    await Promise.all(slices);
    return pks.map((pk) => found.get(pk));
  }

  async purge(view: string, version: number, entities: readonly string[]): Promise<number> {
    const fence = this.options.materializations;
    if (!fence) throw new Error('this online store was built without the versions table: it cannot purge (the deletes are fenced on the materialization state)');
    if (fence.db) return this.purgeFencedHere(view, version, entities, fence);
    // Transactions, one at a time, not parallel BatchWriteItems: each carries a check that the
    // version is still `purging`, so a rebuild's claim stops the purge between two batches
    // and no row it writes afterwards is deleted (core/materialize.ts). Concurrent
    // transactions on the same state item would only conflict with one another.
    const check = {
      ConditionCheck: {
        TableName: fence.table,
        Key: { view, sk: fence.key(version) },
        ConditionExpression: '#state = :purging',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':purging': 'purging' },
      },
    };
    return this.deleteUnder(view, version, entities, check);
  }

  /**
   * The purge when the states are behind another endpoint. The same promise as the
   * transactional one (no row written after a rebuild's claim is deleted), kept by a fence in
   * this table: read the fence, THEN check the state is still `purging`, then condition every
   * delete batch on the fence read. A rebuild claims (→ `materializing`) before it writes the
   * fence and writes the fence before its first row, so either the claim came before the
   * state check (the purge stops there) or the fence changes after the purge read it and every
   * later delete batch fails its check (rows deleted before that predate the rebuild's rows).
   */
  private async purgeFencedHere(view: string, version: number, entities: readonly string[], states: { table: string; key: (version: number) => string; db?: DynamoDBDocumentClient }): Promise<number> {
    const read = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: fenceKey(view, version) }, ConsistentRead: true }));
    const seen = read.Item?.fence as string | undefined;
    const state = await states.db!.send(new GetCommand({ TableName: states.table, Key: { view, sk: states.key(version) }, ConsistentRead: true }));
    if (state.Item?.state !== 'purging') throw new PurgeInterruptedError(view, version);
    const check = {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: fenceKey(view, version) },
        ...(seen === undefined
          ? { ConditionExpression: 'attribute_not_exists(#fence)', ExpressionAttributeNames: { '#fence': 'fence' } }
          : { ConditionExpression: '#fence = :seen', ExpressionAttributeNames: { '#fence': 'fence' }, ExpressionAttributeValues: { ':seen': seen } }),
      },
    };
    return this.deleteUnder(view, version, entities, check);
  }

  /** The deletes, one transaction per PURGE_BATCH_SIZE beside `check`; a failed check stops the purge. */
  private async deleteUnder(view: string, version: number, entities: readonly string[], check: Record<string, unknown>): Promise<number> {
    for (let start = 0; start < entities.length; start += PURGE_BATCH_SIZE) {
      const deletes = entities.slice(start, start + PURGE_BATCH_SIZE).map((entity) => ({ Delete: { TableName: this.table, Key: { pk: onlineKey(view, version, entity) } } }));
      for (let attempt = 0; ; attempt++) {
        try {
          await this.db.send(new TransactWriteCommand({ TransactItems: [check, ...deletes] as never }));
          break;
        } catch (error) {
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
          if (reasons?.[0]?.Code === 'ConditionalCheckFailed') throw new PurgeInterruptedError(view, version);
          if (!reasons?.some((r) => r.Code === 'TransactionConflict') || attempt + 1 >= MAX_BATCH_ATTEMPTS) throw error;
          await backoff(attempt, 25, 2000);
        }
      }
    }
    return entities.length;
  }

  /** Runs `work` over [0, total) in slices of BATCH_SIZE with `concurrency` workers. */
  private async inBatches(total: number, work: (start: number, end: number) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const start = next;
        next = Math.min(total, next + BATCH_SIZE);
        await work(start, next);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, Math.ceil(total / BATCH_SIZE)) }, worker));
  }

  /**
   * DynamoDB returns at most 16 MB per BatchGetItem and may leave keys unprocessed under
   * load (UnprocessedKeys); resend those with backoff until every key is answered.
   */
  private async batchGet(pks: readonly string[], found: Map<string, Record<string, FeatureValue>>): Promise<void> {
    let pending: Record<string, unknown>[] = pks.map((pk) => ({ pk }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      // Keys left unprocessed are DynamoDB throttling a batch: marked as such, the HTTP edge
      // answers 503 with Retry-After (functions/http/errors.ts) instead of a 500.
      if (attempt >= MAX_GET_ATTEMPTS) {
        throw Object.assign(new Error(`${pending.length} online reads still unprocessed after ${attempt} attempts`), { name: 'UnprocessedKeys', $retryable: { throttling: true } });
      }
      if (attempt > 0) await backoff(attempt, 25, 400);
      const out = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ProjectionExpression: '#pk, #v', ExpressionAttributeNames: { '#pk': 'pk', '#v': 'v' } } } }),
      );
      for (const item of out.Responses?.[this.table] ?? []) found.set(item.pk as string, item.v as Record<string, FeatureValue>);
      pending = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
    }
  }

  /** DynamoDB may leave part of a batch unprocessed under load; resend it with backoff. */
  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`${pending.length} online writes still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await backoff(attempt, 25, 2000);
      const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
      pending = (out.UnprocessedItems?.[this.table] ?? []) as Record<string, unknown>[];
    }
  }
}
