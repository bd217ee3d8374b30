/**
 * POST /online/{view}/batch through the gateway, against DynamoDB Local: each entity's body
 * is the single read's, across a canary, a kill switch and a rollback; bad input is a 400
 * naming `entities` that writes nothing; a batch whose items exceed BatchGetItem's 16 MB
 * response makes DynamoDB Local answer UnprocessedKeys, which the adapter resends.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoOnlineStore } from '../../store/dynamo-online';
import { deployBody } from '../support/fixtures';
import { eventually, startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let viewer: Caller;
let view: string;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

beforeAll(async () => {
  rewind = await startTestRewind('batch', { pointerCacheMs: 200 });
  deployer = await rewind.as('dev', ['deployer']);
  viewer = await rewind.as('model', ['viewer']);
  view = rewind.view('user_profile');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 60, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 60))).status).toBe(201);
});
afterAll(() => rewind.stop());

const batch = (entities: unknown, caller = viewer) => caller.post(`/online/${view}/batch`, { entities });

describe('POST /online/{view}/batch', () => {
  it('answers every entity with the body GET /online gives it, in order, during a canary with a kill switch', async () => {
    expect((await deployer.post(`/views/${view}/activate`, { version: 2, strategy: 'canary', percent: 50 })).status).toBe(200);
    expect((await deployer.post(`/views/${view}/features/age/disable`, { reason: 'zeros upstream' })).status).toBe(200);
    const asked = [...ids(60).reverse(), 'nobody'];
    const answer = await eventually(() => batch(asked), (r) => r.status === 200 && r.body.results.every((x: { disabled?: string[] }) => x.disabled?.includes('age')), 3000);
    expect(answer.body.view).toBe(view);
    expect(answer.body.results.map((r: { entity: string }) => r.entity)).toEqual(asked);
    for (const [i, entity] of asked.entries()) expect(answer.body.results[i]).toEqual((await viewer.get(`/online/${view}/${entity}`)).body);
    expect(new Set(answer.body.results.map((r: { arm: string }) => r.arm))).toEqual(new Set(['stable', 'candidate']));
    expect(answer.body.results.at(-1)).toMatchObject({ found: false, features: { age: 0, country: 'unknown' } });
  });

  it('serves the restored version to every entity after a rollback, within the staleness bound', async () => {
    expect((await deployer.post(`/views/${view}/rollback`, { reason: 'canary looks wrong' })).status).toBe(200);
    const answer = await eventually(() => batch(ids(100)), (r) => r.status === 200 && r.body.results.every((x: { version: number }) => x.version === 1), 3000);
    expect(answer.body.results).toHaveLength(100);
    expect(answer.body.results.filter((r: { found: boolean }) => r.found)).toHaveLength(60);
  });

  it.each([
    ['more than 100', ids(101), 'body.entities'],
    ['a duplicate', ['u1', 'u2', 'u1'], 'body.entities[2]'],
    ['a non-string', ['u1', 42], 'body.entities[1]'],
    ['an empty list', [], 'body.entities'],
    ['no list', undefined, 'body.entities'],
  ])('refuses %s with a 400 naming entities, and writes nothing', async (_case, entities, field) => {
    const before = await rewind.dump();
    const refused = await batch(entities);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'ValidationError', field });
    expect(await rewind.dump()).toEqual(before);
  });

  it('answers 404 for a view that serves nothing', async () => {
    const missing = await viewer.post(`/online/${rewind.view('never_deployed')}/batch`, { entities: ['u1'] });
    expect(missing.status).toBe(404);
  });
});

describe('DynamoOnlineStore.getMany', () => {
  it('resends the keys DynamoDB Local leaves unprocessed past 16 MB, and answers every one', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: process.env.REWIND_TEST_DYNAMODB_ENDPOINT }));
    try {
      let batchGets = 0;
      // Counts the calls that really go out (a real client, not a mock): the first must leave keys unprocessed.
      db.middlewareStack.add((next, context) => (args) => (String(context.commandName).startsWith('BatchGet') && batchGets++, next(args)), { step: 'initialize', name: 'countBatchGets' });
      const store = new DynamoOnlineStore(db, rewind.env.REWIND_ONLINE_TABLE!);
      // 60 items of ~350 KB: 21 MB, more than one BatchGetItem may return.
      const big = 'x'.repeat(350_000);
      const rows = Array.from({ length: 60 }, (_, i) => ({ entity: `big${i}`, values: { blob: `${i}:${big}` } }));
      await store.write('huge', 1, rows);
      const found = await store.getMany('huge', [...rows.map((r) => ({ version: 1, entity: r.entity })), { version: 1, entity: 'absent' }]);
      expect(found.map((v) => (v ? String(v.blob).split(':')[0] : undefined))).toEqual([...rows.map((_, i) => String(i)), undefined]);
      expect(batchGets).toBeGreaterThan(1);
    } finally {
      db.destroy();
    }
  });
});
