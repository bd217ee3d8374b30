/**
 * A deploy job's streaming validation (core/job-validation.ts) on DynamoDB Local and s3rver:
 * the same file deployed synchronously (`async: false`) and as a job (`async: true`) gets the
 * same verdict, findings, counts and profiles; a file that is missing, unreadable, of an
 * unknown format, or whose rows break the definition fails the job at validation with the
 * 400 body the synchronous path gives (field named, row number given), records no version and
 * serves nothing.
 *
 * Local: the job runner runs in this process. Chunks are the default 5,000 rows, so a
 * 5,200-row file crosses a batch boundary (a duplicate found across batches).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { encodeParquet } from '../../store/formats';
import { parseS3Uri } from '../../store/s3-snapshots';
import { rows, userProfile } from '../support/fixtures';
import { countOnlineRows } from '../support/online-rows';
import { eventually, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let dev: Caller;
let db: DynamoDBClient;
let s3: S3Client;

beforeAll(async () => {
  rewind = await startLocalTestRewind('jobval');
  dev = await rewind.as('dev', ['deployer']);
  db = new DynamoDBClient({});
  s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
});
afterAll(async () => {
  db.destroy();
  s3.destroy();
  await rewind.stop();
});

const ENDED = ['succeeded', 'failed', 'cancelled'];
const ended = (id: string) => eventually(() => dev.get(`/jobs/${id}`), (r) => ENDED.includes(r.body?.status), 60_000);

type Row = Record<string, unknown>;
const jsonl = (records: Row[]) => records.map((r) => JSON.stringify(r)).join('\n');
const csv = (records: Row[]) => ['user_id,age,country,avg_basket,is_premium', ...records.map((r) => [r.user_id, r.age ?? '', r.country ?? '', r.avg_basket ?? '', r.is_premium ?? ''].join(','))].join('\n');
const parquet = (records: Row[]) =>
  encodeParquet(
    userProfile as never,
    records.map(({ user_id, ...values }) => ({ entity: String(user_id), values: values as never })),
  );

async function upload(fileName: string, body: string | Uint8Array): Promise<string> {
  const { body: ticket } = await dev.post('/uploads', { fileName });
  expect((await fetch(ticket.uploadUrl, { method: 'PUT', body })).ok).toBe(true);
  return ticket.snapshotUri as string;
}

/** Online rows stored under (view, version), counted in the table itself. */
const onlineRows = (view: string, version: number) => countOnlineRows(db, rewind.env.REWIND_ONLINE_TABLE!, view, version);

async function document(uri: string): Promise<any> {
  const { bucket, key } = parseS3Uri(uri);
  return JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
}

/** v2 drifts from v1: older users, a third of the baskets missing. */
const drifted = (count: number) => rows(count, 2).map((r, i) => ({ ...r, age: (r.age as number) + 25, ...(i % 3 === 0 ? { avg_basket: null } : {}) }));

describe('a job validates as a synchronous deploy does', () => {
  it.each([
    ['jsonl', jsonl],
    ['csv', csv],
    ['parquet', parquet],
  ] as const)('%s: the same verdict, findings, row counts and profiles on the same file', async (format, encode) => {
    const sync = rewind.view(`jv_sync_${format}`);
    const job = rewind.view(`jv_job_${format}`);
    const v1 = await upload(`v1.${format}`, encode(rows(400, 1)));
    const v2 = await upload(`v2.${format}`, encode(drifted(400)));
    for (const [i, uri] of [v1, v2].entries()) {
      const a = await dev.post(`/views/${sync}/versions`, { definition: userProfile, snapshotUri: uri, async: false, activate: i === 0 });
      expect(a.status).toBe(201);
      const b = await dev.post(`/views/${job}/versions`, { definition: userProfile, snapshotUri: uri, async: true, activate: i === 0 });
      expect(b.status).toBe(202);
      expect((await ended(b.body.job.id)).body).toMatchObject({ status: 'succeeded', rows: { total: 400 } });
    }
    const [a, b] = await Promise.all([dev.get(`/views/${sync}/versions/2`), dev.get(`/views/${job}/versions/2`)]);
    const { artifact: artifactA, ...validationA } = a.body.validation;
    const { artifact: artifactB, ...validationB } = b.body.validation;
    expect(validationA.findings.length).toBeGreaterThan(0);
    expect(validationB).toEqual(validationA);
    expect(b.body.outcome).toBe(a.body.outcome);
    expect(b.body.snapshot.rows).toBe(a.body.snapshot.rows);
    expect((await document(artifactB.uri)).profiles).toEqual((await document(artifactA.uri)).profiles);
    if (b.body.outcome === 'ready') expect(await onlineRows(job, 2)).toBe(400);
  });
});

describe('a job whose file cannot be deployed fails at validation', () => {
  /** Deploys `uri` as a job and as a plan (the synchronous checks); both refusals, and what the job left. */
  async function refused(view: string, uri: string) {
    const started = await dev.post(`/views/${view}/versions`, { definition: userProfile, snapshotUri: uri, async: true });
    expect(started.status).toBe(202);
    const job = (await ended(started.body.job.id)).body;
    const plan = await dev.post(`/views/${view}/plan`, { definition: userProfile, snapshotUri: uri });
    expect(job).toMatchObject({ status: 'failed', phase: 'done', errorStatus: 400 });
    expect(plan.status).toBe(400);
    expect(job.error).toEqual(plan.body);
    expect((await dev.get(`/views/${view}/versions/${started.body.version}`)).status).toBe(404);
    expect(await onlineRows(view, started.body.version)).toBe(0);
    const audit = await dev.get(`/audit?view=${view}`);
    expect(audit.body.entries.map((e: any) => e.action)).toContain('deploy-job-fail');
    // The plan's refusal is audited as a refused deploy; no deploy was allowed.
    expect(audit.body.entries.filter((e: any) => e.action === 'deploy').map((e: any) => e.outcome)).toEqual(['denied']);
    return job.error.error as { code: string; field: string; message: string };
  }

  it('a missing file: snapshotUri named', async () => {
    const error = await refused(rewind.view('jv_missing'), `s3://${rewind.bucket}/uploads/none/gone.jsonl`);
    expect(error).toMatchObject({ code: 'ValidationError', field: 'snapshotUri', message: expect.stringContaining('no object at') });
  });

  it('bytes that are not Parquet, in a .parquet file', async () => {
    const error = await refused(rewind.view('jv_not_parquet'), await upload('rows.parquet', 'user_id,age\nu1,3\n'));
    expect(error).toMatchObject({ field: 'snapshotUri', message: 'snapshotUri: is not a readable Parquet file' });
  });

  it('a file that is not Parquet, CSV or JSON lines', async () => {
    // POST /uploads refuses such a name, so the file is put in the bucket directly.
    const key = `uploads/${randomUUID()}/rows.txt`;
    await s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: key, Body: jsonl(rows(3)) }));
    const error = await refused(rewind.view('jv_format'), `s3://${rewind.bucket}/${key}`);
    expect(error).toMatchObject({ field: 'snapshotUri', message: expect.stringContaining('must end in .parquet') });
  });

  it('a JSON-lines line that does not parse: its line number', async () => {
    const text = `${jsonl(rows(200))}\n{"user_id": "u200", "age": \n`;
    const error = await refused(rewind.view('jv_json'), await upload('rows.jsonl', text));
    expect(error).toMatchObject({ field: 'snapshotUri', message: 'snapshotUri: line 201 is not valid JSON' });
  });

  it('a CSV value of the wrong type: the row and the feature', async () => {
    const records = rows(300);
    records[170]!.age = 'forty';
    const error = await refused(rewind.view('jv_csv'), await upload('rows.csv', csv(records)));
    expect(error).toMatchObject({ field: 'snapshotUri[170].age', message: "snapshotUri[170].age: expected int, got 'forty'" });
  });

  it('a duplicate entity in a later batch than its first row', async () => {
    const records = rows(5_200);
    records[5_100]!.user_id = 'u7';
    const error = await refused(rewind.view('jv_dup'), await upload('rows.jsonl', jsonl(records)));
    expect(error).toMatchObject({ field: 'snapshotUri[5100].user_id', message: "snapshotUri[5100].user_id: duplicate entity 'u7'" });
  });
});
