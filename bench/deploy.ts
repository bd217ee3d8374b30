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
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../store/clients';
import { startLocalRewind, type LocalOptions, type LocalRewind } from '../local/runtime';
import { mintToken } from '../local/tokens';
import { round, timed } from './measure';

export interface DeployBenchOptions {
  rows: number;
  /** Rows for the on-disk DynamoDB Local's ceiling (hundreds of rows a second: the full count would take many minutes). */
  onDiskCeilingRows: number;
}

export const DEFAULT_DEPLOY_BENCH: DeployBenchOptions = { rows: 300_000, onDiskCeilingRows: 10_000 };

const definition = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int', default: 0 },
    { name: 'country', type: 'string', default: 'unknown' },
    { name: 'avg_basket', type: 'float' },
    { name: 'is_premium', type: 'bool', default: false },
  ],
};

const row = (i: number) => ({ user_id: `u${i}`, age: 18 + ((i * 7) % 60), country: ['FR', 'DE', 'US', 'JP'][i % 4], avg_basket: ((i * 13) % 2000) / 10, is_premium: i % 3 === 0 });

function documentClientAt(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint }));
}

/** The ceiling: `rows` items into a fresh bare table, 25 per BatchWriteItem, 8 in flight; rows/s. */
async function bareCeiling(endpoint: string, table: string, rows: number): Promise<number> {
  const db = documentClientAt(endpoint);
  try {
    await db.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const items = Array.from({ length: rows }, (_, i) => {
      const { user_id, ...v } = row(i);
      return { pk: `bench#1#${user_id}`, v };
    });
    let next = 0;
    const { ms } = await timed(() =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < items.length) {
            const start = next;
            next = Math.min(items.length, next + 25);
            let pending: Record<string, unknown>[] = items.slice(start, next).map((Item) => ({ PutRequest: { Item } }));
            while (pending.length) {
              const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
              pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
            }
          }
        }),
      ),
    );
    return Math.round(rows / (ms / 1000));
  } finally {
    db.destroy();
  }
}

/** Upload as JSON lines (as `rewind deploy --data` does through POST /uploads), then deploy by snapshotUri. */
async function deployByUpload(rewind: LocalRewind, view: string, body: string): Promise<{ wholeMs: number; materializeMs: number; rows: number }> {
  const token = await mintToken(rewind.jwtSecret, { sub: 'bench', roles: ['admin'] });
  const { ms, value } = await timed(async () => {
    const s3 = createS3Client({ forcePathStyle: true });
    const key = `uploads/bench/${view}.jsonl`;
    await s3.send(new PutObjectCommand({ Bucket: rewind.env.REWIND_SNAPSHOT_BUCKET, Key: key, Body: body }));
    s3.destroy();
    const res = await fetch(`${rewind.url}/views/${view}/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ definition, snapshotUri: `s3://${rewind.env.REWIND_SNAPSHOT_BUCKET}/${key}`, activate: true }),
    });
    const json = (await res.json()) as { materialized: { rows: number; ms: number } };
    if (res.status !== 201) throw new Error(`deploy → ${res.status} ${JSON.stringify(json)}`);
    return json;
  });
  return { wholeMs: Math.round(ms), materializeMs: value.materialized.ms, rows: value.materialized.rows };
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

const bodyOf = (rows: number) => {
  const lines: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) lines[i] = JSON.stringify(row(i));
  return lines.join('\n');
};

const side = (rows: number, r: { ceilingRowsPerS: number; deploy: { wholeMs: number; materializeMs: number } }) => ({
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
