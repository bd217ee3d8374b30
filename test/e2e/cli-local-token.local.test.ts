/**
 * The `rewind` command's convenience for one machine: against a loopback Rewind and with no
 * token given, it mints a short-lived admin token with the local secret (REWIND_JWT_SECRET)
 * and says so on stderr. Local only: it needs the runtime's own secret, which a deployed stack
 * (RS256 tokens from its issuer) neither has nor accepts. The rest of the CLI: cli.test.ts.
 */
import { PassThrough } from 'node:stream';
import { run } from '../../cli/main';
import { deployBody } from '../support/fixtures';
import { startLocalTestRewind } from '../support/rewind';

let rewind: Awaited<ReturnType<typeof startLocalTestRewind>>;
let view: string;

beforeAll(async () => {
  rewind = await startLocalTestRewind('cli-local-token');
  // Something to list: one small view, served at v1.
  view = rewind.view('token_profile');
  const dev = await rewind.as('dev', ['deployer']);
  expect((await dev.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
});
afterAll(() => rewind.stop());

async function rewindCli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; json: () => any }> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: err, env });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

it('mints a local admin token with the local secret when none is given, and says so', async () => {
  const ran = await rewindCli(['status', '--json'], { REWIND_URL: rewind.url, REWIND_JWT_SECRET: rewind.local.jwtSecret });
  expect(ran.code).toBe(0);
  expect(ran.stderr).toMatch(/^note: no token given; acting as 'local:[^']+' \(admin\), minted with REWIND_JWT_SECRET/);
  expect(ran.json().views).toContainEqual({ view, stable: 1, revision: 1 });
});
