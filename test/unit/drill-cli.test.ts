/** `rewind drill …` refuses bad input before connecting anywhere (exit 2, the flag named). */
import { Writable } from 'node:stream';
import { run } from '../../cli/main';

async function cli(argv: string[]) {
  let err = '';
  const stderr = new Writable({ write: (chunk, _e, done) => ((err += String(chunk)), done()) });
  const stdout = new Writable({ write: (_c, _e, done) => done() });
  const code = await run(argv, { stdout, stderr, env: { REWIND_URL: 'http://127.0.0.1:9', REWIND_TOKEN: 't' } } as never);
  return { code, err };
}

it.each([
  [['drill', 'run', '--scenario', 'flood'], /--scenario: must be one of drift, nulls, schema-break, corrupt-snapshot, bad-source/],
  [['drill', 'run', '--scenario', 'drift', '--rows', '-5'], /--rows: must be at least 50/],
  [['drill', 'run', '--scenario', 'drift', '--rps', '5000'], /--rps: must be at most 1000/],
  [['drill', 'run', '--scenario', 'drift', '--target-mttr', 'soon'], /--target-mttr must be a duration like 30s/],
  [['drill', 'matrix', '--rows', '1000,2000000', '--rps', '10'], /--rows: must be at most 1,000,000/],
])('%j', async (argv, message) => {
  const { code, err } = await cli(argv);
  expect(code).toBe(2);
  expect(err).toMatch(message);
});
