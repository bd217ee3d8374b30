/**
 * Deploy throughput of what users run, side by side in one run on the same rows: the in-memory
 * runtime (tests, the demo, the rest of the bench) and the persisted runtime `npm start` starts
 * (data under a data directory; its online table in a second, in-memory DynamoDB Local rebuilt at
 * start, local/online-rebuild.ts). For each: the bare-table ceiling (8 concurrent BatchWriteItem
 * on the DynamoDB Local that holds its online table), the whole deploy (upload of JSON lines to
 * s3rver + POST /views/{view}/versions by snapshotUri: parse, checks, statistics, Parquet
 * snapshot, online rows, record) and its materialization alone. For the persisted runtime also
 * the ceiling of its on-disk DynamoDB Local (where the online table used to be, on fewer rows:
 * it is that slow), and the restart-to-serving time of a view serving those rows.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../store/clients';
import { startLocalRewind, type LocalOptions, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { bareCeiling, definition, jsonLines } from './fixture';
import { round, timed } from './measure';

export interface DeployBenchOptions {
  rows: number;
  /** Rows for the on-disk DynamoDB Local's ceiling (hundreds of rows a second: the full count would take many minutes). */
  onDiskCeilingRows: number;
}

export const DEFAULT_DEPLOY_BENCH: DeployBenchOptions = { rows: 300_000, onDiskCeilingRows: 10_000 };

/**
 * Upload as JSON lines (as `rewind deploy --data` does through POST /uploads), then deploy by
 * snapshotUri. Over REWIND_SYNC_DEPLOY_MAX_ROWS the deploy is a job (202): it is followed to
 * its end, as the CLI follows it, and its materialization time is the job's.
 */
async function deployByUpload(rewind: LocalRewind, view: string, body: string): Promise<{ wholeMs: number; materializeMs: number; rows: number; job: boolean }> {
  const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(`${rewind.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(json ? { body: JSON.stringify(json) } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const { ms, value } = await timed(async () => {
    const s3 = createS3Client({ forcePathStyle: true });
    const key = `uploads/bench/${view}.jsonl`;
    await s3.send(new PutObjectCommand({ Bucket: rewind.env.REWIND_SNAPSHOT_BUCKET, Key: key, Body: body }));
    s3.destroy();
    const res = await call('POST', `/views/${view}/versions`, { definition, snapshotUri: `s3://${rewind.env.REWIND_SNAPSHOT_BUCKET}/${key}`, activate: true });
    if (res.status === 201) return { rows: res.body.materialized.rows as number, materializeMs: res.body.materialized.ms as number, job: false };
    if (res.status !== 202) throw new Error(`deploy → ${res.status} ${JSON.stringify(res.body)}`);
    const job = await followJob(call, res.body.job.id);
    return { rows: job.rows.written as number, materializeMs: Math.round((job.rows.written / job.rowsPerSecond) * 1000), job: true };
  });
  return { wholeMs: Math.round(ms), ...value };
}

/** Polls GET /jobs/{id} (every 250 ms, as a follower does) until the job ends; throws unless it succeeded. */
export async function followJob(call: (method: string, path: string) => Promise<{ body: any }>, id: string): Promise<any> {
  for (;;) {
    const { body } = await call('GET', `/jobs/${id}`);
    if (body.status === 'succeeded') return body;
    if (['failed', 'cancelled'].includes(body.status)) throw new Error(`job ${id} ${body.status}: ${JSON.stringify(body.error)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function measureRuntime(options: LocalOptions, rows: number, body: string, log: (line: string) => void) {
  const rewind = await startLocalRewind({ port: 0, ...options });
  try {
    const onlineEndpoint = rewind.onlineDynamoEndpoint ?? rewind.dynamoEndpoint;
    // DynamoDB Local is a JVM and writes far slower until it is warm.
    log('  warming up the online table’s DynamoDB Local…');
    await bareCeiling(onlineEndpoint, 'bench-warmup', Math.min(rows, 30_000));
    log(`  bare-table ceiling, ${rows} rows…`);
    const ceilingRowsPerS = await bareCeiling(onlineEndpoint, 'bench-bare', rows);
    log(`  deploying ${rows} rows by upload…`);
    const deploy = await deployByUpload(rewind, 'large', body);
    if (deploy.rows !== rows) throw new Error(`deployed ${deploy.rows} rows, expected ${rows}`);
    return { rewind, ceilingRowsPerS, deploy };
  } catch (error) {
    await rewind.stop();
    throw error;
  }
}

type Part = 'in-memory' | 'npm-start' | 'restart';

/**
 * One part in a process of its own: the handlers keep their clients for the life of a process
 * (as in Lambda), so a second runtime on other endpoints in the same process would reach the first.
 */
function runPart<T>(part: Part, rows: number, dataDir: string, onDiskCeilingRows: number): T {
  const out = join(dataDir, `${part}.json`);
  const run = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [__filename, part, String(rows), dataDir, String(onDiskCeilingRows), out], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`deploy bench part ${part} failed (exit ${run.status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

const bodyOf = (rows: number) => jsonLines(rows);

const side = (rows: number, r: { ceilingRowsPerS: number; deploy: { wholeMs: number; materializeMs: number; job: boolean } }) => ({
  /** `job` over REWIND_SYNC_DEPLOY_MAX_ROWS (202, followed to its end), else `sync` (201). */
  path: r.deploy.job ? 'job' : 'sync',
  bareCeilingRowsPerS: r.ceilingRowsPerS,
  deployWholeMs: r.deploy.wholeMs,
  deployWholeRowsPerS: Math.round(rows / (r.deploy.wholeMs / 1000)),
  materializeRowsPerS: Math.round(rows / (r.deploy.materializeMs / 1000)),
});

async function part(which: Part, rows: number, dataDir: string, onDiskCeilingRows: number, log: (line: string) => void): Promise<unknown> {
  if (which === 'in-memory') {
    log('in-memory runtime (no data directory)…');
    const memory = await measureRuntime({}, rows, bodyOf(rows), log);
    await memory.rewind.stop();
    return side(rows, memory);
  }
  if (which === 'npm-start') {
    log(`persisted runtime, as npm start (data in ${dataDir})…`);
    const persisted = await measureRuntime({ dataDir, checkpointIntervalMs: 0 }, rows, bodyOf(rows), log);
    try {
      log(`  on-disk DynamoDB Local’s ceiling, ${onDiskCeilingRows} rows…`);
      const onDiskCeilingRowsPerS = await bareCeiling(persisted.rewind.dynamoEndpoint, 'bench-bare-disk', onDiskCeilingRows);
      return { ...side(rows, persisted), onDiskCeilingRows, onDiskCeilingRowsPerS };
    } finally {
      await persisted.rewind.stop();
    }
  }
  log('  restart on the same data: time until the rebuilt view serves…');
  const restart = await timed(() => startLocalRewind({ port: 0, dataDir, checkpointIntervalMs: 0 }));
  const again = restart.value;
  try {
    const token = await mintToken(again.jwtSecret, { sub: 'bench', roles: ['viewer'] });
    const probe = (await (await fetch(`${again.url}/online/large/u${rows - 1}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { found?: boolean };
    if (probe.found !== true) throw new Error(`after the restart the last row is not served: ${JSON.stringify(probe)}`);
    return { rows, toServingMs: Math.round(restart.ms), rebuildMs: again.rebuild?.ms ?? 0, rebuiltRows: again.rebuild?.rows ?? 0 };
  } finally {
    await again.stop();
  }
}

export async function benchDeploy(options: DeployBenchOptions = DEFAULT_DEPLOY_BENCH) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rewind-bench-data-'));
  try {
    const inMemory = runPart<ReturnType<typeof side>>('in-memory', options.rows, dataDir, options.onDiskCeilingRows);
    const npmStart = runPart<ReturnType<typeof side> & { onDiskCeilingRows: number; onDiskCeilingRowsPerS: number }>('npm-start', options.rows, dataDir, options.onDiskCeilingRows);
    const restart = runPart<{ rows: number; toServingMs: number; rebuildMs: number; rebuiltRows: number }>('restart', options.rows, dataDir, options.onDiskCeilingRows);
    return {
      rows: options.rows,
      inMemory,
      npmStart,
      /** npm start's materialization over the in-memory runtime's bare ceiling, same run (target ≥ 0.8). */
      npmStartOverInMemoryCeiling: round(npmStart.materializeRowsPerS / inMemory.bareCeilingRowsPerS, 2),
      /** The whole deploy on npm start, seconds (target < 120 for 300,000 rows). */
      npmStartDeploySeconds: round(npmStart.deployWholeMs / 1000, 1),
      restart,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const [which, rows, dataDir, onDiskCeilingRows, out] = process.argv.slice(2) as [Part, string, string, string, string];
  part(which, Number(rows), dataDir, Number(onDiskCeilingRows), (l) => console.error(l))
    .then((result) => {
      writeFileSync(out, JSON.stringify(result));
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
