/**
 * Audit chain heads, through the HTTP API against DynamoDB Local: deleting a chain's newest
 * entries (or all of them) behind the API's back is reported by GET /audit/verify; concurrent
 * audited requests leave one head at the newest entry; a chain written before heads existed
 * verifies as unanchored and is anchored by its next append. And the signed checkpoints in
 * s3rver: what a writer of the audit table hides from the table itself (an entry and its head
 * rewritten together, a chain deleted with its head, a history entry's audit entry deleted)
 * is reported once a checkpoint, or the history, disagrees.
 *
 * Local only (*.local.test.ts): it tampers with the audit table, which on a deployed stack
 * would leave the shared log reporting tampering to every later verify.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_HEAD_SEQ, auditHeadPartition } from '../../contract/tables';
import { chainFor, nextAuditEntry, verifyChain } from '../../core/audit-chain';
import type { AuditEntry } from '../../core/model';
import type { AuditCheckpoint } from '../../core/ports/audit-checkpoints';
import { verifyAudit, type AuditVerdict } from '../../core/queries';
import { createDocumentClient, createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { createTablePorts } from '../../store/dynamo-ports';
import { deployBody } from '../support/fixtures';
import { startLocalTestRewind, type Caller } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let deployer: Caller;
let viewer: Caller;
let auditor: Caller;
let admin: Caller;
const db = createDocumentClient();
const s3 = createS3Client({ forcePathStyle: true });
let table: string;

beforeAll(async () => {
  rewind = await startLocalTestRewind('audit-anchor');
  table = rewind.env.REWIND_AUDIT_TABLE!;
  [deployer, viewer, auditor, admin] = await Promise.all([
    rewind.as('dev', ['deployer']),
    rewind.as('vic', ['viewer']),
    rewind.as('auditor', ['viewer']),
    rewind.as('root', ['admin'], { mfa: true }),
  ]);
});
afterAll(async () => {
  db.destroy();
  s3.destroy();
  await rewind.stop();
});

/** A view's entries as stored, in seq order (the chain's partition: its head is in another). */
async function entriesOf(view: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#chain = :chain',
        ExpressionAttributeNames: { '#chain': 'chain' },
        ExpressionAttributeValues: { ':chain': chainFor(view) },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    entries.push(...((page.Items ?? []) as AuditEntry[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return entries;
}

async function headOf(view: string): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: table, Key: headKey(view), ConsistentRead: true }))).Item;
}

const headKey = (view: string) => ({ chain: auditHeadPartition(chainFor(view)), seq: AUDIT_HEAD_SEQ });
const deleteEntry = (view: string, seq: number) => db.send(new DeleteCommand({ TableName: table, Key: { chain: chainFor(view), seq } }));

async function verify(): Promise<AuditVerdict> {
  const reply = await auditor.get<AuditVerdict>('/audit/verify');
  expect(reply.status).toBe(200);
  return reply.body;
}
const problemsOf = (verdict: AuditVerdict, view: string) => verdict.problems.filter((p) => p.chain === chainFor(view));

/**
 * One audit entry that changes nothing else: what a viewer's refused rollback appended to the
 * view's chain before refusals moved to the refusal log (issue 15 item 6), appended here
 * through the store's audit log, the same chain writer every audited transaction uses.
 */
async function refusedRollback(view: string, i = 0): Promise<void> {
  await chainWriter().appendAudit({ actor: viewer.sub, action: 'rollback', outcome: 'denied', view, reason: `attempt ${i}` });
}
let writer: ReturnType<typeof createTablePorts>['audit'] | undefined;
const chainWriter = () => (writer ??= createTablePorts(db, storeConfigFromEnv(rewind.env).tables).audit);

// First, while every chain of this suite is whole: the whole verdict can be asserted.
it('keeps one head at the newest entry through 20 concurrent audited requests on one view', async () => {
  const view = rewind.view('contended');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201); // deploy + activate

  await Promise.all(Array.from({ length: 20 }, (_, i) => refusedRollback(view, i)));

  const entries = await entriesOf(view);
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
  expect(entries.filter((e) => e.outcome === 'denied')).toHaveLength(20);
  expect(await headOf(view)).toMatchObject({ lastSeq: 22, lastHash: entries.at(-1)!.hash, at: entries.at(-1)!.at });

  const verdict = await verify();
  expect(problemsOf(verdict, view)).toEqual([]);
  expect(verdict.unanchored).not.toContain(chainFor(view));
  expect(verdict).toEqual({ ok: true, entries: 22, chains: 1, problems: [], unanchored: [], checkpoints: { count: 0 } });
});

it('never lists a head as an entry', async () => {
  const view = rewind.view('contended');
  const byView = (await auditor.get(`/audit?view=${view}&limit=1000`)).body.entries as AuditEntry[];
  expect(byView).toHaveLength(22);
  expect(byView.map((e) => e.seq)).toEqual(Array.from({ length: 22 }, (_, i) => 22 - i));
  expect((await auditor.get(`/audit?view=${view}&actor=${viewer.sub}&limit=1000`)).body.entries).toHaveLength(20);
  expect((await auditor.get(`/audit?actor=${viewer.sub}&limit=1000`)).body.entries).toHaveLength(20);
  const all = (await auditor.get('/audit?limit=1000')).body.entries as AuditEntry[];
  expect(all.every((e) => typeof e.id === 'string' && !e.chain.endsWith('#head'))).toBe(true);
  expect(all).toHaveLength(22);

  const { tables } = await rewind.dump();
  expect(tables.audit!.every((item) => !String(item).includes('#head'))).toBe(true);
  expect(tables.auditHeads!.some((item) => String(item).includes(auditHeadPartition(chainFor(view))))).toBe(true);
});

it('reports the chain whose newest entry was deleted as truncated, and keeps the gap visible after the next append', async () => {
  const view = rewind.view('truncated');
  await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }));
  await deployer.post(`/views/${view}/versions`, deployBody(2, 5, { activate: true }));
  // A kill switch, not a rollback: a rollback's runbook would append an entry of its own a moment later.
  expect((await deployer.post(`/views/${view}/features/age/disable`, { reason: 'v2 is bad' })).status).toBe(200);
  expect((await entriesOf(view)).map((e) => e.action)).toEqual(['deploy', 'activate', 'deploy', 'activate', 'disable']);

  await deleteEntry(view, 5); // the kill switch's entry, the one nothing later cites

  const verdict = await verify();
  expect(verdict.ok).toBe(false);
  expect(problemsOf(verdict, view)).toEqual([
    { chain: chainFor(view), reason: 'truncated', id: `view:${view}/5`, headSeq: 5, lastSeq: 4, detail: expect.stringMatching(/head names entry 5 but the last entry stored is 4/) },
    // The kill switch's history entry still cites it.
    { chain: chainFor(view), reason: 'history-unaudited', id: `view:${view}/5`, detail: expect.stringMatching(/revision 3 cites audit entry/) },
  ]);
  expect(verdict).toMatchObject({ firstBadEntry: { id: `view:${view}/5` } });

  // The next entry follows the head (seq 6, citing the deleted entry), not what is left.
  await refusedRollback(view);
  expect((await entriesOf(view)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 6]);
  expect(problemsOf(await verify(), view)).toEqual([
    expect.objectContaining({ reason: 'missing', id: `view:${view}/6` }),
    expect.objectContaining({ reason: 'history-unaudited', id: `view:${view}/5` }),
  ]);
});

it('reports a chain whose every entry was deleted (its head kept) as truncated from seq 1', async () => {
  const view = rewind.view('emptied');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5))).status).toBe(201);
  await refusedRollback(view);
  const entries = await entriesOf(view);
  expect(entries).toHaveLength(2);
  for (const e of entries) await deleteEntry(view, e.seq);

  const verdict = await verify();
  expect(verdict.ok).toBe(false);
  expect(problemsOf(verdict, view)).toEqual([expect.objectContaining({ reason: 'truncated', id: `view:${view}/1`, headSeq: 2, lastSeq: 0 })]);
});

it('reports a deleted head even after the next append has rebuilt it', async () => {
  const view = rewind.view('beheaded');
  for (let i = 0; i < 3; i++) await refusedRollback(view, i);
  // Delete the head and the newest entry together, as someone hiding a deletion would.
  await db.send(
    new TransactWriteCommand({
      TransactItems: [{ Delete: { TableName: table, Key: headKey(view) } }, { Delete: { TableName: table, Key: { chain: chainFor(view), seq: 3 } } }],
    }),
  );
  expect(problemsOf(await verify(), view)).toEqual([expect.objectContaining({ reason: 'head-lost', id: `view:${view}/3`, lastSeq: 2 })]);

  await refusedRollback(view, 9);
  expect(await headOf(view)).toMatchObject({ lastSeq: 3, rebuilt: { fromSeq: 2 } });
  expect(problemsOf(await verify(), view)).toEqual([expect.objectContaining({ reason: 'head-lost', id: `view:${view}/3`, headSeq: 3, lastSeq: 3 })]);
});

describe('a chain written before heads existed', () => {
  let view: string;
  let legacy: AuditEntry[];
  beforeAll(async () => {
    view = rewind.view('legacy');
    legacy = [];
    for (let i = 0; i < 3; i++) legacy.push(nextAuditEntry(legacy.at(-1), { actor: deployer.sub, action: 'deploy', outcome: 'allowed', view }, new Date().toISOString()));
    // As the store wrote them then: a conditional put of each entry, no head.
    for (const entry of legacy) await db.send(new PutCommand({ TableName: table, Item: entry, ConditionExpression: 'attribute_not_exists(seq)' }));
  });

  it('verifies as unanchored, not broken', async () => {
    const verdict = await verify();
    expect(verdict.unanchored).toContain(chainFor(view));
    expect(problemsOf(verdict, view)).toEqual([]);
  });

  it('is anchored once, from its real tail, by 20 concurrent appends', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => refusedRollback(view, i)));
    const entries = await entriesOf(view);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(entries[3]).toMatchObject({ prevHash: legacy[2]!.hash, anchored: true });
    const head = await headOf(view);
    expect(head).toMatchObject({ lastSeq: 23, lastHash: entries.at(-1)!.hash });
    expect(head!.rebuilt).toBeUndefined();

    const verdict = await verify();
    expect(verdict.unanchored).not.toContain(chainFor(view));
    expect(problemsOf(verdict, view)).toEqual([]);
  });
});

it('appends with two parallel Queries (head, newest entry) and one TransactWriteItems (the entry and its head)', async () => {
  const counted = createDocumentClient();
  const send = jest.spyOn(counted, 'send'); // counts calls; every call still reaches DynamoDB
  const registry = createTablePorts(counted, storeConfigFromEnv(rewind.env).tables).audit;
  const view = rewind.view('counted');
  for (let i = 0; i < 2; i++) {
    await registry.appendAudit({ actor: viewer.sub, action: 'rollback', outcome: 'denied', view });
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(['QueryCommand', 'QueryCommand', 'TransactWriteCommand']);
    const [, , write] = send.mock.calls.map(([command]) => command.input as { TransactItems?: unknown[] });
    expect(write!.TransactItems).toHaveLength(2);
    send.mockClear();
  }
  counted.destroy();
});

describe('the release before heads, alongside this one (a rolled-back or rolling deploy)', () => {
  /** What that release did to append: the newest item of the chain's partition is the tail. */
  async function oldTail(view: string): Promise<Record<string, unknown> | undefined> {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#chain = :chain',
        ExpressionAttributeNames: { '#chain': 'chain' },
        ExpressionAttributeValues: { ':chain': chainFor(view) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return out.Items?.[0];
  }

  it('still finds a real entry at the end of a chain that has a head', async () => {
    const view = rewind.view('downgrade');
    for (let i = 0; i < 3; i++) await refusedRollback(view, i);
    const head = await headOf(view);
    expect(head).toMatchObject({ lastSeq: 3 });
    // Its verify scans the table and takes the head's partition for a chain: a whole one.
    expect(verifyChain([head as unknown as AuditEntry])).toEqual({ ok: true, entries: 1 });
    const tail = await oldTail(view);
    expect(tail).toMatchObject({ chain: chainFor(view), seq: 3, id: `view:${view}/3`, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // Its append (no `anchored`, head not moved), then ours: the chain goes on from its entry.
    const old = nextAuditEntry(tail as unknown as AuditEntry, { actor: viewer.sub, action: 'rollback', outcome: 'denied', view }, new Date().toISOString());
    await db.send(new PutCommand({ TableName: table, Item: old, ConditionExpression: 'attribute_not_exists(seq)' }));
    expect(problemsOf(await verify(), view)).toEqual([expect.objectContaining({ reason: 'head-mismatch', headSeq: 3, lastSeq: 4 })]);

    await refusedRollback(view, 9);
    expect((await entriesOf(view)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await headOf(view)).toMatchObject({ lastSeq: 5 });
    expect(problemsOf(await verify(), view)).toEqual([]);
  });
});

describe('signed checkpoints outside the table', () => {
  /** What the audit table alone says about a view's chain: the verdict before checkpoints. */
  async function tableAlone(view: string) {
    const ports = createTablePorts(db, storeConfigFromEnv(rewind.env).tables);
    return problemsOf(await verifyAudit(ports), view);
  }
  async function checkpoint(): Promise<AuditCheckpoint> {
    const reply = await admin.post<AuditCheckpoint>('/audit/checkpoints', {});
    expect(reply.status).toBe(201);
    return reply.body;
  }
  async function checkpointKeys(): Promise<string[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: rewind.bucket, Prefix: 'checkpoints/' }));
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  }

  it('takes one on demand (admin with MFA): signed, in the bucket under checkpoints/, naming every chain', async () => {
    const view = rewind.view('anchored');
    await refusedRollback(view);
    const taken = await checkpoint();
    expect(taken).toMatchObject({ format: 'rewind-audit-checkpoint/1', keyId: expect.stringMatching(/^local-/), algorithm: 'ECDSA_SHA_256', signature: expect.any(String) });
    expect(taken.heads).toContainEqual({ chain: chainFor(view), lastSeq: 1, lastHash: (await entriesOf(view))[0]!.hash });
    // Whoever asked is on the global chain, and the checkpoint anchors that entry too.
    expect(taken.heads).toContainEqual(expect.objectContaining({ chain: 'global' }));
    expect(await checkpointKeys()).toContain(`checkpoints/${String(taken.seq).padStart(12, '0')}.json`);
    const verdict = await verify();
    expect(verdict.checkpoints).toEqual({ count: taken.seq, latest: { seq: taken.seq, at: taken.at, keyId: taken.keyId } });
    expect(problemsOf(verdict, view)).toEqual([]);
  });

  it('refuses a checkpoint to anyone but an admin with MFA, and audits the refusal', async () => {
    const before = (await checkpointKeys()).length;
    expect((await deployer.post('/audit/checkpoints', {})).status).toBe(403);
    const noMfa = await rewind.as('root2', ['admin']);
    expect((await noMfa.post('/audit/checkpoints', {})).status).toBe(403);
    expect(await checkpointKeys()).toHaveLength(before);
    const refused = (await auditor.get(`/audit?actor=${deployer.sub}&limit=100`)).body.entries as AuditEntry[];
    expect(refused).toContainEqual(expect.objectContaining({ outcome: 'denied', actor: deployer.sub }));
  });

  it('runs on the local schedule as the stack does (the same function)', async () => {
    const before = (await checkpointKeys()).length;
    await rewind.local.checkpoints.run();
    expect(await checkpointKeys()).toHaveLength(before + 1);
  });

  it('detects an entry and its head rewritten together, which the table alone cannot', async () => {
    const view = rewind.view('rewritten');
    for (let i = 0; i < 3; i++) await refusedRollback(view, i);
    await checkpoint();

    // Entry 3 re-hashed with another reason, and the head moved to its new hash: the table agrees with itself.
    const [, second, third] = await entriesOf(view);
    const forged = nextAuditEntry(second, { actor: third!.actor, action: third!.action, outcome: third!.outcome, view, reason: 'nothing to see' }, third!.at, { anchored: true });
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: forged } },
          { Update: { TableName: table, Key: headKey(view), UpdateExpression: 'SET lastHash = :hash', ExpressionAttributeValues: { ':hash': forged.hash } } },
        ],
      }),
    );
    expect(await tableAlone(view)).toEqual([]);

    expect(problemsOf(await verify(), view)).toEqual([
      expect.objectContaining({ reason: 'rewritten', id: `view:${view}/3`, checkpoint: expect.any(Number), detail: expect.stringMatching(/does not have the hash checkpoint \d+ recorded/) }),
    ]);
  });

  it('detects a whole chain deleted with its head, which the table alone cannot', async () => {
    const view = rewind.view('erased');
    for (let i = 0; i < 2; i++) await refusedRollback(view, i);
    await checkpoint();
    for (const e of await entriesOf(view)) await deleteEntry(view, e.seq);
    await db.send(new DeleteCommand({ TableName: table, Key: headKey(view) }));
    expect(await tableAlone(view)).toEqual([]);

    expect(problemsOf(await verify(), view)).toEqual([expect.objectContaining({ reason: 'chain-deleted', id: `view:${view}/2`, lastSeq: 0 })]);
  });

  it('detects a history entry whose audit entry is gone, even before any checkpoint names its chain', async () => {
    const view = rewind.view('unaudited');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
    const history = (await deployer.get(`/views/${view}/history`)).body.history as { revision: number; auditId: string }[];
    expect(history).toHaveLength(1);
    // The whole chain and its head: nothing in the audit table is left to disagree.
    for (const e of await entriesOf(view)) await deleteEntry(view, e.seq);
    await db.send(new DeleteCommand({ TableName: table, Key: headKey(view) }));
    expect(await tableAlone(view)).toEqual([]);

    expect(problemsOf(await verify(), view)).toEqual([
      { chain: chainFor(view), reason: 'history-unaudited', id: history[0]!.auditId, detail: expect.stringMatching(new RegExp(`${view} revision 1 cites audit entry`)) },
    ]);
  });

  it('detects a history entry made to cite an audit id that does not exist', async () => {
    const view = rewind.view('miscited');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
    await db.send(
      new UpdateCommand({ TableName: rewind.env.REWIND_HISTORY_TABLE!, Key: { view, revision: 1 }, UpdateExpression: 'SET auditId = :id', ExpressionAttributeValues: { ':id': `view:${view}/42` } }),
    );
    expect(problemsOf(await verify(), view)).toEqual([expect.objectContaining({ reason: 'history-unaudited', id: `view:${view}/42` })]);
  });

  // Last: it leaves the checkpoints' own chain reporting, for every later verify of this suite.
  it('detects a checkpoint edited in the bucket (its signature no longer verifies)', async () => {
    const taken = await checkpoint();
    const key = `checkpoints/${String(taken.seq).padStart(12, '0')}.json`;
    const stored = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: rewind.bucket, Key: key }))).Body!.transformToString()) as AuditCheckpoint;
    await s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: key, Body: JSON.stringify({ ...stored, heads: stored.heads.slice(1) }) }));
    const verdict = await verify();
    expect(verdict.problems.filter((p) => p.chain === 'checkpoints')).toEqual([expect.objectContaining({ reason: 'checkpoint-forged', id: `checkpoints/${taken.seq}` })]);
    expect(verdict.checkpoints!.latest!.seq).toBe(taken.seq - 1);
  });
});
