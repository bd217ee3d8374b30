/**
 * The command line's contract with scripts: what goes to stdout and stderr, and the exit
 * code (0 ok, 1 refused or failed, 2 used wrongly). No server is needed for these.
 */
import { PassThrough } from 'node:stream';
import { verifyToken } from '../../../contract/local-tokens';
import { run } from '../../../cli/main';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function rewind(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: err, env });
  return { code, stdout, stderr };
}

describe('rewind token', () => {
  it('prints only a token, signed with REWIND_JWT_SECRET, carrying the subject, roles and mfa', async () => {
    const ran = await rewind(['token', '--sub', 'ana', '--roles', 'deployer, viewer', '--mfa', '--expires', '30m'], { REWIND_JWT_SECRET: 's3cret' });
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = await verifyToken('s3cret', ran.stdout.trim());
    expect(claims).toMatchObject({ sub: 'ana', roles: ['deployer', 'viewer'], amr: ['pwd', 'mfa'] });
    expect(claims.exp! - claims.iat!).toBe(30 * 60);
  });

  it('gives JSON with --json', async () => {
    const ran = await rewind(['--json', 'token', '--sub', 'ana', '--roles', 'viewer']);
    expect(JSON.parse(ran.stdout)).toMatchObject({ sub: 'ana', roles: ['viewer'], mfa: false, expiresIn: '12h', token: expect.any(String) });
  });

  it.each([
    [['token', '--sub', 'ana', '--roles', 'root'], "--roles: unknown role 'root'"],
    [['token', '--sub', 'ana', '--roles', 'viewer', '--expires', 'soon'], "--expires: 'soon' is not a duration"],
    [['token', '--roles', 'viewer'], "required option '--sub <subject>' not specified"],
  ])('refuses %j as a usage error (exit 2)', async (argv, message) => {
    const ran = await rewind(argv);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain(`error: ${message}`);
  });
});

describe('usage errors exit 2 before anything is sent', () => {
  it.each([
    [[], 'Usage: rewind'],
    [['activate', 'user_profile', 'two'], "version must be a whole number ≥ 1"],
    [['activate', 'user_profile', '0'], 'version must be a whole number ≥ 1'],
    [['rollback', 'user_profile'], "required option '--reason <text>' not specified"],
    [['rollback', 'user_profile', '--reason', 'x', '--expected-revision', '-1'], '--expected-revision must be a whole number ≥ 0'],
    [['deploy'], "missing required argument 'view-file'"],
    [['depoy'], "unknown command 'depoy'"],
    [['status', '--url', 'not a url'], "--url: 'not a url' is not a URL"],
    [['status', '--url', 'https://rewind.example.com'], 'no token for https://rewind.example.com: pass --token or set REWIND_TOKEN'],
  ])('%j', async (argv, message) => {
    const ran = await rewind(argv);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
  });
});

describe('help', () => {
  it('exits 0 and lists every command', async () => {
    const ran = await rewind(['--help']);
    expect(ran.code).toBe(0);
    for (const command of ['deploy', 'activate', 'rollback', 'status', 'history', 'get', 'audit', 'purge', 'token']) expect(ran.stdout).toContain(command);
  });
});

describe('failures exit 1 with one line on stderr', () => {
  it('says when nothing answers at the URL', async () => {
    const ran = await rewind(['status', '--url', 'http://127.0.0.1:9', '--token', 't']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^error: cannot reach Rewind at http:\/\/127\.0\.0\.1:9 \(.+\); is it running\?/);
  });

  it('reports local file errors before contacting the server, as JSON with --json', async () => {
    const ran = await rewind(['deploy', 'nowhere.view.yaml', '--json', '--token', 't', '--url', 'http://127.0.0.1:9']);
    expect(ran.code).toBe(1);
    expect(JSON.parse(ran.stderr)).toEqual({ error: { code: 'ViewFileError', message: 'nowhere.view.yaml: cannot read the file (ENOENT)' } });
  });

  it('mints a local admin token when none is given against a local URL, and says so', async () => {
    const ran = await rewind(['status', '--url', 'http://127.0.0.1:9']);
    expect(ran.stderr).toMatch(/^note: no token given; acting as 'local:[^']+' \(admin\), minted with the development default secret/);
    expect(ran.stderr).toContain('error: cannot reach Rewind');
  });
});
