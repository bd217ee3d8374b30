/**
 * The whole spine through HTTP, against DynamoDB Local and s3rver: deploy → activate →
 * serve → deploy v2 → activate → serve → rollback → serve v1, with history and audit.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { AUDIT_HEAD_SUFFIX } from '../../contract/tables';
import { deployBody, rows } from '../support/fixtures';
import { eventually, purgeOnceUnread, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let admin: Caller;
let deployer: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('api');
  admin = await rewind.as('ada', ['admin']);
  deployer = await rewind.as('dev', ['deployer']);
});
afterAll(() => rewind.stop());

describe('a view from first deploy to rollback', () => {
  it('serves v1, then v2, then v1 again after a rollback, and records every step', async () => {
    const view = rewind.view('user_profile');
    // arrange: v1 deployed and activated
    const v1 = await deployer.post(`/views/${view}/versions`, deployBody(1));
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ view, version: 1, status: 'deployed', snapshot: { rows: 20 } });
    expect(v1.body.snapshot.uri).toMatch(new RegExp(`^s3://${rewind.bucket}/snapshots/${view}/v1/${v1.body.snapshot.sha256}\\.parquet$`));

    const notYet = await deployer.get(`/online/${view}/u1`);
    expect(notYet.status).toBe(404);

    const act1 = await deployer.post(`/views/${view}/activate`, { version: 1, expectedRevision: 0 });
    expect(act1.status).toBe(200);
    expect(act1.body.pointer).toMatchObject({ stable: 1, revision: 1 });

    // The miss above is cached for at most the staleness bound, like any pointer.
    const served1 = await eventually(() => deployer.get(`/online/${view}/u1`), (r) => r.status === 200, 3000);
    expect(served1.body).toEqual({ view, version: 1, entity: 'u1', found: true, features: pick(rows(20, 1)[1]!) });

    // act: v2 deployed and activated
    const v2 = await deployer.post(`/views/${view}/versions`, deployBody(2, 20, { activate: true, reason: 'new data' }));
    expect(v2.body).toMatchObject({ version: 2, status: 'active' });
    const served2 = await eventually(() => deployer.get(`/online/${view}/u1`), (r) => r.body.version === 2);
    expect(served2.body.features).toEqual(pick(rows(20, 2)[1]!));

    // act: roll back without naming a target
    const rb = await deployer.post(`/views/${view}/rollback`, { reason: 'avg_basket drifted', expectedRevision: 2 });
    expect(rb.status).toBe(200);
    expect(rb.body).toMatchObject({ changed: true, fromVersion: 2, toVersion: 1, pointer: { stable: 1, revision: 3, rolledBack: [2] } });
    expect(rb.body.auditId).toMatch(new RegExp(`^view:${view}/\\d+$`));

    // assert: serving returns v1 values again within the staleness bound
    const back = await eventually(() => deployer.get(`/online/${view}/u1`), (r) => r.body.version === 1, 3000);
    expect(back.body.features).toEqual(pick(rows(20, 1)[1]!));

    const history = await deployer.get(`/views/${view}/history`);
    expect(history.body.history.map((h: any) => [h.revision, h.action, h.fromVersion, h.toVersion, h.actor])).toEqual([
      [3, 'rollback', 2, 1, deployer.sub],
      [2, 'activate', 1, 2, deployer.sub],
      [1, 'activate', null, 1, deployer.sub],
    ]);
    expect(history.body.history[0]).toMatchObject({ reason: 'avg_basket drifted', before: { stable: 2 }, after: { stable: 1 } });

    // The rollback's runbook follows it by itself (functions/after-rollback.ts), recorded as the
    // rollback entry's follow-up and as one more audit entry, by system:runbook.
    const followed = await eventually(() => deployer.get(`/views/${view}/history`), (r) => r.body.history[0].followUp !== undefined);
    expect(followed.body.history[0].followUp).toMatchObject({ status: 'verified' });
    const audit = await admin.get(`/audit?view=${view}`);
    expect(audit.body.entries.map((e: any) => e.action).reverse()).toEqual(['deploy', 'activate', 'deploy', 'activate', 'rollback', 'runbook']);
    const [runbook, ...changes] = audit.body.entries;
    expect(runbook).toMatchObject({ actor: 'system:runbook', outcome: 'allowed' });
    expect(changes.every((e: any) => e.actor === deployer.sub && e.outcome === 'allowed')).toBe(true);
    expect(history.body.history[0].auditId).toBe(changes[0].id);
    // Nothing else was recorded, in any chain (reads are not audited): every stored entry that
    // mentions this suite — locally, every entry there is — is one of these six.
    expect((await rewind.dump()).tables.audit).toHaveLength(6);

    // The verdict covers every entry stored, not just this view's (a shared stack holds others).
    const { verify, stored } = await eventually(
      async () => {
        const stored = await auditEntriesStored();
        return { stored, verify: (await admin.get('/audit/verify')).body, after: await auditEntriesStored() };
      },
      // Another writer on a shared stack may append between the counts; then count again.
      (r) => r.stored === r.after,
    );
    expect(verify).toMatchObject({ ok: true, entries: stored });

    const versions = await deployer.get(`/views/${view}/versions`);
    expect(versions.body.versions.map((v: any) => [v.version, v.status])).toEqual([
      [1, 'active'],
      [2, 'rolled-back'],
    ]);
    const list = await deployer.get('/views');
    expect(list.body.views).toContainEqual({ view, stable: 1, revision: 3 });
  });

  it('serves declared defaults for missing features and unknown entities', async () => {
    const view2 = rewind.view('sparse');
    const body = {
      definition: { entity: 'id', features: [{ name: 'a', type: 'int', default: 7 }, { name: 'b', type: 'string' }] },
      rows: [{ id: 'x', b: 'hello' }],
      activate: true,
    };
    expect((await deployer.post(`/views/${view2}/versions`, body)).status).toBe(201);
    expect((await deployer.get(`/online/${view2}/x`)).body).toEqual({ view: view2, version: 1, entity: 'x', found: true, features: { a: 7, b: 'hello' } });
    expect((await deployer.get(`/online/${view2}/nobody`)).body).toEqual({ view: view2, version: 1, entity: 'nobody', found: false, features: { a: 7, b: null } });
  });

  it('re-materializes a purged version from its snapshot when rolling back to it, and says so', async () => {
    const v = rewind.view('purgeable');
    await deployer.post(`/views/${v}/versions`, deployBody(3, 30, { activate: true }));
    await deployer.post(`/views/${v}/versions`, deployBody(4, 30, { activate: true }));

    const refused = await deployer.del(`/views/${v}/versions/2/online`);
    expect(refused.status).toBe(409); // the served version cannot be purged

    const purged = await purgeOnceUnread(deployer, v, 1);
    expect(purged.body).toMatchObject({ version: 1, deleted: 30 });
    expect((await deployer.get(`/views/${v}/versions/1`)).body.online).toBe('purged');

    const rb = await deployer.post(`/views/${v}/rollback`, { reason: 'v2 is bad' });
    expect(rb.body).toMatchObject({ toVersion: 1, rematerialized: { rows: 30 } });
    const served = await eventually(() => deployer.get(`/online/${v}/u5`), (r) => r.body.version === 1, 3000);
    expect(served.body.features).toEqual(pick(rows(30, 3)[5]!));
    expect((await deployer.get(`/views/${v}/versions/1`)).body.online).toBe('materialized');
  });

  it('treats a repeated rollback to the same version as done, writing nothing', async () => {
    const v = rewind.view('twice');
    await deployer.post(`/views/${v}/versions`, deployBody(1, 5, { activate: true }));
    await deployer.post(`/views/${v}/versions`, deployBody(2, 5, { activate: true }));
    const first = await deployer.post(`/views/${v}/rollback`, { toVersion: 1, reason: 'bad' });
    expect(first.body.changed).toBe(true);
    const before = await rewind.dump();
    const second = await deployer.post(`/views/${v}/rollback`, { toVersion: 1, reason: 'bad' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ changed: false, pointer: { stable: 1, revision: first.body.pointer.revision } });
    expect(await rewind.dump()).toEqual(before);
  });
});

describe('concurrent pointer changes', () => {
  it('lets exactly one of 20 racing changes with the same expectedRevision win; the rest get 409 and the chain verifies', async () => {
    const v = rewind.view('contended');
    await deployer.post(`/views/${v}/versions`, deployBody(1, 5, { activate: true }));
    await deployer.post(`/views/${v}/versions`, deployBody(2, 5, { activate: true }));
    await deployer.post(`/views/${v}/versions`, deployBody(3, 5));
    const { body: view } = await deployer.get(`/views/${v}`);
    const revision = view.pointer.revision;

    const racers = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? deployer.post(`/views/${v}/rollback`, { toVersion: 1, reason: `racer ${i}`, expectedRevision: revision })
        : deployer.post(`/views/${v}/activate`, { version: 3, expectedRevision: revision }),
    );
    const results = await Promise.all(racers);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(results.find((r) => r.status === 409)!.body.error).toMatchObject({ code: 'RevisionConflict' });

    const after = await deployer.get(`/views/${v}`);
    expect(after.body.pointer.revision).toBe(revision + 1);
    const history = await deployer.get(`/views/${v}/history`);
    expect(history.body.history).toHaveLength(revision + 1);
    expect((await admin.get('/audit/verify')).body.ok).toBe(true);
  });
});

/** How many audit entries the table holds, in every chain (a consistent count; chain heads are not entries). */
async function auditEntriesStored(): Promise<number> {
  const db = new DynamoDBClient({});
  try {
    let count = 0;
    let ExclusiveStartKey: Record<string, any> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({
          TableName: rewind.env.REWIND_AUDIT_TABLE,
          FilterExpression: 'NOT contains(#chain, :head)',
          ExpressionAttributeNames: { '#chain': 'chain' },
          ExpressionAttributeValues: { ':head': { S: AUDIT_HEAD_SUFFIX } },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  } finally {
    db.destroy();
  }
}

function pick(row: Record<string, unknown>) {
  const { user_id: _id, ...features } = row;
  return features;
}
