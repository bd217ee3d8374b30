/**
 * `rewind events republish` end to end on the local runtime: after its committed changes were
 * published once by the outbox relay, an admin's POST /events/republish hands a consumer (a
 * subscriber of the local bus, where the relay publishes) the same events again: same
 * `detail.eventId`, same detail, in revision order, the artifacts' events after their change's.
 * The replay is audited on the view's chain; a deployer is refused (403, in the refusal log);
 * bad input is a 400 naming the field that writes nothing and publishes nothing. The CLI
 * command pages through a range with the same route.
 */
import { PassThrough } from 'node:stream';
import { run } from '../../cli/main';
import type { BusEvent } from '../../local/event-bus';
import { churnArtifacts, deployBody } from '../support/fixtures';
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let admin: Caller;
let view: string;
/** What the consumer saw of this view, in arrival order. */
const seen: BusEvent[] = [];
const mine = () => seen.filter((e) => e.detail.view === view);
const ids = (events: readonly BusEvent[]) => events.map((e) => String(e.detail.eventId));

beforeAll(async () => {
  // Monitoring gives the runtime its bus (the relay's sink in AWS's place); the monitor itself is kept quiet.
  // Its heartbeat pages (the monitor never runs here) go nowhere.
  rewind = await startLocalTestRewind('republish', { monitoring: { monitorIntervalMs: 3_600_000, notifier: { notify: async () => undefined } } });
  rewind.local.monitoring!.bus.subscribe((event) => void seen.push(event));
  view = rewind.view('replayed');
  admin = await rewind.as('root', ['admin']);
  expect((await admin.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true, artifacts: churnArtifacts }))).status).toBe(201);
  expect((await admin.post(`/views/${view}/versions`, deployBody(2, 5, { activate: true, artifacts: churnArtifacts }))).status).toBe(201);
  expect((await admin.post(`/views/${view}/rollback`, { toVersion: 1, reason: 'replay drill' })).status).toBe(200);
  // Published once by the outbox relay: three changes, each with its three artifacts.
  await eventually(async () => mine().length, (n) => n >= 12);
}, 60_000);
afterAll(() => rewind.stop());

it('gives a consumer the same events again, by id and detail, in order, and audits the replay', async () => {
  const originals = mine().filter((e) => Number(e.detail.revision) >= 2);
  seen.length = 0;
  const reply = await admin.post('/events/republish', { view, fromRevision: 2 });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ view, fromRevision: 2, toRevision: 3, republished: 8 });
  expect(reply.body.events).toEqual(ids(originals));
  expect(reply.body.events.slice(0, 4)).toEqual([`${view}#2`, ...churnArtifacts.map(() => expect.stringMatching(new RegExp(`^${view}#2#`)))]);
  const replayed = await eventually(async () => mine(), (events) => events.length >= 8);
  expect(replayed.map((e) => [e['detail-type'], e.source, e.detail])).toEqual(originals.map((e) => [e['detail-type'], e.source, e.detail]));

  // The admin's: a rollback's runbook may append its own entry (system:runbook) at any moment.
  const audit = await admin.get(`/audit?view=${view}&actor=${encodeURIComponent(admin.sub)}&limit=5`);
  expect(audit.body.entries[0]).toMatchObject({ actor: admin.sub, action: 'republish', outcome: 'allowed', detail: { fromRevision: 2, toRevision: 3, entries: 2 } });
  expect((await admin.get('/audit/verify')).body.ok).toBe(true);
});

it('refuses a deployer with 403, recorded as a refusal, and publishes nothing', async () => {
  const dev = await rewind.as('dev', ['deployer']);
  seen.length = 0;
  const reply = await dev.post('/events/republish', { view, fromRevision: 1 });
  expect(reply.status).toBe(403);
  expect(reply.body.error.code).toBe('Forbidden');
  const refusals = await admin.get(`/audit?actor=${encodeURIComponent(dev.sub)}&limit=10`);
  expect(refusals.body.entries).toContainEqual(expect.objectContaining({ actor: dev.sub, action: 'republish', outcome: 'denied' }));
  await rewind.local.outbox.poll();
  expect(mine()).toEqual([]);
});

it.each([
  ['fromRevision 0', (v: string) => ({ view: v, fromRevision: 0 }), 'body.fromRevision'],
  ['no view', () => ({ fromRevision: 1 }), 'body.view'],
  ['toRevision before fromRevision', (v: string) => ({ view: v, fromRevision: 3, toRevision: 2 }), 'body.toRevision'],
  ['fromRevision past the newest revision', (v: string) => ({ view: v, fromRevision: 4 }), 'body.fromRevision'],
  ['toRevision past the newest revision', (v: string) => ({ view: v, fromRevision: 1, toRevision: 4 }), 'body.toRevision'],
])('answers %s with 400 naming the field (%#), writing and publishing nothing', async (_label, body, field) => {
  const before = await rewind.dump();
  seen.length = 0;
  const reply = await admin.post('/events/republish', body(view));
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'ValidationError', field });
  expect(await rewind.dump()).toEqual(before);
  await rewind.local.outbox.poll();
  expect(mine()).toEqual([]);
});

it('rewind events republish replays a range through the same route', async () => {
  seen.length = 0;
  let stdout = '';
  const code = await run(['events', 'republish', '--view', view, '--from-revision', '1', '--to-revision', '2', '--json'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: new PassThrough(),
    env: { REWIND_URL: rewind.url, REWIND_TOKEN: admin.token },
  });
  expect(code).toBe(0);
  expect(JSON.parse(stdout)).toMatchObject({ view, fromRevision: 1, toRevision: 2, republished: 8 });
  expect(ids(await eventually(async () => mine(), (events) => events.length >= 8))).toEqual(JSON.parse(stdout).events);
});
