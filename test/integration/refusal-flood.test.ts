/**
 * Issue 15 item 6: refusals cannot jam a view. Refused requests go to the refusal log (no
 * chain head to contend on); pointer changes on the same view, made while several clients
 * flood it with refused rollbacks, all commit; every refusal is counted exactly (entries plus
 * the per-minute aggregates); a client refused too often gets 429 with Retry-After; and
 * GET /audit still lists the refusals with the audit entries.
 */
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let auditor: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('refusal-flood');
  [deployer, auditor] = await Promise.all([rewind.as('dev', ['deployer']), rewind.as('auditor', ['viewer'])]);
});
afterAll(() => rewind.stop());

const sumRefusals = (entries: { outcome: string; detail?: { count?: number; aggregated?: boolean } }[]) =>
  entries.filter((e) => e.outcome === 'denied').reduce((n, e) => n + (e.detail?.aggregated ? e.detail.count! : 1), 0);

it('commits every pointer change on a view flooded with refused requests, and counts every refusal', async () => {
  const view = rewind.view('flooded');
  expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 5))).status).toBe(201);
  const LOOPS = 6;
  const PER_LOOP = 40; // past the refusal log's 30 a minute per principal: the rest is aggregated
  const flooders = await Promise.all(Array.from({ length: LOOPS }, (_, i) => rewind.as(`flood${i}`, ['viewer'])));

  let flooding = true;
  const statuses: number[] = [];
  const flood = flooders.map(async (caller) => {
    for (let i = 0; i < PER_LOOP; i++) statuses.push((await caller.post(`/views/${view}/rollback`, { reason: `flood ${i}` })).status);
  });
  const changes: { status: number; code?: string }[] = [];
  const moves = (async () => {
    // Bounded: alternate v2/v1 while the flood lasts, at most 20 changes.
    for (let i = 0; i < 20 && flooding; i++) {
      const reply = await deployer.post(`/views/${view}/activate`, { version: i % 2 === 0 ? 2 : 1 });
      changes.push({ status: reply.status, code: reply.body?.error?.code });
    }
  })();
  await Promise.all(flood);
  flooding = false;
  await moves;

  expect(changes.length).toBeGreaterThan(0);
  expect(changes.filter((c) => c.status !== 200)).toEqual([]); // none "too contended", none at all
  expect(statuses.every((s) => s === 403)).toBe(true);
  expect(statuses).toHaveLength(LOOPS * PER_LOOP);

  const listed = (await auditor.get(`/audit?view=${view}&limit=1000`)).body.entries;
  expect(sumRefusals(listed)).toBe(LOOPS * PER_LOOP);
  // One flooder's refusals, per minute (the log's windows are clock minutes, and a slow flood
  // may straddle two): at most 30 entries of their own in a minute, the rest of that minute
  // folded into one counted aggregate; 40 in all. In one minute: 30 entries and one of 10.
  type Entry = { at: string; actor: string; action: string; outcome: string; view: string; detail?: { aggregated?: boolean; count?: number; firstAt?: string } };
  const one = (await auditor.get(`/audit?view=${view}&actor=${encodeURIComponent(flooders[0]!.sub)}&limit=100`)).body.entries as Entry[];
  const minuteOf = (at: string) => Math.floor(Date.parse(at) / 60_000);
  const own = one.filter((e) => !e.detail?.aggregated);
  const aggregates = one.filter((e) => e.detail?.aggregated);
  const ownPerMinute = new Map<number, number>();
  for (const e of own) ownPerMinute.set(minuteOf(e.at), (ownPerMinute.get(minuteOf(e.at)) ?? 0) + 1);
  expect(own.length + aggregates.reduce((n, e) => n + e.detail!.count!, 0)).toBe(PER_LOOP);
  expect([...ownPerMinute.values()].every((n) => n <= 30)).toBe(true);
  for (const aggregate of aggregates) {
    expect(aggregate).toMatchObject({ actor: flooders[0]!.sub, action: 'rollback', outcome: 'denied', view });
    expect(aggregate.detail!.count).toBeGreaterThan(0);
    // A minute is folded only once its own 30 are written.
    expect(ownPerMinute.get(minuteOf(aggregate.detail!.firstAt ?? aggregate.at))).toBe(30);
  }
  if (ownPerMinute.size === 1) expect(aggregates.map((e) => e.detail!.count)).toEqual([10]);
  // The view's chain holds the deploys and activations only, and verifies.
  const verdict = (await auditor.get('/audit/verify')).body;
  expect(verdict.ok).toBe(true);
});

it('answers 429 with Retry-After to a principal refused too often this minute, before reading anything', async () => {
  const view = rewind.view('throttled');
  const pest = await rewind.as('pest', ['viewer']);
  let first429: { status: number; body: { error: { code: string } } } | undefined;
  // 120 refusals a minute, then 429. Bounded at 250: even if a minute ends mid-loop, the next
  // window fills within it. (Retry-After itself: test/unit/refusal-throttle.test.ts, on a fixed clock.)
  for (let i = 0; i < 250 && !first429; i++) {
    const reply = await pest.post(`/views/${view}/rollback`, { reason: `try ${i}` });
    if (reply.status === 429) first429 = reply;
    else expect(reply.status).toBe(403);
  }
  expect(first429?.body.error.code).toBe('TooManyRefusals');
  // Other callers are not throttled.
  expect((await auditor.get(`/audit?view=${view}&limit=1`)).status).toBe(200);
});
