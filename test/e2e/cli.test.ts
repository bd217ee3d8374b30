/**
 * The `rewind` command end to end, against a real Rewind (the local runtime on DynamoDB Local
 * + s3rver, or a deployed stack): deploy inline and through an upload, activate, serve, roll
 * back, status, history, audit, purge, and the errors a person meets on the way. Commands run
 * in-process through `run()` (what bin/rewind.js calls), and once through the real
 * `node bin/rewind.js` shim; both are pointed at it by REWIND_URL and REWIND_TOKEN. (A token
 * minted with the local secret: cli-local-token.local.test.ts.)
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { canaryBucket } from '../../core/canary';
import type { PolicyDocument } from '../../core/access-policy';
import { run } from '../../cli/main';
import type { UploadProgress } from '../../cli/upload';
import { users, v1Row, v2FaultyRow } from '../../examples/generate';
import { eventually, startTestRewind, type TestRewind } from '../support/rewind';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');
const goodView = join(examples, 'user_profile.view.yaml');
const faultyView = join(examples, 'user_profile.v2.view.yaml');

let rewind: TestRewind;
let env: NodeJS.ProcessEnv;
/** The view the story below tells: the example files' `user_profile`, under this run's name. */
let view: string;
/** The `sub` of the deployer whose token is in `env`: what history, status and the audit log record. */
let devSub: string;
/**
 * The example data files, copied under names carrying the suite's tag: an upload's key is
 * `uploads/<id>/<file name>`, and on a shared stack `rewind.dump()` sees only tagged keys.
 */
let goodData: string;
let faultyData: string;

/** `text` as a literal inside a RegExp (subs carry a dot). */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  rewind = await startTestRewind('cli');
  view = rewind.view('user_profile');
  const dev = await rewind.as('cli-dev', ['deployer']);
  devSub = dev.sub;
  env = { REWIND_URL: rewind.url, REWIND_TOKEN: dev.token };
  const dir = mkdtempSync(join(tmpdir(), 'rewind-cli-data-'));
  const tagged = (file: string) => {
    const copy = join(dir, basename(file).replace(/\.(\w+)$/, `.${rewind.tag}.$1`));
    copyFileSync(file, copy);
    return copy;
  };
  goodData = tagged(join(examples, 'user_profile.v1.csv'));
  faultyData = tagged(join(examples, 'user_profile.v2-faulty.jsonl'));
});
afterAll(() => rewind.stop());

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  json: () => any;
}

async function rewindCli(argv: string[], options: { env?: NodeJS.ProcessEnv; progress?: UploadProgress } = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: err,
    env: options.env ?? env,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

function spyProgress() {
  const calls = { start: [] as [number, string][], updates: [] as number[], stop: [] as { bytes: number; ok: boolean }[] };
  const progress: UploadProgress = {
    start: (total, label) => void calls.start.push([total, label]),
    update: (sent) => void calls.updates.push(sent),
    stop: ({ bytes, ok }) => void calls.stop.push({ bytes, ok }),
  };
  return { progress, calls };
}

/** What the view should serve for an entity, from the generator that wrote the example files. */
function expected(row: Record<string, unknown>): Record<string, unknown> {
  const { user_id: _id, ...features } = row;
  return features;
}
const [u1, , , , u5] = users();

describe('rewind, from first deploy to rollback', () => {
  it('deploys v1 inline from the example view file and CSV, without activating it', async () => {
    const { progress, calls } = spyProgress();
    const ran = await rewindCli(['deploy', goodView, '--data', goodData, '--view', view, '--json'], { progress });
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.json()).toMatchObject({ view, version: 1, status: 'deployed', snapshot: { rows: users().length } });
    expect(calls.start).toEqual([]); // small file: sent inline, nothing uploaded
    expect((await rewind.dump()).objects.some((k) => k.startsWith('uploads/'))).toBe(false);
  });

  it('activates v1 at the expected revision and serves its values', async () => {
    const ran = await rewindCli(['activate', view, '1', '--expected-revision', '0', '--reason', 'first release']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(`activated ${view}: - → v1 (revision 1, audit view:${view}/2)\n`);

    const got = await rewindCli(['get', view, u1!.user_id, '--json']);
    expect(got.json()).toEqual({ view, version: 1, entity: 'u0001', found: true, features: expected(v1Row(u1!)) });
    const text = await rewindCli(['get', view, u1!.user_id]);
    expect(text.stdout).toMatch(new RegExp(`^${literal(view)}/u0001 from v1\n {2}age {12}34\n`));
  });

  it('deploys the faulty v2 through /uploads when the file is above the inline limit, with progress', async () => {
    const { progress, calls } = spyProgress();
    const size = statSync(faultyData).size;
    const fileName = basename(faultyData);
    const ran = await rewindCli(['deploy', faultyView, '--data', faultyData, '--view', view, '--inline-limit', String(size - 1)], { progress });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^deployed ${literal(view)} v2 \\(not served yet: rewind activate ${literal(view)} 2\\)\n`));
    expect(ran.stdout).toContain(`${fileName}: uploaded`);

    // The bar saw every byte, in order, and the bytes landed in the bucket under uploads/.
    expect(calls.start).toEqual([[size, fileName]]);
    expect(calls.updates.at(-1)).toBe(size);
    expect(calls.updates).toEqual([...calls.updates].sort((a, b) => a - b));
    expect(calls.stop).toEqual([{ bytes: size, ok: true }]);
    expect((await rewind.dump()).objects.filter((k) => k.startsWith('uploads/'))).toEqual([expect.stringMatching(new RegExp(`^uploads/[\\w-]+/${literal(fileName)}$`))]);
  });

  it('activates v2 and, within the staleness bound, serves its (wrong) values', async () => {
    expect((await rewindCli(['activate', view, '2', '--expected-revision', '1'])).code).toBe(0);
    const served = await eventually(
      () => rewindCli(['get', view, u5!.user_id, '--json']).then((r) => r.json()),
      (body) => body.version === 2,
      5000,
    );
    expect(served.features).toEqual(expected(v2FaultyRow(u5!)));
    expect(served.features.avg_basket).toBeCloseTo(u5!.avg_basket * 100);
  });

  it('refuses a stale --expected-revision with 409, says where the view is, and changes nothing', async () => {
    const before = await rewind.dump();
    const ran = await rewindCli(['rollback', view, '--reason', 'late', '--expected-revision', '1']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe(`error: view '${view}' is at revision 2, not the expected 1; read it again and retry\n  (now at revision 2, serving v2)\n`);
    expect(await rewind.dump()).toEqual(before);
  });

  it('rolls back to v1 with a reason; serving returns v1 values', async () => {
    const ran = await rewindCli(['rollback', view, '--reason', 'avg_basket is 100x too large', '--expected-revision', '2']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^rolled back ${literal(view)}: v2 → v1 \\(revision 3, audit view:${literal(view)}/\\d+\\)\n$`));
    const served = await eventually(
      () => rewindCli(['get', view, u5!.user_id, '--json']).then((r) => r.json()),
      (body) => body.version === 1,
      5000,
    );
    expect(served.features).toEqual(expected(v1Row(u5!)));
  });

  it('shows status, versions and history', async () => {
    // Every view the stack has, one line each, in columns as wide as the longest cell; on a
    // shared stack there are other people's views, so read this suite's line (and the layout).
    const all = await rewindCli(['status']);
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.endsWith('\n')).toBe(true);
    const [header, ...lines] = all.stdout.slice(0, -1).split('\n');
    const viewWidth = Math.max('VIEW'.length, ...lines.map((l) => l.split(' ')[0]!.length));
    expect(header).toBe(`${'VIEW'.padEnd(viewWidth)}  SERVING  REVISION`);
    expect(lines.filter((l) => l.split(' ')[0] === view)).toEqual([`${view.padEnd(viewWidth)}  v1       ${'3'.padStart('REVISION'.length)}`]);
    // The suite's own local runtime has no views but its own.
    if (rewind.mode === 'local') expect(lines).toHaveLength(1);

    const one = await rewindCli(['status', view]);
    expect(one.stdout).toMatch(new RegExp(`^${literal(view)}: serving v1 · revision 3 · changed .+ by ${literal(devSub)}\n\n`));
    expect(one.stdout).toMatch(new RegExp(`\n +1 +active +400 +\\S+ \\S+ +${literal(devSub)} +churn-model, ltv-model +First version`));
    expect(one.stdout).toMatch(/\n +2 +rolled-back +400 /);

    const history = await rewindCli(['history', view, '--json']);
    expect(history.json().history.map((h: any) => [h.revision, h.action, h.fromVersion, h.toVersion, h.actor, h.reason ?? null])).toEqual([
      [3, 'rollback', 2, 1, devSub, 'avg_basket is 100x too large'],
      [2, 'activate', 1, 2, devSub, null],
      [1, 'activate', null, 1, devSub, 'first release'],
    ]);
    const text = await rewindCli(['history', view]);
    // The ACTOR column is as wide as the deployer's sub.
    expect(text.stdout.split('\n')[0]).toBe(`REV  AT                    ACTION    FROM  TO  ${'ACTOR'.padEnd(devSub.length)}  REASON`);
  });

  it('lists and verifies the audit log', async () => {
    // The rollback's runbook appends its own entry (system:runbook) a moment after the rollback.
    const list = await eventually(() => rewindCli(['audit', 'list', '--view', view, '--json']), (l) => l.json().entries.length >= 6);
    expect(list.json().entries.map((e: any) => e.action).reverse()).toEqual(['deploy', 'activate', 'deploy', 'activate', 'rollback', 'runbook']);
    const verify = await rewindCli(['audit', 'verify']);
    expect(verify).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log ok: \d+ entries in \d+ chains? verified\n$/) });
  });

  it('purges the online values of v2, not those of the served v1', async () => {
    // v2 was rolled back from just before: --wait waits out the pointer-cache bound.
    const purged = await rewindCli(['purge', view, '2', '--wait', '--json']);
    expect(purged.json()).toMatchObject({ view, version: 2, deleted: users().length });
    const refused = await rewindCli(['purge', view, '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^error: version 1 of '${literal(view)}' is being served`));
  });
});

describe('rewind deploy, the two delivery paths', () => {
  it('turns the same file into the same snapshot inline and uploaded (CSV and Parquet)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-cli-'));
    const parquet = join(dir, 'users.parquet');
    const rows = users().slice(0, 50).map(v1Row);
    writeFileSync(
      parquet,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'user_id', data: rows.map((r) => r.user_id), type: 'STRING' },
            { name: 'age', data: rows.map((r) => (r.age === null ? null : BigInt(r.age))), type: 'INT64' },
            { name: 'country', data: rows.map((r) => r.country), type: 'STRING' },
            { name: 'purchases_30d', data: rows.map((r) => BigInt(r.purchases_30d)), type: 'INT64' },
            { name: 'avg_basket', data: rows.map((r) => r.avg_basket), type: 'DOUBLE' },
            { name: 'is_premium', data: rows.map((r) => r.is_premium), type: 'BOOLEAN' },
          ],
        }),
      ),
    );
    const [inlineView, uploadView] = [rewind.view('paths_inline'), rewind.view('paths_upload')];
    for (const data of [goodData, parquet]) {
      const inline = await rewindCli(['deploy', goodView, '--data', data, '--view', inlineView, '--json']);
      const uploaded = await rewindCli(['deploy', goodView, '--data', data, '--view', uploadView, '--inline-limit', '0', '--json']);
      expect([inline.code, uploaded.code]).toEqual([0, 0]);
      expect(uploaded.json().snapshot.sha256).toBe(inline.json().snapshot.sha256);
      expect(uploaded.json().snapshot.rows).toBe(data === parquet ? 50 : users().length);
    }
  });

  it('plans a deploy without writing anything: the faulty v2 against the served v1', async () => {
    const before = await rewind.dump();
    const ran = await rewindCli(['deploy', faultyView, '--data', faultyData, '--view', view, '--plan']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^plan for ${literal(view)}: 400 rows; the version would be deployed \\(nothing was written\\)\n`));
    expect(ran.stdout).toMatch(/validation {2}warned, against v1: 0 blocking findings, \d+ warnings\n/);
    expect(ran.stdout).toMatch(/\n +warn +avg_basket +psi /);
    expect(await rewind.dump()).toEqual(before);
  });
});

describe('rewind, a canary from start to promotion, and the kill switch', () => {
  // Its own view, so the story above (user_profile at revision 3) is left as it is.
  let canaryView: string;
  let cv: string; // canaryView, as a literal inside a RegExp
  const entities = users().slice(0, 40);
  const inCandidate = (entity: string) => canaryBucket(canaryView, entity) < 50 * 100;

  beforeAll(async () => {
    canaryView = rewind.view('canary_profile');
    cv = literal(canaryView);
    expect((await rewindCli(['deploy', goodView, '--data', goodData, '--view', canaryView, '--activate'])).code).toBe(0);
    expect((await rewindCli(['deploy', faultyView, '--data', faultyData, '--view', canaryView])).code).toBe(0);
  });

  it('starts a canary of v2 on 50% of entities, baking for an hour', async () => {
    const ran = await rewindCli(['activate', canaryView, '2', '--canary', '50', '--bake', '1h', '--expected-revision', '1', '--reason', 'try the new basket model']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toMatch(
      new RegExp(
        `^canary of ${cv} v2: 50% of entities get it, the rest stay on v1 \\(revision 2, audit view:${cv}/\\d+\\)\n {2}bakes 3600 s: promoted automatically from \\S+ \\S+Z if no alarm about the view fires\n$`,
      ),
    );
  });

  it('shows the candidate in status, and which arm answered in get', async () => {
    const status = await rewindCli(['status', canaryView]);
    const dev = literal(devSub);
    expect(status.stdout).toMatch(
      new RegExp(`^${cv}: serving v1 · revision 2 · changed .+ by ${dev}\ncandidate: v2, canary on 50% of entities · bakes 3600 s: .+ · started .+ by ${dev}\n\n`),
    );
    expect(status.stdout).toMatch(/\n +2 +candidate +400 /);
    expect((await rewindCli(['status', canaryView, '--json'])).json().pointer.candidate).toMatchObject({ version: 2, strategy: 'canary', percent: 50, bakeSeconds: 3600 });

    // Every entity gets the arm core/canary.ts predicts, and the version of that arm.
    const served = await Promise.all(entities.map((u) => rewindCli(['get', canaryView, u.user_id, '--json']).then((r) => r.json())));
    expect(served.map((s) => [s.entity, s.arm, s.version])).toEqual(
      entities.map((u) => [u.user_id, inCandidate(u.user_id) ? 'candidate' : 'stable', inCandidate(u.user_id) ? 2 : 1]),
    );
    expect(new Set(served.map((s) => s.arm))).toEqual(new Set(['stable', 'candidate']));

    const candidate = entities.find((u) => inCandidate(u.user_id))!;
    const text = await rewindCli(['get', canaryView, candidate.user_id]);
    expect(text.stdout).toMatch(new RegExp(`^${cv}/${candidate.user_id} from v2 \\(candidate arm\\)\n`));
    expect(text.stdout).toContain(`avg_basket`);
  });

  it('refuses to activate another version while the canary runs (409)', async () => {
    const ran = await rewindCli(['activate', canaryView, '1']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(new RegExp(`^error: .*version 2 of '${cv}' is on trial \\(canary\\)`));
  });

  it('promotes the candidate: everyone gets v2 and the arm disappears', async () => {
    const ran = await rewindCli(['promote', canaryView, '--reason', 'canary is clean', '--expected-revision', '2']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toMatch(new RegExp(`^promoted ${cv}: v1 → v2 for everyone \\(revision 3, audit view:${cv}/\\d+\\)\n$`));
    const stable = entities.find((u) => !inCandidate(u.user_id))!;
    const served = await eventually(
      () => rewindCli(['get', canaryView, stable.user_id, '--json']).then((r) => r.json()),
      (body) => body.version === 2,
      5000,
    );
    expect(served.arm).toBeUndefined();
    expect((await rewindCli(['status', canaryView])).stdout).not.toContain('candidate:');
    expect((await rewindCli(['promote', canaryView])).stderr).toMatch(new RegExp(`^error: '${cv}' has no candidate to promote`));
  });

  it('switches avg_basket off and on again; serving follows, every other feature untouched', async () => {
    const [u] = entities;
    const off = await rewindCli(['disable', canaryView, 'avg_basket', '--reason', 'upstream job wrote 100x values']);
    expect(off).toMatchObject({ code: 0, stderr: '' });
    expect(off.stdout).toMatch(new RegExp(`^disabled ${cv}\\.avg_basket: served as its declared default from now on \\(revision 4, audit view:${cv}/\\d+\\)\n$`));

    const disabled = await eventually(
      () => rewindCli(['get', canaryView, u!.user_id, '--json']).then((r) => r.json()),
      (body) => (body.disabled ?? []).includes('avg_basket'),
      5000,
    );
    const { avg_basket: _faulty, ...rest } = expected(v2FaultyRow(u!));
    expect(disabled.features).toEqual({ ...rest, avg_basket: 0 });
    expect((await rewindCli(['get', canaryView, u!.user_id])).stdout).toMatch(/\n {2}avg_basket +0 {2}\(disabled: default\)\n/);
    expect((await rewindCli(['status', canaryView])).stdout).toMatch(/\ndisabled features: avg_basket \(served as their defaults\)\n/);

    const again = await rewindCli(['disable', canaryView, 'avg_basket', '--reason', 'twice']);
    expect(again.stdout).toBe(`${canaryView}.avg_basket is already disabled; nothing changed (revision 4)\n`);

    const on = await rewindCli(['enable', canaryView, 'avg_basket', '--reason', 'job fixed and backfilled', '--expected-revision', '4']);
    expect(on.stdout).toMatch(new RegExp(`^enabled ${cv}\\.avg_basket: its values are served again \\(revision 5, audit `));
    const enabled = await eventually(
      () => rewindCli(['get', canaryView, u!.user_id, '--json']).then((r) => r.json()),
      (body) => body.disabled === undefined || body.disabled.length === 0,
      5000,
    );
    expect(enabled.features).toEqual(expected(v2FaultyRow(u!)));
    expect((await rewindCli(['disable', canaryView, 'shoe_size', '--reason', 'x'])).stderr).toMatch(new RegExp(`^error: path\\.feature: 'shoe_size' is not a feature of '${cv}'`));
  });

  it('records every step in history, with the feature switched', async () => {
    const history = await rewindCli(['history', canaryView, '--json']);
    expect(history.json().history.map((h: any) => [h.revision, h.action, h.feature ?? null, h.toVersion])).toEqual([
      [5, 'enable', 'avg_basket', 2],
      [4, 'disable', 'avg_basket', 2],
      [3, 'promote', null, 2],
      [2, 'canary', null, 2],
      [1, 'activate', null, 1],
    ]);
    expect((await rewindCli(['history', canaryView])).stdout).toMatch(new RegExp(`\n +5 +\\S+ \\S+ +enable avg_basket +v2 +v2 +${literal(devSub)} +job fixed and backfilled\n`));
  });

  it('asks for break-glass only from those allowed to (a deployer is refused, 403)', async () => {
    const ran = await rewindCli(['rollback', canaryView, '--reason', 'x', '--break-glass', 'nobody to approve']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(new RegExp(`^error: '${literal(devSub)}' \\(deployer\\) may not break-glass\\b`));
  });

  it('lists approvals and reads the policy', async () => {
    expect((await rewindCli(['approvals', canaryView])).stdout).toBe(`${canaryView} has no approvals\n`);
    const bea = await rewind.as('bea', ['approver'], { mfa: true });
    const approved = await rewindCli(['approve', canaryView, '1', '--reason', 'v1 is known good', '--token', bea.token]);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    expect(approved.stdout).toMatch(
      new RegExp(`^approved activate of ${cv} v1: usable once, by someone other than ${literal(bea.sub)}, until .+ \\(approval \\S+, audit \\S+\\)\n$`),
    );
    const listed = await rewindCli(['approvals', canaryView]);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +ACTION +TARGET +APPROVER +STATE +EXPIRES +REASON$/);
    expect(listed.stdout).toMatch(new RegExp(` activate +v1 +${literal(bea.sub)} +usable +\\S+ \\S+ +v1 is known good\n$`));

    // The policy is global: what it says, and since when, is the policy in force. Nobody has
    // stored one on a fresh Rewind (always so on this suite's own local runtime).
    const inForce = (await rewindCli(['policy', 'get', '--json'])).json() as { revision: number; isDefault: boolean; updatedBy: string; document: PolicyDocument };
    const head =
      rewind.mode === 'local' || inForce.isDefault
        ? 'policy revision 0: the default \\(no policy stored yet\\)'
        : `policy revision ${inForce.revision} · changed \\S+ \\S+Z by ${literal(inForce.updatedBy)}`;
    const list = (actions: readonly string[]) => literal(actions.length ? actions.join(', ') : '-');
    const [firstRole, firstGrants] = Object.entries(inForce.document.tiers.standard.grants)[0]!;
    const policy = await rewindCli(['policy', 'get']);
    expect(policy.stdout).toMatch(new RegExp(`^${head}\n\nstandard\n {2}${literal(firstRole)} +${list(firstGrants)}\n`));
    expect(policy.stdout).toMatch(new RegExp(`\n {2}approval for +${list(inForce.document.tiers.critical.approvals)}\n`));
  });

  it('proposes a policy read with `policy get --json` (an admin with MFA), a second person approves it, and the file read at the old revision is then stale', async () => {
    // It proposes the document in force as it is: a new revision that changes nothing anyone
    // may do, so there is nothing to put back on a shared stack.
    const dir = mkdtempSync(join(tmpdir(), 'rewind-cli-'));
    const file = join(dir, 'policy.json');
    const read = await rewindCli(['policy', 'get', '--json']);
    writeFileSync(file, read.stdout);
    const { revision: at, document } = read.json() as { revision: number; document: PolicyDocument };
    const denied = await rewindCli(['policy', 'set', file]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(new RegExp(`^error: '${literal(devSub)}' \\(deployer\\) may not change the policy`));

    const admin = await rewind.as('root', ['admin'], { mfa: true });
    const proposed = await rewindCli(['policy', 'set', file, '--reason', 'pin the policy in force', '--token', admin.token]);
    expect(proposed).toMatchObject({ code: 0, stderr: '' });
    const id = /^proposed policy change (\S+) on revision (\d+) /.exec(proposed.stdout)?.[1];
    expect(proposed.stdout).toMatch(new RegExp(`^proposed policy change ${literal(id ?? '?')} on revision ${at} \\(audit \\S+\\); nothing is in force yet\n  no change to the policy in force\n`));
    expect(proposed.stdout).toContain(`rewind policy approve ${id}\n`);
    // The proposer cannot approve it; an approver with MFA can.
    const own = await rewindCli(['policy', 'approve', id!, '--token', admin.token]);
    expect(own.code).toBe(1);
    expect(own.stderr).toMatch(/proposed this policy change and cannot also approve it/);
    const approver = await rewind.as('bea', ['approver'], { mfa: true });
    const approved = await rewindCli(['policy', 'approve', id!, '--reason', 'same document', '--token', approver.token]);
    expect(approved).toMatchObject({ code: 0, stderr: '' });
    expect(approved.stdout).toMatch(new RegExp(`^approved ${literal(id!)} by ${literal(admin.sub)}: policy revision ${at + 1} is in force \\(audit \\S+\\)\n`));
    // The same file again: it was read at revision `at`, and the policy is now at the next.
    const stale = await rewindCli(['policy', 'set', file, '--token', admin.token]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(`error: the policy is at revision ${at + 1}, not the expected ${at}; read it again and retry\n`);
    expect((await rewindCli(['policy', 'get', '--json'])).json()).toMatchObject({ revision: at + 1, updatedBy: approver.sub, isDefault: false, document });
  });
});

describe('rewind, when something is wrong', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-cli-'));
  });

  it('names the data file line of a bad inline row, and writes nothing', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'user_id,age,shoe_size\nu1,30,42\n');
    const before = await rewind.dump();
    const ran = await rewindCli(['deploy', goodView, '--data', bad, '--view', view]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toBe(
      'error: body.rows[0].shoe_size: is not a feature of this view (declared: age, country, purchases_30d, avg_basket, is_premium) (bad.csv line 2)\n',
    );
    expect(await rewind.dump()).toEqual(before);
  });

  it('names the record of a bad uploaded row', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"user_id":"u1","age":30}\n{"user_id":"u2","age":"old"}\n');
    const ran = await rewindCli(['deploy', goodView, '--data', bad, '--view', view, '--inline-limit', '0', '--json']);
    expect(ran.code).toBe(1);
    // stderr: the upload's summary line, then the error as JSON on the last line.
    const lines = ran.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^uploaded bad\.jsonl: \d+ B in \d+ ms$/);
    const { error } = JSON.parse(lines.at(-1)!);
    expect(error).toMatchObject({ code: 'ValidationError', status: 400, field: 'snapshotUri[1].age' });
    expect(error.message).toMatch(/expected int.*\(bad\.jsonl record 2\)$/);
  });

  it('says a viewer may not deploy (403), and an unknown token is not accepted (401)', async () => {
    const vic = await rewind.as('vic', ['viewer']);
    const forbidden = await rewindCli(['activate', view, '1', '--token', vic.token]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(new RegExp(`^error: '${literal(vic.sub)}' \\(viewer\\) may not activate\\b.*\n$`));
    const unauthenticated = await rewindCli(['status', '--token', 'not-a-jwt']);
    expect(unauthenticated.code).toBe(1);
    expect(unauthenticated.stderr).toMatch(/^error: .*\n {2}\(pass --token or set REWIND_TOKEN/);
  });

  it('reports unknown views and versions as the API does', async () => {
    const nope = rewind.view('nope');
    expect((await rewindCli(['status', nope])).stderr).toBe(`error: view '${nope}' does not exist\n`);
    expect((await rewindCli(['activate', view, '99'])).stderr).toBe(`error: view '${view}' has no version 99\n`);
  });
});

describe('the bin/rewind.js shim', () => {
  it('runs the TypeScript CLI under plain node, with the exit code of the command', async () => {
    const exec = promisify(execFile);
    const childEnv = { ...process.env, ...env };
    const { stdout } = await exec(process.execPath, [join(root, 'bin', 'rewind.js'), 'status', view, '--json'], { cwd: root, env: childEnv });
    expect(JSON.parse(stdout)).toMatchObject({ view, pointer: { stable: 1, revision: 3 } });

    const failed = await exec(process.execPath, [join(root, 'bin', 'rewind.js'), 'activate', view, 'x'], { cwd: root, env: childEnv }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringContaining("version must be a whole number") });
  });
});
