/**
 * Deploys of any size through the job path (issue 11), side by side in one run, each part in a
 * process of its own (handlers keep their clients for the life of a process, and peak RSS is a
 * process's):
 *  - a `rows`-row deploy (1,000,000 in the full run) by upload, as a job, on the in-memory
 *    local runtime: rows/s against the bare-table ceiling measured in the same run;
 *  - the runtime process's peak RSS at `smallRows` and at `rows`: it must not grow with the rows;
 *  - resume cost: the runtime killed with SIGKILL half-way through a job and started again on
 *    the same emulators (which, like DynamoDB and S3 in AWS, outlive it): the time from the
 *    restart to the job's end against an uninterrupted run of the same job;
 *  - validation in segments: the resume job again, its validation stopped and resumed ten times
 *    (as a file too large for one Lambda invocation is), against the uninterrupted run;
 *  - the streaming profile + preflight of `profileValues` numeric values: time and peak memory.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startDynamoDbLocal, startS3rver } from '../local/emulators';
import { startLocalRewind, type LocalOptions, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { createS3Client } from '../store/clients';
import { StreamingRowsProfile } from '../core/validation/profiles';
import { preflight } from '../core/validation/preflight';
import { resolvePolicy } from '../core/validation/tolerances';
import type { ViewDefinition } from '../core/model';
import { followJob } from './deploy';
import { bareCeiling, definition, row } from './fixture';
import { peakRssMb, round, timed } from './measure';

export interface JobsBenchOptions {
  rows: number;
  smallRows: number;
  /** Rows of the bare-table ceiling: a rate, measured on fewer rows than the deploy. */
  ceilingRows: number;
  resumeRows: number;
  profileValues: number;
}

export const DEFAULT_JOBS_BENCH: JobsBenchOptions = { rows: 1_000_000, smallRows: 100_000, ceilingRows: 100_000, resumeRows: 200_000, profileValues: 10_000_000 };
export const QUICK_JOBS_BENCH: JobsBenchOptions = { rows: 30_000, smallRows: 10_000, ceilingRows: 10_000, resumeRows: 20_000, profileValues: 300_000 };

type Part = 'ceiling' | 'deploy' | 'resume-whole' | 'resume-kill' | 'resume-finish' | 'segmented' | 'profile';
interface PartArgs {
  rows?: number;
  file?: string;
  dynamo?: string;
  s3?: string;
  prefix?: string;
  values?: number;
  /** REWIND_JOB_VALIDATE_SEGMENT_ROWS of the runtime (the `segmented` part). */
  segmentRows?: number;
}

const SECRET = 'bench-jobs-secret';
/** Segments of the `segmented` part: a JSON-lines file is read again up to each one's start. */
const SEGMENTS = 10;

/**
 * One part in a child process. Asynchronous, not spawnSync: the resume parts use the s3rver
 * this process runs, which must keep answering while they do.
 */
async function runPart<T>(part: Part, args: PartArgs, dir: string): Promise<T> {
  const out = join(dir, `${part}-${Date.now()}.json`);
  const child = spawn(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [__filename, part, JSON.stringify(args), out], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  const [code] = (await once(child, 'exit')) as [number | null];
  // resume-kill ends itself with SIGKILL once its result is written.
  if (code !== 0 && part !== 'resume-kill') throw new Error(`jobs bench part ${part} failed (exit ${code})`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

/** A JSON-lines file of `rows` rows, written a line at a time (the bench's own memory stays flat too). */
async function writeRows(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < rows; i++) if (!out.write(`${JSON.stringify(row(i, 1))}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function api(rewind: Pick<LocalRewind, 'url' | 'jwtSecret'>) {
  const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(rewind.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };
}

/** Uploads the file (streamed) and deploys it by snapshotUri; the job's id. */
async function startJob(rewind: LocalRewind, view: string, file: string): Promise<string> {
  const s3 = createS3Client({ forcePathStyle: true });
  const key = `uploads/bench/${view}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: rewind.env.REWIND_SNAPSHOT_BUCKET, Key: key, Body: createReadStream(file), ContentLength: statSync(file).size }));
  s3.destroy();
  const res = await (await api(rewind))('POST', `/views/${view}/versions`, { definition, snapshotUri: `s3://${rewind.env.REWIND_SNAPSHOT_BUCKET}/${key}`, async: true });
  if (res.status !== 202) throw new Error(`deploy → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.job.id as string;
}

function sharedEmulators(args: PartArgs): LocalOptions {
  return { port: 0, dynamoEndpoint: args.dynamo!, s3Endpoint: args.s3!, tablePrefix: args.prefix!, bucket: args.prefix!, jwtSecret: SECRET, monitoring: false };
}

async function part(which: Part, args: PartArgs): Promise<unknown> {
  if (which === 'profile') return profilePart(args.values!);
  if (which === 'ceiling') {
    const rewind = await startLocalRewind({ port: 0, monitoring: false });
    try {
      const endpoint = rewind.onlineDynamoEndpoint ?? rewind.dynamoEndpoint;
      await bareCeiling(endpoint, 'bench-warmup', Math.min(args.rows!, 30_000));
      return { rows: args.rows, rowsPerS: await bareCeiling(endpoint, 'bench-bare', args.rows!) };
    } finally {
      await rewind.stop();
    }
  }
  if (which === 'deploy') {
    const rewind = await startLocalRewind({ port: 0, monitoring: false });
    try {
      const call = await api(rewind);
      // DynamoDB Local (a JVM) writes far slower until it is warm: a small job first, through the same path.
      const warm = join(tmpdir(), `rewind-bench-warm-${process.pid}.jsonl`);
      await writeRows(warm, 20_000);
      await followJob(call, await startJob(rewind, 'warmup', warm));
      rmSync(warm);
      const { ms, value } = await timed(async () => followJob(call, await startJob(rewind, 'large', args.file!)));
      return { rows: value.rows.written, wholeMs: Math.round(ms), materializeRowsPerS: value.rowsPerSecond, chunks: value.chunks.total, peakRssMb: peakRssMb() };
    } finally {
      await rewind.stop();
    }
  }
  // A validation in segments, checkpointing between them, as a file too large for one Lambda invocation is validated.
  if (which === 'segmented') process.env.REWIND_JOB_VALIDATE_SEGMENT_ROWS = String(args.segmentRows);
  const rewind = await startLocalRewind(sharedEmulators(args));
  const call = await api(rewind);
  if (which === 'resume-whole' || which === 'segmented') {
    const { ms } = await timed(async () => followJob(call, await startJob(rewind, 'whole', args.file!)));
    await rewind.stop();
    return { ms: Math.round(ms) };
  }
  if (which === 'resume-kill') {
    const id = await startJob(rewind, 'resumed', args.file!);
    for (;;) {
      const { body } = await call('GET', `/jobs/${id}`);
      if (body.status !== 'running' && body.status !== 'queued') throw new Error(`job ${id} ended (${body.status}) before the kill: make it bigger`);
      if (body.chunks.total > 0 && body.chunks.done * 2 >= body.chunks.total) return { id, chunks: body.chunks };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`unknown part ${which}`);
}

/** The restart: from the runtime's start to the resumed job's end. */
async function finishAfterRestart(args: PartArgs & { id: string }): Promise<{ ms: number; chunks: unknown }> {
  const { ms, value } = await timed(async () => {
    const rewind = await startLocalRewind(sharedEmulators(args));
    try {
      return await followJob(await api(rewind), args.id);
    } finally {
      await rewind.stop();
    }
  });
  return { ms: Math.round(ms), chunks: value.chunks };
}

/** A numeric column, log-normal-ish, from a small deterministic generator: value i of stream `seed`. */
function* numericBatches(values: number, seed: number, batch = 5_000) {
  let x = seed;
  for (let start = 0; start < values; start += batch) {
    const rows = new Array(Math.min(batch, values - start));
    for (let i = 0; i < rows.length; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      rows[i] = { values: { x: Math.exp((3 * x) / 2147483648 + seed / 10) } };
    }
    yield rows;
  }
}

function profilePart(values: number) {
  const view: ViewDefinition = { entity: 'id', features: [{ name: 'x', type: 'float' }], tier: 'standard', owners: [] };
  const baseline = new StreamingRowsProfile(view);
  for (const rows of numericBatches(values, 1)) baseline.add(rows);
  const baselineProfiles = baseline.profiles();
  const started = performance.now();
  const candidate = new StreamingRowsProfile(view);
  for (const rows of numericBatches(values, 2)) candidate.add(rows);
  const report = preflight({ definition: view, consumers: [], profiles: candidate.profiles(), policy: resolvePolicy(undefined), baseline: { version: 1, pinned: false, definition: view, consumers: [], profiles: baselineProfiles } });
  return { values, ms: Math.round(performance.now() - started), status: report.status, findings: report.findings.length, peakRssMb: peakRssMb() };
}

export async function benchJobs(options: JobsBenchOptions = DEFAULT_JOBS_BENCH, log: (line: string) => void = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-jobs-'));
  try {
    log(`bare-table ceiling, ${options.ceilingRows} rows…`);
    const ceiling = await runPart<{ rowsPerS: number }>('ceiling', { rows: options.ceilingRows }, dir);
    const deploys = [];
    for (const rows of [options.smallRows, options.rows]) {
      const file = join(dir, `rows-${rows}.jsonl`);
      await writeRows(file, rows);
      log(`job deploy of ${rows} rows (${Math.round(statSync(file).size / 1e6)} MB of JSON lines) on the in-memory runtime…`);
      deploys.push(await runPart<{ rows: number; wholeMs: number; materializeRowsPerS: number; chunks: number; peakRssMb: number }>('deploy', { rows, file }, dir));
      rmSync(file);
    }
    const [small, large] = deploys as [(typeof deploys)[0], (typeof deploys)[0]];

    log(`resume: ${options.resumeRows} rows, uninterrupted, then killed half-way and restarted…`);
    const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3rver({ buckets: [] })]);
    let resume;
    let segments;
    try {
      const file = join(dir, 'resume.jsonl');
      await writeRows(file, options.resumeRows);
      const shared = { dynamo: dynamo.endpoint, s3: s3.endpoint, file };
      const whole = await runPart<{ ms: number }>('resume-whole', { ...shared, prefix: 'bench-whole' }, dir);
      const killed = await runPart<{ id: string; chunks: { done: number; total: number } }>('resume-kill', { ...shared, prefix: 'bench-resume' }, dir);
      const finished = await finishAfterRestart({ ...shared, prefix: 'bench-resume', id: killed.id });
      resume = { rows: options.resumeRows, uninterruptedMs: whole.ms, killedAtChunks: `${killed.chunks.done}/${killed.chunks.total}`, restartToFinishMs: finished.ms, ratio: round(finished.ms / whole.ms, 2) };
      log(`the same job validated in ${SEGMENTS} segments (checkpoint and resume between each)…`);
      const segmented = await runPart<{ ms: number }>('segmented', { ...shared, prefix: 'bench-segmented', segmentRows: Math.ceil(options.resumeRows / SEGMENTS) }, dir);
      segments = { segments: SEGMENTS, rows: options.resumeRows, wholeMs: whole.ms, segmentedMs: segmented.ms, ratio: round(segmented.ms / whole.ms, 2) };
    } finally {
      await Promise.all([dynamo.stop(), s3.stop()]);
    }

    log(`streaming profile + preflight of ${options.profileValues} numeric values…`);
    const profile = await runPart<{ values: number; ms: number; status: string; peakRssMb: number }>('profile', { values: options.profileValues }, dir);

    const wholeRowsPerS = Math.round(large.rows / (large.wholeMs / 1000));
    return {
      ceilingRows: options.ceilingRows,
      bareCeilingRowsPerS: ceiling.rowsPerS,
      job: { ...large, wholeRowsPerS },
      /** The job's materialization over the bare-table ceiling, same run (expect ≥ 0.85). */
      materializeOverCeiling: round(large.materializeRowsPerS / ceiling.rowsPerS, 2),
      /** POST → version recorded, over the ceiling: validation, snapshot and chunk files included. */
      wholeOverCeiling: round(wholeRowsPerS / ceiling.rowsPerS, 2),
      small,
      /** Peak RSS at `rows` over peak RSS at `smallRows` (expect ≤ 1.5, and ≤ 512 MB). */
      rssRatio: round(large.peakRssMb / small.peakRssMb, 2),
      resume,
      /** The resume job again, its validation in SEGMENTS segments: the whole job's time over the uninterrupted one's. */
      segments,
      profile,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const [which, args, out] = process.argv.slice(2) as [Part, string, string];
  part(which, JSON.parse(args) as PartArgs)
    .then((result) => {
      writeFileSync(out, JSON.stringify(result));
      // The kill lands while the job is half-way, with no chance to stop anything.
      if (which === 'resume-kill') process.kill(process.pid, 'SIGKILL');
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
