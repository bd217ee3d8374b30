/**
 * Serving-sample batches in the samples table: one item per (view, version, flush), keyed so
 * that the drift monitor reads a version's recent batches with one Query on a time range.
 * Rows are stored as one JSON string rather than nested DynamoDB lists: marshalling a few
 * hundred rows of typed attributes costs more CPU on both sides than the string does, and
 * nobody queries inside a batch. TTL removes batches after `retentionHours`.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SampleBatch, SampleStore } from '../core/sampling';
import { versionKey } from './dynamo-online';

export interface SampleStoreOptions {
  /** How long batches are kept (default 48 h). */
  retentionHours?: number;
}

export class DynamoSampleStore implements SampleStore {
  /** Distinguishes the batches of concurrent containers flushing in the same millisecond. */
  private readonly writer = randomUUID().slice(0, 8);
  private seq = 0;
  private readonly retentionSeconds: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: SampleStoreOptions = {},
  ) {
    this.retentionSeconds = Math.round((options.retentionHours ?? 48) * 3600);
  }

  async put(batch: SampleBatch): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: versionKey(batch.view, batch.version),
          sk: `${batch.to}#${this.writer}#${String(this.seq++).padStart(6, '0')}`,
          view: batch.view,
          version: batch.version,
          served: batch.served,
          unknown: batch.unknown ?? 0,
          from: batch.from,
          to: batch.to,
          data: JSON.stringify({ features: batch.features, rows: batch.rows }),
          expiresAt: Math.floor(Date.parse(batch.to) / 1000) + this.retentionSeconds,
        },
      }),
    );
  }

  async recent(view: string, version: number, since: string, maxBatches: number): Promise<SampleBatch[]> {
    // Paginated: one Query page stops at 1 MB, a few dozen full batches, and a busy view writes
    // more than that per window from many containers.
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          ExpressionAttributeValues: { ':pk': versionKey(view, version), ':since': since },
          ScanIndexForward: false,
          Limit: maxBatches - items.length,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < maxBatches);
    return items.map((item) => {
      const { features, rows } = JSON.parse(String(item.data)) as Pick<SampleBatch, 'features' | 'rows'>;
      return { view, version, features, rows, served: Number(item.served), unknown: Number(item.unknown ?? 0), from: String(item.from), to: String(item.to) };
    });
  }
}
