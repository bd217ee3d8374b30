/**
 * The JobStore port over the jobs table (contract/tables.ts `jobs`): the job record at
 * (job, `JOB`), one item per counted chunk at (job, `C#<index>`), and the sparse index
 * `by-view` (only job records carry `view`) for a view's jobs, newest first.
 */
import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JOBS_BY_VIEW_INDEX } from '../contract/tables';
import type { Job, JobStatus, JobStore } from '../core/ports/jobs';
import { errorName } from './aws-errors';
import { queryAll } from './dynamo-query';

const JOB_SK = 'JOB';
const chunkSk = (index: number) => `C#${String(index).padStart(8, '0')}`;
const startedSk = (index: number) => `S#${String(index).padStart(8, '0')}`;
const UNFINISHED: readonly JobStatus[] = ['queued', 'running', 'cancelling'];

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: Job): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...job, job: job.id, sk: JOB_SK }, ConditionExpression: 'attribute_not_exists(sk)' }));
  }

  async get(id: string): Promise<Job | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { job: id, sk: JOB_SK }, ConsistentRead: true }));
    return out.Item ? toJob(out.Item) : undefined;
  }

  async listForView(view: string, limit: number): Promise<Job[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: JOBS_BY_VIEW_INDEX,
        KeyConditionExpression: '#view = :view',
        ExpressionAttributeNames: { '#view': 'view' },
        ExpressionAttributeValues: { ':view': view },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(toJob);
  }

  /** Jobs not ended: what a runner resumes at start. A Scan: only the local runtime calls it, once at start. */
  async listUnfinished(): Promise<Job[]> {
    const jobs: Job[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'sk = :job AND #status IN (:a, :b, :c)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':job': JOB_SK, ':a': UNFINISHED[0], ':b': UNFINISHED[1], ':c': UNFINISHED[2] },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      jobs.push(...(page.Items ?? []).map(toJob));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return jobs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async update(id: string, changes: Partial<Job>, whileStatus?: readonly JobStatus[]): Promise<boolean> {
    const entries = Object.entries(changes).filter(([k, v]) => v !== undefined && k !== 'id');
    if (entries.length === 0) return true;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => ((names[`#a${i}`] = k), (values[`:a${i}`] = v), `#a${i} = :a${i}`));
    let condition = 'attribute_exists(sk)';
    if (whileStatus) {
      names['#status'] = 'status';
      condition += ` AND #status IN (${whileStatus.map((s, i) => ((values[`:s${i}`] = s), `:s${i}`)).join(', ')})`;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { job: id, sk: JOB_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async completeChunk(id: string, index: number, rows: number, at: string): Promise<'counted' | 'already' | 'stopped'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: { job: id, sk: chunkSk(index), index, rows, at }, ConditionExpression: 'attribute_not_exists(sk)' } },
            {
              Update: {
                TableName: this.table,
                Key: { job: id, sk: JOB_SK },
                UpdateExpression: 'ADD chunksDone :one, rowsWritten :rows SET updatedAt = :at',
                ConditionExpression: '#status = :running',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':one': 1, ':rows': rows, ':at': at, ':running': 'running' },
              },
            },
          ],
        }),
      );
      return 'counted';
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'already';
      if (reasons?.[1]?.Code === 'ConditionalCheckFailed') return 'stopped';
      throw error;
    }
  }

  async startChunk(id: string, index: number, at: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { job: id, sk: startedSk(index), index, at } }));
  }

  startedChunks(id: string): Promise<number[]> {
    return this.chunkIndexes(id, 'S#');
  }

  completedChunks(id: string): Promise<number[]> {
    return this.chunkIndexes(id, 'C#');
  }

  private async chunkIndexes(id: string, prefix: string): Promise<number[]> {
    const items = await queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: '#job = :job AND begins_with(sk, :c)',
      ExpressionAttributeNames: { '#job': 'job', '#index': 'index' },
      ExpressionAttributeValues: { ':job': id, ':c': prefix },
      ConsistentRead: true,
      ProjectionExpression: '#index',
    });
    return items.map((i) => Number(i.index));
  }
}

function toJob(item: Record<string, unknown>): Job {
  const { job: _job, sk: _sk, ...rest } = item;
  return rest as unknown as Job;
}
