/**
 * Runbooks after a rollback, on the local runtime (the outbox relay delivers the rollback's
 * event to functions/after-rollback in process, so this suite never runs against a stack):
 * a runbook step of an unknown kind is refused at deploy naming the step; the checklist carries
 * today's facts; a manual rollback is verified without a human, each step recorded on the
 * history entry and in the audit chain, and the webhook (a real HTTP server) is told once; a
 * rollback onto a version whose snapshot bytes changed fails its verification and escalates.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../store/clients';
import { eventually, startLocalTestRewind, type Caller } from '../support/rewind';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

const definition = { entity: 'id', features: [{ name: 'score', type: 'float' }, { name: 'segment', type: 'string', default: 'none' }] };
const rows = (shift: number) => Array.from({ length: 60 }, (_, i) => ({ id: `e${i}`, score: i / 10 + shift, segment: ['a', 'b', 'c'][i % 3] }));
const runbook = { steps: [{ kind: 'verify-restored', sample: 12 }, { kind: 'check-models', deadlineSeconds: 2 }, { kind: 'refresh-artifacts' }, { kind: 'notify', to: 'team-ranking' }, { kind: 'require-ack', role: 'admin' }] };

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let hook: WebhookReceiver;
let dev: Caller;
let admin: Caller;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  process.env.REWIND_NOTIFY_URL = hook.url;
  rewind = await startLocalTestRewind('runbook', { outboxPollMs: 100 });
  dev = await rewind.as('dev', ['deployer']);
  admin = await rewind.as('ada', ['admin']);
});
afterAll(async () => {
  await rewind.stop();
  delete process.env.REWIND_NOTIFY_URL;
  await hook.close();
});

const deploy = (view: string, shift: number, extra: Record<string, unknown> = {}) =>
  dev.post(`/views/${view}/versions`, { definition, rows: rows(shift), consumers: ['ranker'], sources: [{ uri: 's3://lake/scores/', checksum: `sha256:${shift}` }], runbook, activate: true, ...extra });

it('refuses a runbook step of an unknown kind at deploy, naming the step, and writes nothing', async () => {
  const view = rewind.view('rb_bad');
  const reply = await deploy(view, 0, { runbook: { steps: [{ kind: 'verify-restored' }, { kind: 'notify' }, { kind: 'page-everyone' }] } });
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ field: 'body.runbook.steps[2].kind' });
  expect(reply.body.error.message).toMatch(/verify-restored, check-models, refresh-artifacts, notify, require-ack/);
  expect((await dev.get(`/views/${view}`)).status).toBe(404);
});

it('prints the runbook as a checklist with the known-good version, who may act, models, sources and commands', async () => {
  const view = rewind.view('rb_list');
  expect((await deploy(view, 0)).status).toBe(201);
  expect((await deploy(view, 5)).status).toBe(201);
  const list = await dev.get(`/views/${view}/runbook`);
  expect(list.status).toBe(200);
  expect(list.body).toMatchObject({ view, serving: 2, knownGood: 1, declared: true, models: ['ranker'], approvalNeeded: false });
  expect(list.body.mayRollBack).toEqual(expect.arrayContaining(['deployer', 'admin']));
  expect(list.body.sources.map((s: { checksum: string }) => s.checksum).sort()).toEqual(['sha256:0', 'sha256:5']);
  expect(list.body.items.map((i: { kind: string }) => i.kind)).toEqual(['rollback', ...runbook.steps.map((s) => s.kind)]);
  expect(list.body.items[0].commands).toContain(`rewind rollback ${view} --to 1 --reason '<why>'`);
  const md = await fetch(`${rewind.url}/views/${view}/runbook?format=md`, { headers: { authorization: `Bearer ${dev.token}` } });
  expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
  expect(await md.text()).toMatch(new RegExp(`- \\[ \\] 0\\. Roll back ${view} from v2 to known-good v1`));
});

it('after a manual rollback, runs the runbook without a human: followUp on the history entry, an audit entry, the view verified, one notice', async () => {
  const view = rewind.view('rb_ok');
  await deploy(view, 0);
  await deploy(view, 5);
  const before = hook.received.length;
  const rolled = await dev.post(`/views/${view}/rollback`, { reason: 'scores look off' });
  expect(rolled.status).toBe(200);

  const entry = await eventually(async () => (await dev.get(`/views/${view}/history?limit=1`)).body.history[0], (h) => h.followUp !== undefined, 15_000);
  expect(entry).toMatchObject({ action: 'rollback', fromVersion: 2, toVersion: 1, followUp: { status: 'verified', declared: true, awaitingAck: true, notified: ['runbook-completed'] } });
  expect(entry.followUp.steps.map((s: { kind: string; outcome: string }) => [s.kind, s.outcome])).toEqual([
    ['verify-restored', 'passed'],
    ['check-models', 'passed'],
    ['refresh-artifacts', 'skipped'],
    ['notify', 'passed'],
    ['require-ack', 'pending'],
  ]);
  expect(entry.followUp.steps[0].detail).toMatch(/^12 of 60 entities served exactly v1's snapshot values/);

  expect((await dev.get(`/views/${view}`)).body.verification).toMatchObject({ revision: entry.revision, status: 'verified', awaitingAck: true });
  const audit = (await admin.get(`/audit?view=${view}&limit=3`)).body.entries;
  expect(audit[0]).toMatchObject({ actor: 'system:runbook', action: 'runbook', outcome: 'allowed', id: entry.followUp.auditId, detail: { revision: entry.revision, status: 'verified' } });
  expect((await admin.get('/audit/verify')).body).toMatchObject({ ok: true });

  const mine = hook.received.slice(before).filter((n) => n.view === view);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ kind: 'runbook-completed', idempotencyKey: `runbook-completed#${view}#${entry.revision}`, context: { fromVersion: 2, toVersion: 1, automatic: false, models: ['ranker'] } });
  expect(mine[0]!.context!.links).toMatchObject({ history: `/views/${view}/history`, auditId: entry.auditId });
});

it('a rollback onto a version whose snapshot bytes changed fails its verification and escalates once with context', async () => {
  const view = rewind.view('rb_corrupt');
  await deploy(view, 0);
  await deploy(view, 5);
  const v1 = (await dev.get(`/views/${view}/versions/1`)).body;
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(v1.snapshot.uri)!;
  const s3 = createS3Client({ forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('not the parquet that was written') }));
  s3.destroy();

  expect((await dev.post(`/views/${view}/rollback`, { reason: 'drill: corrupt snapshot' })).status).toBe(200);
  const entry = await eventually(async () => (await dev.get(`/views/${view}/history?limit=1`)).body.history[0], (h) => h.followUp !== undefined, 15_000);
  expect(entry.followUp).toMatchObject({ status: 'verification-failed', notified: ['verification-failed'] });
  expect(entry.followUp.steps[0]).toMatchObject({ kind: 'verify-restored', outcome: 'failed' });
  expect(entry.followUp.steps[0].detail).toMatch(/sha256|could not run/);
  expect((await dev.get(`/views/${view}`)).body.verification).toMatchObject({ status: 'verification-failed' });
  const mine = await eventually(async () => hook.received.filter((n) => n.view === view), (n) => n.length >= 1, 5_000);
  expect(mine.map((n) => n.kind)).toEqual(['verification-failed']);
  expect(mine[0]!.summary).toMatch(/failed its verification/);
});
