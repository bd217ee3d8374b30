/**
 * `kill -9` of the runtime in the middle of a deploy job, then a restart on the same data
 * (issue 11 item 4): the job runner resumes the job at start from the chunks it had counted,
 * not from zero, and it ends with the same version an uninterrupted run records (every row
 * online, the record, the audit verifying). Real processes on this machine: never against a
 * deployed stack.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { waitUntil } from '../../local/tcp-ports';
import { deployBody } from '../support/fixtures';
import { eventually } from '../support/rewind';
import { kill9 } from '../support/runtime-process';
import { startCrashableRewind, type CrashableRewind } from './crash-harness';

// 6 chunks of 500, one at a time: the persisted runtime writes a few hundred rows a second (issue 16).
const ROWS = 3_000;
jest.setTimeout(300_000);

let rewind: CrashableRewind;
beforeAll(async () => {
  // One chunk at a time, so that the kill lands between chunks of one job.
  process.env.REWIND_JOB_CONCURRENCY = '1';
  process.env.REWIND_JOB_CHUNK_ROWS = '500';
  rewind = await startCrashableRewind();
});
afterAll(async () => {
  await rewind?.close();
  delete process.env.REWIND_JOB_CONCURRENCY;
  delete process.env.REWIND_JOB_CHUNK_ROWS;
});

/** The chunk-started markers (`S#`) of a job, with when each chunk last started, in the child's DynamoDB Local. */
async function chunkStarts(job: string): Promise<{ index: number; at: string }[]> {
  const db = new DynamoDBClient({ endpoint: rewind.current.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const page = await db.send(
      new ScanCommand({
        TableName: 'rewind-jobs',
        FilterExpression: '#job = :job AND begins_with(sk, :s)',
        ExpressionAttributeNames: { '#job': 'job' },
        ExpressionAttributeValues: { ':job': { S: job }, ':s': { S: 'S#' } },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map((i) => ({ index: Number(i.index!.N), at: i.at!.S! }));
  } finally {
    db.destroy();
  }
}

it('a job killed half-way resumes at the next start and records the version with every row, each chunk counted once', async () => {
  const view = 'resumed_view';
  const started = await rewind.api.post(`/views/${view}/versions`, deployBody(1, ROWS, { async: true }));
  expect(started.status).toBe(202);
  const { id } = started.body.job;

  let before: { chunks: { done: number; total: number }; status: string } | undefined;
  await waitUntil(async () => {
    before = (await rewind.api.get(`/jobs/${id}`)).body;
    return before!.chunks.done >= 2 || ['succeeded', 'failed', 'cancelled'].includes(before!.status);
  }, 'two chunks counted', 120_000, 20);
  expect(before!.status).toBe('running');
  expect(before!.chunks.done).toBeLessThan(before!.chunks.total);
  const killedAt = new Date().toISOString();
  await kill9(rewind.current);
  await rewind.restart();

  const job = await eventually(() => rewind.api.get(`/jobs/${id}`), (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status), 180_000);
  expect(job.body).toMatchObject({ status: 'succeeded', chunks: { done: 6, total: 6 }, rows: { written: ROWS }, version: 1 });
  // npm start keeps the online table in memory: the rows of the chunks counted before the kill
  // died with it, so the resumed job writes every chunk again (local/job-runner.ts onlineLost),
  // counting each once. (On AWS the table persists and a resumed execution skips counted chunks.)
  const starts = await chunkStarts(id);
  expect(starts).toHaveLength(6);
  expect(starts.filter((s) => s.at < killedAt)).toEqual([]);

  expect((await rewind.api.get(`/views/${view}/versions/1`)).body).toMatchObject({ version: 1, outcome: 'ready', snapshot: { rows: ROWS } });
  expect(await rewind.onlineRows(view, 1)).toBe(ROWS);
  expect((await rewind.api.get('/audit/verify')).body.ok).toBe(true);
});
