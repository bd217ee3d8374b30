/**
 * GET /audit?actor=: what one person did, and what they were refused, through the HTTP API
 * against DynamoDB Local. With `view` the adapter Queries one chain with a FilterExpression,
 * and DynamoDB applies a Query's Limit BEFORE its filter: the suite writes more than `limit`
 * entries by someone else after the actor's, so a single page of `limit` items would hold
 * none of them.
 */
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

const LIMIT = 2;
/** Entries bob writes on `orders` after alice's: more than LIMIT, so alice's are past the first page. */
const BOB_AFTER_ALICE = 5;

let rewind: TestRewind;
let alice: Caller;
let bob: Caller;
let vic: Caller;
let auditor: Caller;
let orders: string;
let returns: string;

interface Entry {
  id: string;
  actor: string;
  action: string;
  outcome: string;
  view?: string;
  at: string;
}

const audit = async (query: Record<string, string | number>): Promise<Entry[]> => {
  const reply = await auditor.get<{ entries: Entry[] }>(`/audit?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`);
  expect(reply.status).toBe(200);
  return reply.body.entries;
};
const summary = (entries: Entry[]) => entries.map((e) => [e.actor, e.action, e.view, e.outcome]);

beforeAll(async () => {
  rewind = await startTestRewind('audit-query');
  orders = rewind.view('orders');
  returns = rewind.view('returns');
  [alice, bob, vic, auditor] = await Promise.all([
    rewind.as('alice', ['deployer']),
    rewind.as('bob', ['deployer']),
    rewind.as('vic', ['viewer']),
    rewind.as('auditor', ['viewer']),
  ]);
  // alice first: deploy + activate on orders (two entries), a deploy on returns (one entry) ...
  expect((await alice.post(`/views/${orders}/versions`, deployBody(1, 3, { activate: true }))).status).toBe(201);
  expect((await alice.post(`/views/${returns}/versions`, deployBody(1, 3))).status).toBe(201);
  // ... then bob, more than LIMIT times, on the same chain.
  for (let seed = 2; seed < 2 + BOB_AFTER_ALICE; seed++) expect((await bob.post(`/views/${orders}/versions`, deployBody(seed, 3))).status).toBe(201);
});
afterAll(() => rewind.stop());

it("leaves out every other actor's entries, across views, newest first", async () => {
  const mine = await audit({ actor: alice.sub });
  expect(summary(mine)).toEqual([
    [alice.sub, 'deploy', returns, 'allowed'],
    [alice.sub, 'activate', orders, 'allowed'],
    [alice.sub, 'deploy', orders, 'allowed'],
  ]);
  expect(mine.map((e) => e.at)).toEqual(mine.map((e) => e.at).sort().reverse());

  const bobs = await audit({ actor: bob.sub });
  expect(bobs).toHaveLength(BOB_AFTER_ALICE);
  expect(bobs.every((e) => e.actor === bob.sub && e.view === orders)).toBe(true);
  expect(await audit({ actor: bob.sub, limit: LIMIT })).toEqual(bobs.slice(0, LIMIT));

  // Exact match only: neither the untagged name nor a prefix of the sub matches.
  expect(await audit({ actor: 'alice' })).toEqual([]);
  expect(await audit({ actor: alice.sub.slice(0, -1) })).toEqual([]);
});

it("finds an actor's entries on one view even when more than `limit` newer entries are someone else's", async () => {
  // The newest LIMIT entries of the chain are all bob's: one page of LIMIT items holds none of alice's.
  const newest = await audit({ view: orders, limit: LIMIT });
  expect(newest.map((e) => e.actor)).toEqual(Array(LIMIT).fill(bob.sub));

  const alices = await audit({ view: orders, actor: alice.sub, limit: LIMIT });
  expect(summary(alices)).toEqual([
    [alice.sub, 'activate', orders, 'allowed'],
    [alice.sub, 'deploy', orders, 'allowed'],
  ]);
  expect(alices.every((e) => e.id.startsWith(`view:${orders}/`))).toBe(true);
  // `limit` still bounds what comes back: the newest of alice's entries on that view.
  expect(summary(await audit({ view: orders, actor: alice.sub, limit: 1 }))).toEqual([[alice.sub, 'activate', orders, 'allowed']]);
  // Her entry on the other view stays out, and she did nothing else on it.
  expect(summary(await audit({ view: returns, actor: alice.sub, limit: LIMIT }))).toEqual([[alice.sub, 'deploy', returns, 'allowed']]);
  // A chain read to its end without a match is an empty answer, not an error.
  expect(await audit({ view: returns, actor: bob.sub, limit: LIMIT })).toEqual([]);
});

it('lists what an actor was refused, with outcome denied', async () => {
  const refused = await vic.post(`/views/${orders}/rollback`, { reason: 'looks wrong to me' });
  expect(refused.status).toBe(403);

  expect(summary(await audit({ actor: vic.sub }))).toEqual([[vic.sub, 'rollback', orders, 'denied']]);
  expect(summary(await audit({ view: orders, actor: vic.sub, limit: 1 }))).toEqual([[vic.sub, 'rollback', orders, 'denied']]);
  // The refusal is vic's alone: alice's answer on that view has not changed.
  expect((await audit({ view: orders, actor: alice.sub, limit: LIMIT })).map((e) => e.actor)).toEqual([alice.sub, alice.sub]);
});

describe.each([
  ['an empty actor', ''],
  ['an actor of 300 characters', 'x'.repeat(300)],
])('%s', (_name, actor) => {
  it.each([
    ['without a view', () => `/audit?actor=${encodeURIComponent(actor)}`],
    ['with a view', () => `/audit?view=${orders}&actor=${encodeURIComponent(actor)}`],
  ])('%s: answers 400 naming query.actor and writes nothing', async (_how, path) => {
    const before = await rewind.dump();
    const reply = await auditor.get(path());
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'ValidationError', field: 'query.actor' });
    expect(await rewind.dump()).toEqual(before);
  });
});

it('takes an actor of exactly 256 characters', async () => {
  expect(await audit({ actor: 'x'.repeat(256) })).toEqual([]);
});
