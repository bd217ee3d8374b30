/** Runs the `rewind` CLI in process against a Rewind, as a caller: exit code and what it printed. */
import { run } from '../../cli/main';

export async function runCli(url: string, token: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => ((stderr += s), true) } as never, env: { REWIND_URL: url, REWIND_TOKEN: token } });
  return { code, stdout, stderr };
}
