/**
 * Training sets larger than REWIND_TRAINING_SET_MAX_ROWS as jobs of kind `training-set`
 * (issue 12 item 3), through HTTP on DynamoDB Local and s3rver and the local job runner: a file
 * over the limit (or `async: true`) answers 202 with a job; its rows are checked as the
 * synchronous set checks them (the same 400 body in GET /jobs/{id}, the row number given); the
 * set it stores is where a synchronous one is, and equals the synchronous set of the same rows.
 *
 * Local: the synchronous limit is 20 rows and chunks are 7 rows, so 24 rows run as 4 chunks and
 * the same rows fit a synchronous set when sent inline.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { run } from '../../cli/main';
import { ENV } from '../../contract/config';
import { deployBody } from '../support/fixtures';
import { eventually, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller;
let view: string;
const entities = Array.from({ length: 12 }, (_, i) => `u${i}`);
const moments: string[] = [];

const ENDED = ['succeeded', 'failed', 'cancelled'];
const ended = (id: string) => eventually(() => dev.get(`/jobs/${id}`), (r) => ENDED.includes(r.body?.status), 60_000);

/** An instant once every server serves the pointer's latest revision. */
async function settledInstant(): Promise<string> {
  const bound = Number(rewind.env[ENV.pointerCacheMs] ?? 1000);
  const pointer = (await dev.get(`/views/${view}`)).body.pointer;
  await eventually(async () => Date.now(), (now) => now > Date.parse(pointer.updatedAt) + bound + 20, bound + 10_000);
  return new Date().toISOString();
}

beforeAll(async () => {
  process.env.REWIND_TRAINING_SET_MAX_ROWS = '20';
  process.env.REWIND_JOB_CHUNK_ROWS = '7';
  process.env.REWIND_JOB_CONCURRENCY = '1';
  rewind = await startLocalTestRewind('ts_jobs');
  dev = await rewind.as('dev', ['deployer']);
  view = rewind.view('ts_jobs');
  // A 50 % canary of v2 (rows for u0…u7 only) with `age` switched off, then a rollback: the first
  // chunks are served by two versions, the last by v1 alone.
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 12, { activate: true }))).status).toBe(201);
  expect((await dev.post(`/views/${view}/versions`, deployBody(2, 8))).status).toBe(201);
  expect((await dev.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 50 })).status).toBe(200);
  expect((await dev.post(`/views/${view}/features/age/disable`, { reason: 'zeros upstream' })).status).toBe(200);
  moments.push(await settledInstant());
  expect((await dev.post(`/views/${view}/rollback`, { reason: 'candidate drifted' })).status).toBe(200);
  moments.push(await settledInstant());
});
afterAll(async () => {
  await rewind.stop();
  delete process.env.REWIND_TRAINING_SET_MAX_ROWS;
  delete process.env.REWIND_JOB_CHUNK_ROWS;
  delete process.env.REWIND_JOB_CONCURRENCY;
});

const asked = () => moments.flatMap((at) => entities.map((entity) => ({ entity, at })));

async function upload(name: string, text: string): Promise<string> {
  const ticket = (await dev.post('/uploads', { fileName: `${name}-${rewind.tag}.csv` })).body;
  expect((await fetch(ticket.uploadUrl, { method: 'PUT', body: text })).status).toBe(200);
  return ticket.snapshotUri as string;
}

async function download(url: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await parquetReadObjects({ file: await response.arrayBuffer() })) as Record<string, unknown>[];
}

/** The stored set of a job that succeeded, read back through GET /views/{view}/training-sets/{id}. */
async function jobSet(jobId: string) {
  const job = (await ended(jobId)).body;
  expect(job).toMatchObject({ kind: 'training-set', version: null, status: 'succeeded', result: { status: 'stored', trainingSet: { id: expect.stringMatching(/^[0-9a-f]{64}$/) } } });
  const set = job.result.trainingSet;
  expect(set.uri).toBe(`s3://${rewind.bucket}/training-sets/${view}/${set.id}.parquet`);
  const got = await dev.get(`/views/${view}/training-sets/${set.id}`);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({ view, id: set.id, uri: set.uri, bytes: set.bytes });
  return { job, set, rows: await download(got.body.downloadUrl) };
}

describe('a training set over REWIND_TRAINING_SET_MAX_ROWS', () => {
  it('of an uploaded file runs as a job (202) and stores a set equal to the synchronous set of the same rows', async () => {
    const dataUri = await upload('entities', ['user_id,at', ...asked().map((a) => `${a.entity},${a.at}`)].join('\n'));
    const started = await dev.post(`/views/${view}/training-sets`, { dataUri });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ view, job: { kind: 'training-set', version: null, status: 'queued' } });
    const { job, set, rows } = await jobSet(started.body.job.id);
    expect(job).toMatchObject({ chunks: { done: 4, total: 4 }, rows: { written: 24, total: 24 } });

    // The same rows inline fit the synchronous path (inline rows are not bounded by the file limit).
    const sync = await dev.post(`/views/${view}/training-sets`, { rows: asked() });
    expect(sync.status).toBe(201);
    const syncRows = await download(sync.body.downloadUrl);
    expect(rows).toEqual(syncRows);
    expect(set.summary).toEqual(sync.body.summary);
    // Both versions served rows, so the columns are every feature of both.
    expect(set.summary.servedBy.map((b: any) => b.version)).toEqual(expect.arrayContaining([1, 2]));

    const listed = await dev.get(`/views/${view}/jobs`);
    expect(listed.body.jobs.find((j: any) => j.id === started.body.job.id)).toMatchObject({ kind: 'training-set', version: null, status: 'succeeded' });
  });

  it('async: true makes a small inline set a job too, equal to the synchronous one', async () => {
    const rows = asked().slice(5, 19);
    const started = await dev.post(`/views/${view}/training-sets`, { rows, async: true });
    expect(started.status).toBe(202);
    const job = await jobSet(started.body.job.id);
    const sync = await dev.post(`/views/${view}/training-sets`, { rows });
    expect(sync.status).toBe(201);
    expect(job.rows).toEqual(await download(sync.body.downloadUrl));
    expect(job.set.summary).toEqual(sync.body.summary);
  });

  it('a file with a bad row fails at validation with the synchronous 400 body, the row number given, and stores nothing', async () => {
    const lines = ['user_id,at', ...asked().slice(0, 5).map((a) => `${a.entity},${a.at}`)];
    lines[3] = 'u2,yesterday';
    const dataUri = await upload('bad', lines.join('\n'));
    const sync = await dev.post(`/views/${view}/training-sets`, { dataUri });
    expect(sync.status).toBe(400);
    expect(sync.body.error.message).toContain('row 3');
    const started = await dev.post(`/views/${view}/training-sets`, { dataUri, async: true });
    expect(started.status).toBe(202);
    const job = (await ended(started.body.job.id)).body;
    expect(job).toMatchObject({ kind: 'training-set', status: 'failed', errorStatus: 400, error: { error: { code: 'ValidationError', field: 'body.dataUri', message: sync.body.error.message } }, result: null });
  });

  it('rewind training-set follows the job with progress lines and prints what it prints for a synchronous set, --out included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rewind-ts-jobs-'));
    const csv = join(dir, `entities-${rewind.tag}.csv`);
    await writeFile(csv, ['user_id,at', ...asked().map((a) => `${a.entity},${a.at}`)].join('\n'));
    const out = join(dir, 'set.parquet');
    let stdout = '';
    let stderr = '';
    const code = await run(['training-set', view, '--data', csv, '--out', out], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => ((stderr += s), true) } as never,
      env: { REWIND_URL: rewind.url, REWIND_TOKEN: dev.token },
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/job [0-9a-f-]{36} succeeded \(done\): 24\/24 rows/);
    expect(stdout).toMatch(new RegExp(`${view}: training set [0-9a-f]{12}… · 24 rows from`));
    expect(stdout).toContain(`written to ${out}`);
    const bytes = await readFile(out);
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Record<string, unknown>[];
    const sync = await dev.post(`/views/${view}/training-sets`, { rows: asked() });
    expect(rows).toEqual(await download(sync.body.downloadUrl));
  });

  it('for random inputs (entities with and without rows, instants before the view and between its changes, any order), the job-built set equals the synchronous one', async () => {
    const first = Date.parse(moments[0]!) - 120_000;
    const last = Date.parse(moments[1]!);
    let seed = 12_345;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 3; round++) {
      const count = 8 + Math.floor(random() * 30);
      const rows = Array.from({ length: count }, () => ({
        entity: random() < 0.15 ? `nobody${Math.floor(random() * 3)}` : `u${Math.floor(random() * 12)}`,
        at: new Date(first + Math.floor(random() * (last - first))).toISOString(),
      }));
      const started = await dev.post(`/views/${view}/training-sets`, { rows, async: true });
      expect(started.status).toBe(202);
      const job = await jobSet(started.body.job.id);
      expect(job.job.chunks.total).toBe(Math.ceil(count / 7));
      const sync = await dev.post(`/views/${view}/training-sets`, { rows });
      expect(sync.status).toBe(201);
      expect(job.rows).toEqual(await download(sync.body.downloadUrl));
      expect(job.set.summary).toEqual(sync.body.summary);
    }
  });

  it('an unknown view is a 404 before any job', async () => {
    const reply = await dev.post(`/views/${rewind.view('nothing_here')}/training-sets`, { rows: asked().slice(0, 2), async: true });
    expect(reply.status).toBe(404);
  });
});
