/**
 * The release and governance commands' arguments: what each command line sends (method,
 * path, body), checked against a stand-in server that records requests and answers with
 * canned bodies; which lines are usage errors (exit 2, nothing sent); and how the answers
 * read. No Rewind is needed.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DEFAULT_POLICY } from '../../../core/access-policy';
import type { PointerChangeResult } from '../../../cli/client';
import { activationRequest, describeCandidate, describePointerChange, describeServed } from '../../../cli/commands';
import { approvalRequest, describePolicy } from '../../../cli/governance';
import { duration, percent, run } from '../../../cli/main';
import { parsePolicyFile } from '../../../cli/policy-file';

interface Sent {
  method: string;
  path: string;
  body: unknown;
}

const pointer = {
  view: 'user_profile',
  stable: 1,
  previousStable: [],
  rolledBack: [],
  disabledFeatures: [],
  revision: 4,
  updatedAt: '2025-03-01T10:00:00.000Z',
  updatedBy: 'ana',
};
const change = (extra: Partial<PointerChangeResult> = {}): PointerChangeResult => ({
  view: 'user_profile',
  action: 'activate',
  changed: true,
  fromVersion: 1,
  toVersion: 2,
  pointer,
  auditId: 'view:user_profile/9',
  ...extra,
});
const approval = {
  view: 'user_profile',
  id: '2025-03-01T10:00:00.000Z#ab12cd34',
  action: 'activate',
  version: 2,
  approver: 'bea',
  at: '2025-03-01T10:00:00.000Z',
  expiresAt: '2025-03-02T10:00:00.000Z',
};

let server: Server;
let url: string;
let sent: Sent[] = [];

/** The canned answer for each route the new commands call. */
function answer(method: string, path: string): unknown {
  if (method === 'POST' && /\/approvals$/.test(path)) return { ...approval, auditId: 'view:user_profile/10' };
  if (method === 'GET' && /\/approvals/.test(path)) return { view: 'user_profile', approvals: [{ ...approval, state: 'usable' }] };
  if (method === 'PUT' && path === '/policy')
    return {
      kind: 'proposed',
      id: '20250301T100000000Z-ab12cd34',
      baseRevision: 3,
      document: DEFAULT_POLICY,
      proposedBy: 'root',
      proposedAt: '2025-03-01T10:00:00.000Z',
      state: 'pending',
      changes: [{ tier: 'standard', list: 'mfa', added: ['rollback'], removed: [] }],
      auditId: 'policy/4',
    };
  if (method === 'POST' && path.startsWith('/policy/proposals/'))
    return { revision: 4, document: DEFAULT_POLICY, updatedAt: '2025-03-01T11:00:00.000Z', updatedBy: 'bea', isDefault: false, auditId: 'policy/5', proposalId: '20250301T100000000Z-ab12cd34', proposedBy: 'root', changes: [] };
  if (path === '/policy') return { revision: 3, document: DEFAULT_POLICY, updatedAt: '2025-03-01T10:00:00.000Z', updatedBy: 'root', isDefault: false, auditId: 'policy/3' };
  const action = /\/(activate|promote|rollback|disable|enable)$/.exec(path)?.[1] ?? 'activate';
  return change({ action: action as PointerChangeResult['action'] });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      sent.push({ method: req.method!, path: req.url!, body: text ? JSON.parse(text) : undefined });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(req.method!, req.url!)));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  sent = [];
});

async function rewind(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: err, env: { REWIND_URL: url, REWIND_TOKEN: 't' } });
  return { code, stdout, stderr };
}

describe('what each command line sends', () => {
  it.each<[string[], Sent]>([
    [['activate', 'user_profile', '2'], { method: 'POST', path: '/views/user_profile/activate', body: { version: 2 } }],
    [
      ['activate', 'user_profile', '2', '--canary', '12.5%', '--bake', '1h', '--expected-revision', '4', '--reason', 'new model'],
      { method: 'POST', path: '/views/user_profile/activate', body: { version: 2, strategy: 'canary', percent: 12.5, bakeSeconds: 3600, expectedRevision: 4, reason: 'new model' } },
    ],
    [['activate', 'user_profile', '2', '--shadow', '--bake', '90'], { method: 'POST', path: '/views/user_profile/activate', body: { version: 2, strategy: 'shadow', bakeSeconds: 90 } }],
    [['promote', 'user_profile'], { method: 'POST', path: '/views/user_profile/promote', body: {} }],
    [
      ['promote', 'user_profile', '--reason', 'canary is clean', '--expected-revision', '5'],
      { method: 'POST', path: '/views/user_profile/promote', body: { reason: 'canary is clean', expectedRevision: 5 } },
    ],
    [
      ['rollback', 'user_profile', '--reason', 'drift', '--break-glass', 'approver unreachable, churn model paging'],
      { method: 'POST', path: '/views/user_profile/rollback', body: { reason: 'drift', breakGlassReason: 'approver unreachable, churn model paging' } },
    ],
    [
      ['disable', 'user_profile', 'avg_basket', '--reason', 'upstream job wrote zeros'],
      { method: 'POST', path: '/views/user_profile/features/avg_basket/disable', body: { reason: 'upstream job wrote zeros' } },
    ],
    [
      ['enable', 'user_profile', 'avg_basket', '--reason', 'backfilled', '--expected-revision', '7'],
      { method: 'POST', path: '/views/user_profile/features/avg_basket/enable', body: { reason: 'backfilled', expectedRevision: 7 } },
    ],
    [['approve', 'user_profile', '2'], { method: 'POST', path: '/views/user_profile/approvals', body: { action: 'activate', version: 2 } }],
    [
      ['approve', 'user_profile', '--action', 'rollback', '--reason', 'ok to go back', '--expires', '2h'],
      { method: 'POST', path: '/views/user_profile/approvals', body: { action: 'rollback', reason: 'ok to go back', expiresInSeconds: 7200 } },
    ],
    [
      ['approve', 'user_profile', '--action', 'disable', '--feature', 'avg_basket'],
      { method: 'POST', path: '/views/user_profile/approvals', body: { action: 'disable', feature: 'avg_basket' } },
    ],
    [['approvals', 'user_profile', '--limit', '5'], { method: 'GET', path: '/views/user_profile/approvals?limit=5', body: undefined }],
    [['policy', 'get'], { method: 'GET', path: '/policy', body: undefined }],
    [
      ['policy', 'approve', '20250301T100000000Z-ab12cd34', '--reason', 'reviewed'],
      { method: 'POST', path: '/policy/proposals/20250301T100000000Z-ab12cd34/approve', body: { reason: 'reviewed' } },
    ],
  ])('%j', async (argv, expected) => {
    const ran = await rewind(argv);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(sent).toEqual([expected]);
  });

  describe('policy set', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'rewind-policy-'));
    });

    it('sends a YAML document as it is, with --expected-revision and --reason', async () => {
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, `tiers:\n  standard: ${JSON.stringify(DEFAULT_POLICY.tiers.standard)}\n  critical: ${JSON.stringify(DEFAULT_POLICY.tiers.critical)}\n`);
      const ran = await rewind(['policy', 'set', file, '--expected-revision', '3', '--reason', 'same as before']);
      // A proposal: the id, what it would change, and how a second person puts it in force.
      expect(ran).toMatchObject({
        code: 0,
        stdout:
          'proposed policy change 20250301T100000000Z-ab12cd34 on revision 3 (audit policy/4); nothing is in force yet\n' +
          '  standard mfa: + rollback\n' +
          'a second person (admin or approver, with MFA) puts it in force: rewind policy approve 20250301T100000000Z-ab12cd34\n',
      });
      expect(sent).toEqual([{ method: 'PUT', path: '/policy', body: { document: DEFAULT_POLICY, expectedRevision: 3, reason: 'same as before' } }]);
    });

    it('sends an admin\'s --break-glass reason as breakGlassReason', async () => {
      const file = join(dir, 'policy-bg.json');
      writeFileSync(file, JSON.stringify(DEFAULT_POLICY));
      await rewind(['policy', 'set', file, '--break-glass', 'approvers unreachable']);
      expect(sent).toEqual([{ method: 'PUT', path: '/policy', body: { document: DEFAULT_POLICY, breakGlassReason: 'approvers unreachable' } }]);
    });

    it('takes `policy get --json` output back, expecting the revision it was read at unless told otherwise', async () => {
      const file = join(dir, 'got.json');
      writeFileSync(file, JSON.stringify({ revision: 2, document: DEFAULT_POLICY, updatedAt: '', updatedBy: 'x', isDefault: false }));
      await rewind(['policy', 'set', file]);
      await rewind(['policy', 'set', file, '--expected-revision', '0']);
      expect(sent.map((s) => (s.body as { expectedRevision?: number }).expectedRevision)).toEqual([2, 0]);
    });

    it('names the file and field of a bad document, and sends nothing (exit 1)', async () => {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ tiers: { standard: { ...DEFAULT_POLICY.tiers.standard, mfa: ['fly'] }, critical: DEFAULT_POLICY.tiers.critical } }));
      const ran = await rewind(['policy', 'set', file, '--json']);
      expect(ran.code).toBe(1);
      expect(JSON.parse(ran.stderr).error).toMatchObject({ code: 'PolicyFileError', field: 'tiers.standard.mfa[0]' });
      expect(JSON.parse(ran.stderr).error.message).toMatch(/^bad\.json: tiers\.standard\.mfa\[0\]: must be one of read, /);
      expect(sent).toEqual([]);
    });
  });
});

describe('usage errors exit 2 and send nothing', () => {
  it.each([
    [['activate', 'user_profile', '2', '--canary', '10', '--shadow'], "option '--shadow' cannot be used with option '--canary <percent>'"],
    [['activate', 'user_profile', '2', '--bake', '1h'], '--bake: only a canary (--canary <percent>) or a shadow (--shadow) bakes'],
    [['activate', 'user_profile', '2', '--canary', '0'], '--canary must be a percent above 0 and at most 100'],
    [['activate', 'user_profile', '2', '--canary', '101'], '--canary must be a percent above 0 and at most 100'],
    [['activate', 'user_profile', '2', '--canary', '10.005'], '--canary must be a percent above 0 and at most 100, to 0.01'],
    [['activate', 'user_profile', '2', '--canary', '10', '--bake', 'soon'], '--bake must be a duration'],
    [['activate', 'user_profile', '2', '--canary', '10', '--bake', '8d'], '--bake must be a duration from 1 s to 7 days'],
    [['promote'], "missing required argument 'view'"],
    [['disable', 'user_profile', 'avg_basket'], "required option '--reason <text>' not specified"],
    [['enable', 'user_profile', '--reason', 'x'], "missing required argument 'feature'"],
    [['approve', 'user_profile'], 'an activation is approved for one version: rewind approve <view> <version>'],
    [['approve', 'user_profile', '2', '--action', 'deploy'], "argument 'deploy' is invalid. Allowed choices are activate, promote, rollback, disable, enable"],
    [['approve', 'user_profile', '2', '--feature', 'age'], '--feature: only a disable or enable approval names a feature'],
    [['approve', 'user_profile', '2', '--expires', '30s'], '--expires must be a duration from 60 s to 7 days'],
    [['rollback', 'user_profile', '--reason', 'x', '--break-glass'], "option '--break-glass <reason>' argument missing"],
    [['policy', 'set'], "missing required argument 'file'"],
    [['policy', 'approve'], "missing required argument 'id'"],
    [['policy', 'delete'], "unknown command 'delete'"],
  ])('%j', async (argv, message) => {
    const ran = await rewind(argv);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
    expect(sent).toEqual([]);
  });

  it('lists the new commands in the help', async () => {
    const ran = await rewind(['--help']);
    for (const command of ['promote', 'disable', 'enable', 'approve', 'approvals', 'policy']) expect(ran.stdout).toContain(`\n  ${command} `);
  });
});

describe('argument parsers', () => {
  it('reads percents to 0.01, with or without %', () => {
    const p = percent('--canary');
    expect([p('10'), p('12.5%'), p('0.01'), p('100')]).toEqual([10, 12.5, 0.01, 100]);
    for (const bad of ['0', '-5', '100.01', '1e1', 'ten', '', '12.345']) expect(() => p(bad)).toThrow('--canary must be a percent');
  });

  it('reads durations as whole seconds', () => {
    const d = duration('--bake', 1, 7 * 86_400);
    expect([d('90'), d('90s'), d('30m'), d('2h'), d('1d'), d('1w'), d('1 H')]).toEqual([90, 90, 1800, 7200, 86_400, 604_800, 3600]);
    for (const bad of ['0', '1.5h', '8d', 'soon', '-1']) expect(() => d(bad)).toThrow('--bake must be a duration');
  });

  it('builds activation and approval requests, refusing contradictions', () => {
    expect(activationRequest(3)).toEqual({ version: 3 });
    expect(activationRequest(3, { canary: 5, bake: 60 })).toEqual({ version: 3, strategy: 'canary', percent: 5, bakeSeconds: 60 });
    expect(activationRequest(3, { shadow: true })).toEqual({ version: 3, strategy: 'shadow' });
    expect(() => activationRequest(3, { canary: 5, shadow: true })).toThrow('choose one');
    expect(approvalRequest(7, { reason: 'ok' })).toEqual({ action: 'activate', version: 7, reason: 'ok' });
    expect(approvalRequest(undefined, { action: 'promote' })).toEqual({ action: 'promote' });
  });

  it('reads a policy file in YAML, naming the field of a mistake', () => {
    expect(() => parsePolicyFile('tiers:\n  standard: {}\n', 'p.yaml')).toThrow(/^p\.yaml: tiers\.standard\.grants: is required$/);
    expect(() => parsePolicyFile('[]', 'p.json')).toThrow('must hold a policy document');
    expect(() => parsePolicyFile('tiers: {}', 'p.txt')).toThrow('must be a .yaml, .yml or .json file');
  });
});

describe('how the answers read', () => {
  const canary = { version: 2, strategy: 'canary' as const, percent: 10, bakeSeconds: 3600, startedAt: '2025-03-01T10:00:00.000Z', startedBy: 'ana' };

  it('says who gets a canary and when it bakes', () => {
    const text = describePointerChange(change({ action: 'canary', pointer: { ...pointer, revision: 5, candidate: canary } }));
    expect(text).toBe(
      'canary of user_profile v2: 10% of entities get it, the rest stay on v1 (revision 5, audit view:user_profile/9)\n' +
        '  bakes 3600 s: promoted automatically from 2025-03-01 11:00:00Z if no alarm about the view fires',
    );
  });

  it('describes promote, the kill switches, break-glass and an approval used', () => {
    expect(describePointerChange(change({ action: 'promote' }))).toBe('promoted user_profile: v1 → v2 for everyone (revision 4, audit view:user_profile/9)');
    expect(describePointerChange(change({ action: 'disable', feature: 'avg_basket', toVersion: 1, pointer: { ...pointer, disabledFeatures: ['avg_basket'] } }))).toBe(
      'disabled user_profile.avg_basket: served as its declared default from now on (revision 4, audit view:user_profile/9)',
    );
    expect(describePointerChange(change({ action: 'enable', feature: 'avg_basket', changed: false }))).toBe(
      'user_profile.avg_basket is already enabled; nothing changed (revision 4)',
    );
    const rolledBack = describePointerChange(
      change({ action: 'rollback', fromVersion: 2, toVersion: 1, breakGlass: true, pointer: { ...pointer, disabledFeatures: ['age'] } }),
    );
    expect(rolledBack.split('\n')).toEqual([
      'rolled back user_profile: v2 → v1 (revision 4, audit view:user_profile/9)',
      '  break-glass: made without an approval; recorded as such in history and audit',
      '  still disabled: age (rewind enable user_profile <feature> --reason …)',
    ]);
    expect(describePointerChange(change({ approvalId: approval.id }))).toContain(`\n  used approval ${approval.id}`);
  });

  it('shows the arm that answered and the disabled features of a served entity', () => {
    const text = describeServed({ view: 'user_profile', version: 2, entity: 'u1', found: true, features: { age: 34, avg_basket: 0 }, arm: 'candidate', disabled: ['avg_basket'] });
    expect(text.split('\n')).toEqual(['user_profile/u1 from v2 (candidate arm)', '  age         34', '  avg_basket  0  (disabled: default)']);
    expect(describeServed({ view: 'v', version: 1, entity: 'e', found: true, features: { a: 1 } }).split('\n')[0]).toBe('v/e from v1');
  });

  it('describes a candidate for status', () => {
    expect(describeCandidate(canary)).toBe(
      'v2, canary on 10% of entities · bakes 3600 s: promoted automatically from 2025-03-01 11:00:00Z if no alarm about the view fires · started 2025-03-01 10:00:00Z by ana',
    );
    expect(describeCandidate({ ...canary, strategy: 'shadow', percent: 0, bakeSeconds: undefined as unknown as number })).toMatch(/^v2, shadow \(served to nobody/);
  });

  it('prints the policy tier by tier, each role with what it may do', () => {
    const text = describePolicy({ revision: 0, document: DEFAULT_POLICY, updatedAt: '', updatedBy: 'default', isDefault: true });
    expect(text).toMatch(/^policy revision 0: the default \(no policy stored yet\)\n\nstandard\n {2}viewer {11}read\n/);
    expect(text).toContain('\n\ncritical\n');
    expect(text).toMatch(/\n {2}approval for {5}activate, rollback\n {2}break-glass for {2}rollback$/);
  });
});
