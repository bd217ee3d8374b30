/**
 * Source-level revert (issue 12, items 6 and 7) through HTTP and the CLI, against DynamoDB
 * Local and s3rver: every view served from a bad source goes back to its newest earlier
 * version without it, each its own rollback, one incident; a view with no such version is
 * named with the kill switch offered; unrelated views are untouched; a dry run writes
 * nothing; and every rollback's answer carries the blast radius of the version it left.
 */
import { runCli } from '../support/cli';
import { deployBody } from '../support/fixtures';
import { startTestRewind, type Caller, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let deployer: Caller;
let reader: Caller;

beforeAll(async () => {
  rewind = await startTestRewind('source-revert');
  deployer = await rewind.as('oncall', ['deployer']);
  reader = await rewind.as('analyst', ['viewer']);
});
afterAll(() => rewind.stop());

const cli = (argv: string[]) => runCli(rewind.url, deployer.token, argv);

async function deploy(view: string, seed: number, sources: string[], extra: Record<string, unknown> = {}) {
  const reply = await deployer.post(`/views/${view}/versions`, deployBody(seed, 5, { sources: sources.map((uri) => ({ uri })), ...extra }));
  expect(reply.status).toBe(201);
  return reply.body.version as number;
}

const pointerOf = async (view: string) => (await deployer.get(`/views/${view}`)).body.pointer;

it('rolls back every view served from the source, offers the kill switch where nothing earlier exists, leaves the others alone; a dry run writes nothing', async () => {
  const bad = `s3://lake/${rewind.tag}/bad-export`;
  const good = `s3://lake/${rewind.tag}/good`;
  const stableBad = rewind.view('rv_stable'); // v1 good, v2 bad and stable → back to v1
  const onlyBad = rewind.view('rv_only'); // v1 bad and stable, nothing earlier → kill switch offered
  const canaryBad = rewind.view('rv_canary'); // v1 good stable, v2 bad canary → candidate dropped
  const unrelated = rewind.view('rv_unrelated'); // v1 good stable, v2 bad but never served → untouched
  await deploy(stableBad, 1, [good], { activate: true });
  await deploy(stableBad, 2, [good, bad], { activate: true });
  await deploy(onlyBad, 3, [bad], { activate: true, transformation: { kind: 'sql', ref: 'q1', columnLineage: { age: [{ source: bad, field: 'age' }] } } });
  await deploy(canaryBad, 4, [good], { activate: true });
  await deploy(canaryBad, 5, [bad]);
  expect((await deployer.post(`/views/${canaryBad}/activate`, { version: 2, strategy: 'canary', percent: 10 })).status).toBe(200);
  await deploy(unrelated, 6, [good], { activate: true });
  await deploy(unrelated, 7, [bad]);
  const unrelatedBefore = await pointerOf(unrelated);

  // Dry run: the plan, and not one item or object more.
  const before = await rewind.dump();
  const dry = await deployer.post('/sources/revert', { uri: bad, reason: 'export wrote zeros', dryRun: true });
  expect(dry.status).toBe(200);
  expect(dry.body).toMatchObject({ id: null, dryRun: true, status: 'planned' });
  expect(dry.body.reverted.map((v: any) => [v.view, v.fromVersion, v.toVersion, v.outcome]).sort()).toEqual(
    [
      [stableBad, 2, 1, 'would-revert'],
      [canaryBad, 2, 1, 'would-revert'],
    ].sort(),
  );
  expect((await rewind.dump()).tables).toEqual(before.tables);

  const reply = await deployer.post('/sources/revert', { uri: bad, reason: 'export wrote zeros' });
  expect(reply.status).toBe(201);
  const incident = reply.body;
  expect(incident.id).toMatch(/^inc-/);
  expect(incident.status).toBe('done');
  const reverted = Object.fromEntries(incident.reverted.map((v: any) => [v.view, v]));
  expect(Object.keys(reverted).sort()).toEqual([stableBad, canaryBad].sort());
  expect(reverted[stableBad]).toMatchObject({ outcome: 'reverted', fromVersion: 2, toVersion: 1, readSource: [2] });
  expect(reverted[canaryBad]).toMatchObject({ outcome: 'reverted', fromVersion: 2, toVersion: 1, servedBefore: { stable: 1, candidate: 2 } });
  // Each reverted view carries the blast radius of the version it left.
  expect(reverted[stableBad].blastRadius).toMatchObject({ view: stableBad, version: 2, windows: [expect.objectContaining({ role: 'stable', percent: 100 })] });
  expect(reverted[canaryBad].blastRadius.windows).toEqual([expect.objectContaining({ role: 'canary', percent: 10 })]);
  expect(incident.notReverted).toEqual([
    expect.objectContaining({ view: onlyBad, outcome: 'no-target', fromVersion: 1, killSwitch: { features: ['age'], routes: [`POST /views/${onlyBad}/features/age/disable`] } }),
  ]);

  // Each view's change is its own rollback, its reason naming the incident; the kill switch was only offered.
  const stable = await pointerOf(stableBad);
  expect(stable).toMatchObject({ stable: 1 });
  const history = (await deployer.get(`/views/${stableBad}/history`)).body.history;
  expect(history[0]).toMatchObject({ action: 'rollback', fromVersion: 2, toVersion: 1, reason: expect.stringContaining(incident.id) });
  const canary = await pointerOf(canaryBad);
  expect(canary.stable).toBe(1);
  expect(canary.candidate ?? null).toBeNull();
  expect(await pointerOf(onlyBad)).toMatchObject({ stable: 1, disabledFeatures: [] });
  expect(await pointerOf(unrelated)).toEqual(unrelatedBefore);

  // The incident reads back as answered; the CLI shows it.
  const read = await reader.get(`/incidents/${incident.id}`);
  expect(read.status).toBe(200);
  expect(read.body).toEqual(incident);
  expect((await reader.get('/incidents/inc-nope')).status).toBe(404);
  const shown = await cli(['incidents', 'show', incident.id]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toMatch(new RegExp(`${stableBad}\\s+v2 → v1\\s+reverted`));
  expect(shown.stdout).toContain(`${onlyBad}`);
  expect(shown.stdout).toContain('kill switch offered: age');
});

it('from the CLI: a dry run prints the plan, and a second revert finds nothing left to do', async () => {
  const bad = `s3://lake/${rewind.tag}/cli-bad`;
  const view = rewind.view('rv_cli');
  await deploy(view, 1, [`s3://lake/${rewind.tag}/cli-good`], { activate: true });
  await deploy(view, 2, [bad], { activate: true });
  const dry = await cli(['revert-source', bad, '--reason', 'bad file', '--dry-run']);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(new RegExp(`${view}\\s+v2 → v1\\s+would-revert`));
  expect((await pointerOf(view)).stable).toBe(2);
  const done = await cli(['revert-source', bad, '--reason', 'bad file']);
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/incident inc-/);
  expect((await pointerOf(view)).stable).toBe(1);
  const again = await deployer.post('/sources/revert', { uri: bad, reason: 'again' });
  expect(again.body.reverted).toEqual([]);
  expect(again.body.notReverted).toEqual([]);
});

it('refuses a revert without a reason (400 naming body.reason, audited), and a caller who may not roll back (403), writing nothing', async () => {
  const before = await rewind.dump();
  const noReason = await deployer.post('/sources/revert', { uri: 's3://lake/x' });
  expect(noReason.status).toBe(400);
  expect(noReason.body.error).toMatchObject({ code: 'ValidationError', field: 'body.reason' });
  const noSource = await deployer.post('/sources/revert', { reason: 'r' });
  expect(noSource.body.error).toMatchObject({ field: 'body.uri' });
  const forbidden = await reader.post('/sources/revert', { uri: 's3://lake/x', reason: 'r' });
  expect(forbidden.status).toBe(403);
  expect((await rewind.dump()).tables).toEqual(before.tables);
  const admin = await rewind.as('auditor', ['admin']);
  const refusals = (await admin.get(`/audit?actor=${encodeURIComponent(deployer.sub)}`)).body.entries ?? [];
  expect(refusals.some((e: any) => e.outcome === 'denied' && e.detail?.field === 'body.reason')).toBe(true);
});

it('attaches the blast radius of the version left to a rollback answer, with the link to compute it again', async () => {
  const view = rewind.view('rv_blast');
  await deploy(view, 1, [], { activate: true });
  await deploy(view, 2, [], { activate: true });
  const reply = await deployer.post(`/views/${view}/rollback`, { reason: 'drifted' });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ changed: true, fromVersion: 2, toVersion: 1, blastRadiusUrl: `/views/${view}/versions/2/blast-radius` });
  expect(reply.body.blastRadius).toMatchObject({ view, version: 2, windows: [expect.objectContaining({ role: 'stable', to: expect.any(String) })] });
  // Nothing changed: nothing left, no report.
  const again = await deployer.post(`/views/${view}/rollback`, { reason: 'drifted', toVersion: 1 });
  expect(again.body.changed).toBe(false);
  expect(again.body.blastRadius).toBeUndefined();
  // `blastRadius: 'link'`: the same rollback, answered with the URL only.
  await deployer.post(`/views/${view}/activate`, { version: 2, reason: 'again' });
  const linked = await deployer.post(`/views/${view}/rollback`, { reason: 'drifted', toVersion: 1, blastRadius: 'link' });
  expect(linked.status).toBe(200);
  expect(linked.body).toMatchObject({ changed: true, fromVersion: 2, toVersion: 1, blastRadiusUrl: `/views/${view}/versions/2/blast-radius` });
  expect(linked.body.blastRadius).toBeUndefined();
  expect((await deployer.post(`/views/${view}/rollback`, { reason: 'drifted', blastRadius: 'both' })).body.error).toMatchObject({ field: 'body.blastRadius' });
});
