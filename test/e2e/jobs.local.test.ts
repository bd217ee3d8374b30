/**
 * Deploy jobs (issue 11) through HTTP, on DynamoDB Local and s3rver, driven by the local
 * runtime's job runner (local/job-runner.ts) calling the same step handlers as the state
 * machine: 202 and a job, its progress, its end, and what a failed or cancelled job leaves
 * behind (no version record, no online rows).
 *
 * Local: the synchronous limit and the runner's concurrency are set for this suite's runtime
 * (a 150-row file is "large", and one chunk runs at a time, so a cancel lands mid-job), and
 * validation stops and checkpoints after every 5,000 rows, so a 12,000-row job validates in
 * three segments (one Lambda invocation each on AWS) through the runner's loop.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { deployBody, rows, userProfile } from '../support/fixtures';
import { countOnlineRows } from '../support/online-rows';
import { eventually, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller;
let db: DynamoDBClient;

beforeAll(async () => {
  process.env.REWIND_SYNC_DEPLOY_MAX_ROWS = '150';
  process.env.REWIND_JOB_CONCURRENCY = '1';
  process.env.REWIND_JOB_VALIDATE_SEGMENT_ROWS = '5000';
  rewind = await startLocalTestRewind('jobs');
  dev = await rewind.as('dev', ['deployer']);
  db = new DynamoDBClient({});
});
afterAll(async () => {
  db.destroy();
  await rewind.stop();
  delete process.env.REWIND_SYNC_DEPLOY_MAX_ROWS;
  delete process.env.REWIND_JOB_CONCURRENCY;
  delete process.env.REWIND_JOB_VALIDATE_SEGMENT_ROWS;
});

const ENDED = ['succeeded', 'failed', 'cancelled'];
const ended = (id: string) => eventually(() => dev.get(`/jobs/${id}`), (r) => ENDED.includes(r.body?.status), 60_000);

/** Online rows stored under (view, version), counted in the table itself. */
const onlineRows = (view: string, version: number) => countOnlineRows(db, rewind.env.REWIND_ONLINE_TABLE!, view, version);

/** An object of the bucket as text, undefined when there is none. */
async function jobObject(key: string): Promise<string | undefined> {
  const s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: rewind.bucket, Key: key }))).Body!.transformToString();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  } finally {
    s3.destroy();
  }
}

/** A JSON-lines file of `count` rows put where POST /uploads says. */
async function upload(count: number): Promise<string> {
  const { body } = await dev.post('/uploads', { fileName: 'rows.jsonl' });
  const text = rows(count, 3)
    .map((r) => JSON.stringify(r))
    .join('\n');
  const put = await fetch(body.uploadUrl, { method: 'PUT', body: text });
  expect(put.ok).toBe(true);
  return body.snapshotUri as string;
}

describe('an async deploy', () => {
  it('answers 202 with the reserved version and a job, which succeeds; then the version serves every row', async () => {
    const view = rewind.view('jobs_ok');
    const started = await dev.post(`/views/${view}/versions`, deployBody(1, 12_000, { async: true }));
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ view, version: 1, job: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'queued', view, version: 1 } });

    const job = await ended(started.body.job.id);
    expect(job.body).toMatchObject({ status: 'succeeded', phase: 'done', chunks: { done: 3, total: 3 }, rows: { written: 12_000, total: 12_000, validated: 12_000 }, error: null, result: { status: 'deployed' } });
    expect(job.body.rowsPerSecond).toBeGreaterThan(0);
    // Validated in three segments: the last checkpoint is the finished one, naming segment 2's fingerprints (segment 1's were deleted).
    const checkpoint = (name: string) => jobObject(`jobs/${started.body.job.id}/checkpoint/${name}`);
    expect(JSON.parse((await checkpoint('validation.json'))!)).toMatchObject({ done: true, rows: 12_000 });
    expect(await checkpoint('fingerprints-2.bin')).toBeDefined();
    expect(await checkpoint('fingerprints-1.bin')).toBeUndefined();

    const version = await dev.get(`/views/${view}/versions/1`);
    expect(version.body).toMatchObject({ version: 1, outcome: 'ready', snapshot: { rows: 12_000 } });
    expect(await onlineRows(view, 1)).toBe(12_000);
    expect((await dev.post(`/views/${view}/activate`, { version: 1 })).status).toBe(200);
    const served = await eventually(() => dev.get(`/online/${view}/u11999`), (r) => r.status === 200);
    expect(served.body).toMatchObject({ version: 1, found: true });

    const listed = await dev.get(`/views/${view}/jobs`);
    expect(listed.body.jobs.map((j: any) => [j.id, j.status])).toEqual([[started.body.job.id, 'succeeded']]);

    // Start and end are audited: the job's start, then the deploy that recorded the version.
    const audit = await dev.get(`/audit?view=${view}`);
    const actions = audit.body.entries.map((e: any) => [e.action, e.detail?.job]).reverse();
    expect(actions.slice(0, 2)).toEqual([
      ['deploy-job-start', started.body.job.id],
      ['deploy', started.body.job.id],
    ]);
    expect((await dev.get('/audit/verify')).body.ok).toBe(true);
  });

  it('with activate: true activates only once the job has succeeded', async () => {
    const view = rewind.view('jobs_activate');
    const started = await dev.post(`/views/${view}/versions`, deployBody(1, 6_000, { async: true, activate: true }));
    expect(started.status).toBe(202);
    // While the job runs, nothing is served.
    const during = await dev.get(`/views/${view}`);
    if (during.status === 200) expect(during.body.pointer?.stable ?? null).toBeNull();
    const job = await ended(started.body.job.id);
    expect(job.body).toMatchObject({ status: 'succeeded', result: { status: 'active' } });
    expect((await dev.get(`/views/${view}`)).body.pointer).toMatchObject({ stable: 1 });
    const history = await dev.get(`/views/${view}/history`);
    expect(history.body.history.map((h: any) => [h.action, h.toVersion])).toEqual([['activate', 1]]);
  });

  it('of a snapshotUri file over REWIND_SYNC_DEPLOY_MAX_ROWS takes the job path; a smaller one still answers 201', async () => {
    const view = rewind.view('jobs_file');
    const small = await dev.post(`/views/${view}/versions`, { definition: userProfile, snapshotUri: await upload(100) });
    expect(small.status).toBe(201);
    expect(small.body).toMatchObject({ version: 1, status: 'deployed' });
    expect(small.body.job).toBeUndefined();

    const large = await dev.post(`/views/${view}/versions`, { definition: userProfile, snapshotUri: await upload(400) });
    expect(large.status).toBe(202);
    expect(large.body).toMatchObject({ view, version: 2, job: { status: 'queued' } });
    expect((await ended(large.body.job.id)).body).toMatchObject({ status: 'succeeded', rows: { written: 400 } });
    expect(await onlineRows(view, 2)).toBe(400);
  });

  it('of inline rows over REWIND_SYNC_DEPLOY_MAX_ROWS takes the job path too (no caller held past the gateway limit); a smaller body still answers 201', async () => {
    const view = rewind.view('jobs_inline');
    const small = await dev.post(`/views/${view}/versions`, deployBody(1, 150));
    expect(small.status).toBe(201);
    expect(small.body).toMatchObject({ version: 1, status: 'deployed', materialized: { rows: 150 } });

    const large = await dev.post(`/views/${view}/versions`, deployBody(2, 151));
    expect(large.status).toBe(202);
    expect(large.body).toMatchObject({ view, version: 2, job: { status: 'queued' } });
    expect((await ended(large.body.job.id)).body).toMatchObject({ status: 'succeeded', rows: { written: 151, total: 151 } });
    expect(await onlineRows(view, 2)).toBe(151);

    // `async: false` is the caller's explicit choice: it keeps the synchronous path at any size.
    const forced = await dev.post(`/views/${view}/versions`, deployBody(3, 151, { async: false }));
    expect(forced.status).toBe(201);
  });

  it('of a bad file fails at validation with the 400 body a synchronous deploy gives, records no version and serves nothing', async () => {
    const view = rewind.view('jobs_bad');
    const bad = deployBody(1, 300, { async: true });
    (bad.rows[120] as Record<string, unknown>).age = 'forty';
    const sync = await dev.post(`/views/${view}/plan`, { ...bad, async: undefined });
    const started = await dev.post(`/views/${view}/versions`, bad);
    expect(started.status).toBe(202);
    const job = await ended(started.body.job.id);
    expect(job.body).toMatchObject({ status: 'failed', phase: 'done', errorStatus: 400, error: { error: { code: 'ValidationError', field: sync.body.error.field } } });
    expect(job.body.error.error.field).toMatch(/^body\.rows\[120\]/);
    expect((await dev.get(`/views/${view}/versions/${started.body.version}`)).status).toBe(404);
    expect((await dev.get(`/views/${view}/versions`)).body.versions ?? []).toEqual([]);
    expect(await onlineRows(view, started.body.version)).toBe(0);
    const audit = await dev.get(`/audit?view=${view}`);
    expect(audit.body.entries.map((e: any) => e.action)).toContain('deploy-job-fail');
  });

  it('of a missing file fails the job naming snapshotUri', async () => {
    const view = rewind.view('jobs_missing');
    const started = await dev.post(`/views/${view}/versions`, { definition: userProfile, snapshotUri: `s3://${rewind.bucket}/uploads/none/x.parquet`, async: true });
    expect(started.status).toBe(202);
    expect((await ended(started.body.job.id)).body).toMatchObject({ status: 'failed', errorStatus: 400, error: { error: { code: 'ValidationError', field: 'snapshotUri' } } });
  });
});

describe('job routes', () => {
  it('answer 404 for an unknown job and 409 for a cancel of a finished one', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await dev.get(`/jobs/${unknown}`)).body.error).toMatchObject({ code: 'JobNotFound' });
    expect((await dev.get(`/jobs/${unknown}`)).status).toBe(404);
    expect((await dev.post(`/jobs/${unknown}/cancel`)).status).toBe(404);
    expect((await dev.get('/jobs/not-a-uuid')).status).toBe(400);

    const view = rewind.view('jobs_done');
    const started = await dev.post(`/views/${view}/versions`, deployBody(1, 50, { async: true }));
    await ended(started.body.job.id);
    const cancel = await dev.post(`/jobs/${started.body.job.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('JobEnded');
  });

  it('cancel mid-job: the job ends cancelled, with no version record and no online rows', async () => {
    const view = rewind.view('jobs_cancel');
    const started = await dev.post(`/views/${view}/versions`, deployBody(1, 30_000, { async: true }));
    expect(started.status).toBe(202);
    const { id } = started.body.job;
    const under = await eventually(() => dev.get(`/jobs/${id}`), (r) => r.body.chunks.done >= 1 || ENDED.includes(r.body.status), 60_000);
    expect(under.body.status).toBe('running');
    expect(under.body.chunks.done).toBeLessThan(under.body.chunks.total);

    const cancel = await dev.post(`/jobs/${id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('cancelling');
    const job = await ended(id);
    expect(job.body).toMatchObject({ status: 'cancelled', error: null });
    expect(job.body.chunks.done).toBeLessThan(job.body.chunks.total);
    expect((await dev.get(`/views/${view}/versions/1`)).status).toBe(404);
    expect(await onlineRows(view, 1)).toBe(0);
    const audit = await dev.get(`/audit?view=${view}`);
    expect(audit.body.entries.map((e: any) => e.action)).toEqual(expect.arrayContaining(['deploy-job-start', 'purge', 'deploy-job-cancel']));
    expect(audit.body.entries.map((e: any) => e.action)).not.toContain('deploy');
  });
});

describe('the CLI', () => {
  it('rewind deploy --async follows the job to its end with progress lines; --no-wait prints the job id; jobs show/list agree', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const commands = await import('../../cli/commands');
    const { RewindClient } = await import('../../cli/client');
    const dir = mkdtempSync(join(tmpdir(), 'rewind-jobs-cli-'));
    try {
      const view = rewind.view('jobs_cli');
      const viewFile = join(dir, `${view}.view.json`);
      writeFileSync(viewFile, JSON.stringify({ view, definition: userProfile }));
      const data = join(dir, 'rows.jsonl');
      writeFileSync(data, rows(2_000, 5).map((r) => JSON.stringify(r)).join('\n'));
      const client = new RewindClient({ url: rewind.url, token: dev.token });

      const lines: string[] = [];
      const followed = await commands.deploy(client, { viewFile, data, async: true, pollMs: 100, onProgress: (line) => lines.push(line) });
      expect(followed.exitCode).toBeUndefined();
      expect(followed.data).toMatchObject({ status: 'succeeded', version: 1, rows: { written: 2_000 } });
      expect(lines.at(-1)).toMatch(/succeeded \(done\): 2000\/2000 rows/);

      const queued = await commands.deploy(client, { viewFile, data, async: true, noWait: true });
      const id = (queued.data as { job: { id: string } }).job.id;
      expect(queued.text).toContain(`job ${id}`);
      await ended(id);
      expect((await commands.jobsShow(client, id)).data).toMatchObject({ id, status: 'succeeded', version: 2 });
      expect(((await commands.jobsList(client, view)).data as { jobs: { version: number }[] }).jobs.map((j) => j.version)).toEqual([2, 1]);
      await expect(commands.jobsCancel(client, id)).rejects.toMatchObject({ status: 409 });

      // Ctrl-C while following (the signal main.ts aborts on SIGINT): following stops, the job goes on to its end.
      const following = new AbortController();
      const reads: string[] = [];
      const interrupted = await commands.deploy(client, { viewFile, data, async: true, pollMs: 100, signal: following.signal, onJob: (job) => (reads.push(job.status), following.abort()) });
      expect(interrupted.exitCode).toBe(130);
      expect(reads).toHaveLength(1);
      const left = (interrupted.data as { id: string; status: string }).id;
      expect(interrupted.text).toContain(`rewind jobs cancel ${left}`);
      expect((await ended(left)).body).toMatchObject({ status: 'succeeded', version: 3, rows: { written: 2_000 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
