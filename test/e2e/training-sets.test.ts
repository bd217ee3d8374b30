/**
 * "As served" training sets through HTTP and the CLI (issue 12, item 3), against DynamoDB Local
 * and s3rver: a set built later, inline or from an uploaded CSV, holds what GET /online answered
 * live at each row's instant (arm, kill switch, values), also once a version was purged and is
 * read from its snapshot's row groups; bad input is 400 naming the field, audited, writes nothing.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { run } from '../../cli/main';
import { ENV } from '../../contract/config';
import { deployBody } from '../support/fixtures';
import { eventually, purgeOnceUnread, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let view: string;
const entities = Array.from({ length: 12 }, (_, i) => `u${i}`);
/** Live answers at two moments: a 50 % canary with `age` switched off, then after the rollback. */
const moments: { at: string; bodies: Record<string, unknown>[] }[] = [];

/** Live answers once every server serves `revision` (the cache bound has passed), and the instant they were read. */
async function liveAt(revision: number) {
  const bound = Number(rewind.env[ENV.pointerCacheMs] ?? 1000);
  const pointer = (await deployer.get(`/views/${view}`)).body.pointer;
  expect(pointer.revision).toBe(revision);
  await eventually(async () => Date.now(), (now) => now > Date.parse(pointer.updatedAt) + bound + 20, bound + 10_000);
  const answers = await Promise.all(entities.map((e) => deployer.get(`/online/${view}/${e}`)));
  return { at: new Date().toISOString(), bodies: answers.map((a) => a.body as Record<string, unknown>) };
}

beforeAll(async () => {
  rewind = await startTestRewind('training-sets');
  deployer = await rewind.as('dev', ['deployer']);
  view = rewind.view('ts');
  // v2 has rows for u0…u7 only: u8…u11 in its arm are served the defaults.
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 12, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 8))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 50 })).status).toBe(200);
  expect((await deployer.post(`/views/${view}/features/age/disable`, { reason: 'zeros upstream' })).status).toBe(200);
  moments.push(await liveAt(3));
  expect((await deployer.post(`/views/${view}/rollback`, { reason: 'candidate drifted' })).status).toBe(200);
  moments.push(await liveAt(4));
  // v2 is no longer served: its canary answers now come from its snapshot.
  expect((await purgeOnceUnread(deployer, view, 2)).status).toBe(200);
});
afterAll(() => rewind.stop());

const asked = () => moments.flatMap((m) => entities.map((entity) => ({ entity, at: m.at })));
const live = () => moments.flatMap((m) => m.bodies);

async function download(url: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await parquetReadObjects({ file: await response.arrayBuffer() })) as Record<string, unknown>[];
}

/** A Parquet row back in the shape GET /online answers. */
function asServed(row: Record<string, unknown>) {
  const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  return {
    version: num(row.version),
    arm: row.arm,
    found: row.found,
    features: { age: num(row.age), country: row.country, avg_basket: row.avg_basket, is_premium: row.is_premium },
  };
}
const liveShape = (b: Record<string, unknown>) => ({ version: b.version, arm: b.arm ?? null, found: b.found, features: b.features });

it('answers inline rows with a Parquet file of what GET /online served then, and a summary', async () => {
  const reply = await deployer.post(`/views/${view}/training-sets`, { rows: asked() });
  expect(reply.status).toBe(201);
  expect(reply.body.uri).toBe(`s3://${rewind.bucket}/training-sets/${view}/${reply.body.id}.parquet`);
  const rows = await download(reply.body.downloadUrl);
  expect(rows.map((r) => [r.entity, r.at])).toEqual(asked().map((a) => [a.entity, a.at]));
  expect(rows.map(asServed)).toEqual(live().map(liveShape));
  // The canary's v2 rows were read from the purged version's snapshot; everything else online.
  const v2 = rows.filter((r) => Number(r.version) === 2);
  expect(v2.length).toBeGreaterThan(0);
  expect(new Set(v2.map((r) => r.served_from))).toEqual(new Set(['snapshot']));
  expect(reply.body.summary).toMatchObject({ rows: 24, notServed: 0, snapshot: v2.length, online: 24 - v2.length, revisions: [3, 4] });

  // The stored set is handed out again by its id; an unknown id is 404.
  const again = await deployer.get(`/views/${view}/training-sets/${reply.body.id}`);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id: reply.body.id, uri: reply.body.uri, bytes: reply.body.bytes });
  expect((await download(again.body.downloadUrl)).length).toBe(24);
  expect((await deployer.get(`/views/${view}/training-sets/${'0'.repeat(64)}`)).status).toBe(404);
  expect((await deployer.get(`/views/${view}/training-sets/..%2F..%2Fsnapshots`)).body.error.code).toBe('TrainingSetNotFound');
});

it('reads an uploaded CSV through the CLI and writes the set with --out', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-ts-'));
  const csv = join(dir, `entities-${rewind.tag}.csv`);
  await writeFile(csv, ['user_id,at', ...asked().map((a) => `${a.entity},${a.at}`)].join('\n'));
  const out = join(dir, 'set.parquet');
  let stdout = '';
  const code = await run(['training-set', view, '--data', csv, '--out', out], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: () => true } as never,
    env: { REWIND_URL: rewind.url, REWIND_TOKEN: deployer.token },
  });
  expect(code).toBe(0);
  expect(stdout).toContain(`${view}: training set`);
  expect(stdout).toContain(`written to ${out}`);
  const bytes = await readFile(out);
  const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Record<string, unknown>[];
  expect(rows.map(asServed)).toEqual(live().map(liveShape));
});

describe('bad input', () => {
  const future = new Date(Date.now() + 3_600_000).toISOString();
  it.each([
    ['a malformed instant', { rows: [{ entity: 'u1', at: 'yesterday' }] }, 'body.rows[0].at'],
    ['a future instant', { rows: [{ entity: 'u1', at: '2026-01-01T00:00:00Z' }, { entity: 'u1', at: future }] }, 'body.rows[1].at'],
    ['more inline rows than the limit', { rows: Array.from({ length: 1001 }, () => ({ entity: 'u1', at: '2026-01-01T00:00:00Z' })) }, 'body.rows'],
    ['neither rows nor dataUri', {}, 'body.rows'],
  ])('refuses %s with 400 naming the field, audited, writing nothing', async (_what, body, field) => {
    const before = await rewind.dump();
    const reply = await deployer.post(`/views/${view}/training-sets`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'ValidationError', field });
    expect(await rewind.dump()).toEqual(before);
    const refusal = (await deployer.get(`/audit?view=${view}&actor=${encodeURIComponent(deployer.sub)}&limit=1`)).body.entries[0];
    expect(refusal).toMatchObject({ outcome: 'denied', reason: expect.stringContaining(field) });
  });

  it('refuses a file whose entity column is not in it, naming body.entityColumn', async () => {
    const ticket = (await deployer.post('/uploads', { fileName: `bad-${rewind.tag}.csv` })).body;
    expect((await fetch(ticket.uploadUrl, { method: 'PUT', body: 'customer,at\nu1,2026-01-01T00:00:00Z\n' })).status).toBe(200);
    const before = await rewind.dump();
    const reply = await deployer.post(`/views/${view}/training-sets`, { dataUri: ticket.snapshotUri });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ field: 'body.entityColumn', message: "body.entityColumn: column 'user_id' is not in the file (its columns: customer, at)" });
    expect(await rewind.dump()).toEqual(before);
  });
});
