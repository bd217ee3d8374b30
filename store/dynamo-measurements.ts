/**
 * The monitor's measurement records (core/measurements.ts) in the samples table, beside the
 * batches they were computed from: one item per (view, version, window start, metric, statistic),
 * key `M#<view>#<version>` (batch keys are `<view>#<version>`, so the two never mix), TTL'd
 * like the batches. The re-check before a rollback reads one version's records over the
 * alarm's evaluation range with one Query.
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Measurement, MeasurementLog } from '../core/measurements';
import { versionKey } from './dynamo-online';

/** Partition key of a version's measurement records. @example measurementKey('v', 3) // 'M#v#3' */
export function measurementKey(view: string, version: number): string {
  return `M#${versionKey(view, version)}`;
}

export class DynamoMeasurementLog implements MeasurementLog {
  private readonly retentionSeconds: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    options: { retentionHours?: number } = {},
  ) {
    this.retentionSeconds = Math.round((options.retentionHours ?? 48) * 3600);
  }

  async record(measurements: readonly Measurement[]): Promise<void> {
    // PutItem each (a few per view and round): the monitor holds PutItem on the samples table,
    // not BatchWriteItem, whose unprocessed items would need their own retry loop anyway.
    await Promise.all(
      measurements.map((m) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            // A candidate-vs-stable figure of the same window and statistic is its own item.
            Item: { pk: measurementKey(m.view, m.version), sk: `${m.from}#${m.metric ? `${m.metric}:` : ''}${m.statistic}`, ...m, expiresAt: Math.floor(Date.parse(m.to) / 1000) + this.retentionSeconds },
          }),
        ),
      ),
    );
  }

  async between(view: string, version: number, since: string, until: string): Promise<Measurement[]> {
    const found: Measurement[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          // '#~' sorts after every '#<statistic>' suffix of the last window start.
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
          ExpressionAttributeValues: { ':pk': measurementKey(view, version), ':since': since, ':until': `${until}#~` },
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const item of out.Items ?? [])
        found.push({
          view,
          version,
          statistic: item.statistic,
          value: Number(item.value),
          from: String(item.from),
          to: String(item.to),
          samples: Number(item.samples),
          ...(item.metric ? { metric: item.metric } : {}),
        } as Measurement);
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return found;
  }
}
