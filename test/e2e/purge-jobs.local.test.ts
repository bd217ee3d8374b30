/**
 * Purges of large versions as jobs (issue 11 item 5), through HTTP on DynamoDB Local and
 * s3rver, driven by the local runtime's job runner over the same step handlers as a deploy
 * job: a version over REWIND_SYNC_DEPLOY_MAX_ROWS rows (or `?async=true`) answers 202 with a
 * job of kind `purge`, which deletes its rows a chunk at a time and ends `purged`; a refused
 * purge writes nothing, no job included; a job stopped mid-way resumes from its last counted
 * chunk; a rollback to the purged version re-materializes it from its snapshot.
 *
 * Local: the synchronous limit is 150 rows, chunks are 100 rows, one at a time.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { deployBody } from '../support/fixtures';
import { countOnlineRows } from '../support/online-rows';
import { eventually, pastPointerCache, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller;
let db: DynamoDBClient;

const ROWS = 1_000;

beforeAll(async () => {
  process.env.REWIND_SYNC_DEPLOY_MAX_ROWS = '150';
  process.env.REWIND_JOB_CHUNK_ROWS = '100';
  process.env.REWIND_JOB_CONCURRENCY = '1';
  rewind = await startLocalTestRewind('purge_jobs');
  dev = await rewind.as('dev', ['deployer']);
  db = new DynamoDBClient({});
});
afterAll(async () => {
  db.destroy();
  await rewind.stop();
  delete process.env.REWIND_SYNC_DEPLOY_MAX_ROWS;
  delete process.env.REWIND_JOB_CHUNK_ROWS;
  delete process.env.REWIND_JOB_CONCURRENCY;
});

const ENDED = ['succeeded', 'failed', 'cancelled'];
const ended = (id: string) => eventually(() => dev.get(`/jobs/${id}`), (r) => ENDED.includes(r.body?.status), 60_000);

/** Items of the jobs table under `job` whose sort key starts with `prefix` (S#: chunk started, C#: counted). */
async function jobItems(job: string, prefix: string): Promise<{ index: number; at: string }[]> {
  const page = await db.send(
    new ScanCommand({
      TableName: rewind.env.REWIND_JOBS_TABLE,
      FilterExpression: '#job = :job AND begins_with(sk, :p)',
      ExpressionAttributeNames: { '#job': 'job' },
      ExpressionAttributeValues: { ':job': { S: job }, ':p': { S: prefix } },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((i) => ({ index: Number(i.index!.N), at: i.at!.S! }));
}

/** Online rows stored under (view, version), counted in the table itself. */
const onlineRows = (view: string, version: number) => countOnlineRows(db, rewind.env.REWIND_ONLINE_TABLE!, view, version);

/** v1 of ROWS rows and v2 of 20, both deployed synchronously; v1 served, then v2, and the cache bound waited out: v1 may be purged. */
async function servedThenLeft(base: string): Promise<string> {
  const view = rewind.view(base);
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, ROWS, { async: false }))).status).toBe(201);
  expect((await dev.post(`/views/${view}/versions`, deployBody(2, 20))).status).toBe(201);
  expect((await dev.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);
  expect((await dev.post(`/views/${view}/activate`, { version: 2 })).status).toBe(200);
  await pastPointerCache(dev, view);
  expect(await onlineRows(view, 1)).toBe(ROWS);
  return view;
}

const actions = async (view: string) => ((await dev.get(`/audit?view=${view}`)).body.entries as { action: string; detail?: Record<string, unknown> }[]).map((e) => e.action);

describe('a purge over REWIND_SYNC_DEPLOY_MAX_ROWS', () => {
  it('answers 202 with a job of kind purge that deletes every online row in chunks and ends purged; the snapshot stays, and a rollback serves the version again', async () => {
    const view = await servedThenLeft('purge_job_ok');
    const started = await dev.del(`/views/${view}/versions/1/online`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ view, version: 1, job: { kind: 'purge', status: 'queued', view, version: 1, rows: { total: ROWS } }, auditId: expect.any(String) });

    const job = await ended(started.body.job.id);
    expect(job.body).toMatchObject({ kind: 'purge', status: 'succeeded', phase: 'done', chunks: { done: 10, total: 10 }, rows: { written: ROWS, deleted: ROWS, total: ROWS }, error: null, result: { status: 'purged', deleted: ROWS } });
    expect(await onlineRows(view, 1)).toBe(0);
    const version = await dev.get(`/views/${view}/versions/1`);
    expect(version.body).toMatchObject({ version: 1, online: 'purged', snapshot: { rows: ROWS } });
    // v2 (served) is untouched.
    expect(await onlineRows(view, 2)).toBe(20);

    const listed = await dev.get(`/views/${view}/jobs`);
    expect(listed.body.jobs.map((j: any) => [j.kind, j.version, j.status])).toEqual([['purge', 1, 'succeeded']]);
    const audit = await actions(view);
    expect(audit).toEqual(expect.arrayContaining(['purge-job-start', 'purge-job-end']));
    expect(audit).not.toContain('purge-job-fail');
    expect((await dev.get('/audit/verify')).body.ok).toBe(true);

    // The snapshot is intact: a rollback to v1 re-materializes it from there and serves every row.
    const back = await dev.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'purged version back' });
    expect(back.status).toBe(200);
    expect(await onlineRows(view, 1)).toBe(ROWS);
    const served = await eventually(() => dev.get(`/online/${view}/u${ROWS - 1}`), (r) => r.status === 200 && r.body.version === 1);
    expect(served.body).toMatchObject({ version: 1, found: true });
    expect((await dev.get(`/views/${view}/versions/1`)).body.online).toBe('materialized');
  });

  it('a small purge still answers 200 inside the request; ?async=true makes it a job; a bad ?async is a 400 that deletes nothing', async () => {
    const view = rewind.view('purge_job_small');
    for (const seed of [1, 2, 3]) expect((await dev.post(`/views/${view}/versions`, deployBody(seed, 30))).status).toBe(201);
    const sync = await dev.del(`/views/${view}/versions/1/online`);
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ view, version: 1, deleted: 30 });
    expect(sync.body.job).toBeUndefined();

    const forced = await dev.del(`/views/${view}/versions/2/online?async=true`);
    expect(forced.status).toBe(202);
    expect((await ended(forced.body.job.id)).body).toMatchObject({ kind: 'purge', status: 'succeeded', rows: { deleted: 30 } });
    expect(await onlineRows(view, 2)).toBe(0);

    const badQuery = await dev.del(`/views/${view}/versions/3/online?async=maybe`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.field).toMatch(/async/);
    expect(await onlineRows(view, 3)).toBe(30);
  });

  it('refused (served, or served inside the pointer-cache bound) is a 409 that writes nothing and starts no job', async () => {
    const view = rewind.view('purge_job_refused');
    expect((await dev.post(`/views/${view}/versions`, deployBody(1, 200, { async: false }))).status).toBe(201);
    expect((await dev.post(`/views/${view}/versions`, deployBody(2, 200, { async: false }))).status).toBe(201);
    expect((await dev.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);

    const served = await dev.del(`/views/${view}/versions/1/online`);
    expect(served.status).toBe(409);
    expect(served.body.error.code).toBe('InvalidState');

    // v1 stops being served now: inside the cache bound a server may still read it.
    expect((await dev.post(`/views/${view}/activate`, { version: 2 })).status).toBe(200);
    const recent = await dev.del(`/views/${view}/versions/1/online?async=true`);
    expect(recent.status).toBe(409);
    expect(recent.body.error.code).toBe('RecentlyServed');

    expect((await dev.get(`/views/${view}/jobs`)).body.jobs).toEqual([]);
    expect(await onlineRows(view, 1)).toBe(200);
    expect((await dev.get(`/views/${view}/versions/1`)).body.online).toBe('materialized');
    const audit = await actions(view);
    expect(audit).not.toContain('purge-job-start');
    expect(audit).not.toContain('purge');
  });
});

describe('the CLI', () => {
  it('rewind purge of a large version follows the job to its end with progress lines and says how many rows it deleted', async () => {
    const commands = await import('../../cli/commands');
    const { RewindClient } = await import('../../cli/client');
    const view = await servedThenLeft('purge_job_cli');
    const client = new RewindClient({ url: rewind.url, token: dev.token });
    const lines: string[] = [];
    const out = await commands.purge(client, view, 1, { pollMs: 100, onProgress: (line) => lines.push(line) });
    expect(out.exitCode).toBeUndefined();
    expect(out.data).toMatchObject({ kind: 'purge', status: 'succeeded', rows: { deleted: ROWS } });
    expect(out.text).toMatch(new RegExp(`purged the online values of ${view} v1: ${ROWS} rows deleted by job`));
    expect(lines.at(-1)).toMatch(new RegExp(`succeeded \\(done\\): ${ROWS}/${ROWS} rows`));
    expect(await onlineRows(view, 1)).toBe(0);
    // jobs list shows its kind.
    expect((await commands.jobsList(client, view)).text).toMatch(/purge\s+v1\s+succeeded/);
  });
});

describe('a purge job stopped mid-way', () => {
  it('resumes from its last counted chunk when a runner starts again: counted chunks are not run again, a chunk run twice is a no-op, and it ends purged', async () => {
    const { startLocalJobRunner } = await import('../../local/job-runner');
    const { getJobDeps } = await import('../../functions/commons/job-deps');
    const core = await import('../../core/jobs');
    const view = await servedThenLeft('purge_job_resume');

    // The runner stops (as the runtime does at shutdown, or dies): the job is stored, not driven.
    await rewind.local!.jobs.stop();
    const started = await dev.del(`/views/${view}/versions/1/online`);
    expect(started.status).toBe(202);
    const { id } = started.body.job;
    expect((await dev.get(`/jobs/${id}`)).body).toMatchObject({ status: 'queued', chunks: { done: 0 } });
    // A purge job is not cancelled: a half-purged version ends `purged` (core/jobs/purge.ts).
    const cancel = await dev.post(`/jobs/${id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('InvalidState');
    expect((await dev.get(`/jobs/${id}`)).body.status).toBe('queued');

    // What the runner had done before it stopped: the steps, and 4 of the 10 chunks; chunk 0 ran twice (a retry).
    const deps = getJobDeps();
    await core.validateStep(deps, id, 100);
    const { manifest } = await core.planStep(deps, id, 100);
    const chunks = await deps.jobFiles.getManifest(manifest);
    expect(chunks).toHaveLength(10);
    for (const chunk of chunks.slice(0, 4)) await core.materializeChunkStep(deps, id, chunk);
    expect(await core.materializeChunkStep(deps, id, chunks[0]!)).toEqual({ rows: 100 });
    const before = (await dev.get(`/jobs/${id}`)).body;
    expect(before).toMatchObject({ status: 'running', phase: 'materializing', chunks: { done: 4, total: 10 }, rows: { deleted: 400 } });
    expect(await onlineRows(view, 1)).toBe(ROWS - 400);
    expect((await dev.get(`/views/${view}/versions/1`)).body.online).toBe('purging');

    const resumedAt = new Date().toISOString();
    const runner = await startLocalJobRunner({ concurrency: 1 });
    try {
      const job = await ended(id);
      expect(job.body).toMatchObject({ status: 'succeeded', chunks: { done: 10, total: 10 }, rows: { deleted: ROWS }, result: { status: 'purged', deleted: ROWS } });
      const starts = await jobItems(id, 'S#');
      expect(starts.filter((s) => s.at >= resumedAt).map((s) => s.index).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
      expect(await jobItems(id, 'C#')).toHaveLength(10);
      expect(await onlineRows(view, 1)).toBe(0);
      expect((await dev.get(`/views/${view}/versions/1`)).body.online).toBe('purged');
      expect((await dev.get('/audit/verify')).body.ok).toBe(true);
    } finally {
      await runner.stop();
    }
  });
});
