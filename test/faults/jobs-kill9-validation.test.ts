/**
 * `kill -9` of the runtime while a deploy job is still validating, in segments (a file too
 * large for one Lambda invocation: core/job-validation.ts), then a restart on the same data:
 * the job resumes its validation from the last segment's checkpoint, not from the file's
 * start, and records the version an uninterrupted job of the same rows records (the same
 * snapshot, byte for byte). Real processes on this machine: never against a deployed stack.
 */
import { waitUntil } from '../../local/tcp-ports';
import { deployBody } from '../support/fixtures';
import { eventually } from '../support/rewind';
import { kill9 } from '../support/runtime-process';
import { startCrashableRewind, type CrashableRewind } from './crash-harness';

// 40 segments of 100 rows: validation lasts seconds, long enough to be killed in.
const ROWS = 4_000;
const SEGMENT_ROWS = 100;
jest.setTimeout(300_000);

let rewind: CrashableRewind;
beforeAll(async () => {
  process.env.REWIND_JOB_CHUNK_ROWS = String(SEGMENT_ROWS);
  process.env.REWIND_JOB_VALIDATE_SEGMENT_ROWS = String(SEGMENT_ROWS);
  process.env.REWIND_JOB_CONCURRENCY = '4';
  rewind = await startCrashableRewind();
});
afterAll(async () => {
  await rewind?.close();
  delete process.env.REWIND_JOB_CHUNK_ROWS;
  delete process.env.REWIND_JOB_VALIDATE_SEGMENT_ROWS;
  delete process.env.REWIND_JOB_CONCURRENCY;
});

const ENDED = ['succeeded', 'failed', 'cancelled'];

it('a job killed while validating resumes from its last checkpoint and records the snapshot an uninterrupted job records', async () => {
  const started = await rewind.api.post('/views/validated_resumed/versions', deployBody(5, ROWS, { async: true }));
  expect(started.status).toBe(202);
  const { id } = started.body.job;

  let before: { phase: string; status: string; rows: { validated?: number } } | undefined;
  await waitUntil(async () => {
    before = (await rewind.api.get(`/jobs/${id}`)).body;
    return (before!.rows.validated ?? 0) >= 10 * SEGMENT_ROWS || before!.phase !== 'validating' || ENDED.includes(before!.status);
  }, 'ten segments validated', 120_000, 10);
  expect(before!.phase).toBe('validating');
  const validatedBefore = before!.rows.validated!;
  await kill9(rewind.current);
  await rewind.restart();

  // Every count seen after the restart is at least the one before the kill: a validation
  // started again from the file's first row would count 100, 200, … first.
  const seen: number[] = [];
  const job = await eventually(
    () => rewind.api.get(`/jobs/${id}`),
    (r) => {
      if (r.body.phase === 'validating' && r.body.rows.validated !== undefined) seen.push(r.body.rows.validated);
      return ENDED.includes(r.body.status);
    },
    180_000,
  );
  expect(job.body).toMatchObject({ status: 'succeeded', version: 1, rows: { written: ROWS, total: ROWS, validated: ROWS }, chunks: { done: ROWS / SEGMENT_ROWS, total: ROWS / SEGMENT_ROWS } });
  expect(seen.filter((n) => n < validatedBefore)).toEqual([]);

  // The same rows, deployed without a kill: the same snapshot bytes.
  const again = await rewind.api.post('/views/validated_whole/versions', deployBody(5, ROWS, { async: true }));
  await eventually(() => rewind.api.get(`/jobs/${again.body.job.id}`), (r) => ENDED.includes(r.body.status), 180_000);
  const [resumed, whole] = await Promise.all([rewind.api.get('/views/validated_resumed/versions/1'), rewind.api.get('/views/validated_whole/versions/1')]);
  expect(resumed.body).toMatchObject({ version: 1, outcome: 'ready', snapshot: { rows: ROWS } });
  expect(resumed.body.snapshot.sha256).toBe(whole.body.snapshot.sha256);
  expect(await rewind.onlineRows('validated_resumed', 1)).toBe(ROWS);
  expect((await rewind.api.get('/audit/verify')).body.ok).toBe(true);
});
