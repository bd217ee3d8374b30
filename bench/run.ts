/**
 * `npm run bench`: every benchmark in one run, side by side, printed as tables and written
 * to bench/results/latest.json. Set BENCH_QUICK=1 for a smaller smoke run; `--only <group>`
 * (e.g. `npm run bench -- --only deploy`) runs one group alone and prints its result as JSON
 * (written to bench/results/<group>.json, the full run's file untouched).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, type Group } from './child';
import type { benchCanaryServing } from './canary';
import type { benchBatchServing } from './batch';
import type { benchDeploy } from './deploy';
import type { benchFalseRollbacks } from './false-rollbacks';
import type { benchRefusalFlood } from './refusal-flood';
import { printTable } from './measure';
import type { benchTimeToRecover } from './recovery';
import type { benchServingSample } from './serving-sample';
import type { benchSpine } from './spine';
import type { benchStats } from './stats';

type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** One group per process (see bench/child.ts); groups run one after another, never together. */
function runGroup<T>(group: Group): T {
  const out = join(mkdtempSync(join(tmpdir(), 'rewind-bench-')), `${group}.json`);
  console.error(`\n== ${group} ==`);
  const run = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, 'child.ts'), group, out], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  if (run.status !== 0) throw new Error(`benchmark group ${group} failed (exit ${run.status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

/** `--only <group>`: one group, its result printed and written on its own. */
function onlyGroup(argv: readonly string[]): Group | undefined {
  const at = argv.indexOf('--only');
  if (at < 0) return undefined;
  const group = argv[at + 1];
  if (!group || !(group in GROUPS)) throw new Error(`--only needs one of: ${Object.keys(GROUPS).join(', ')}`);
  return group as Group;
}

/** What users run, side by side: the in-memory runtime and `npm start` (bench/deploy.ts). */
function printDeploy(deploy: Result<typeof benchDeploy>): void {
  printTable(`Deploy of ${deploy.rows} rows by upload, in-memory runtime vs npm start (rows/s)`, [
    { runtime: 'in-memory (tests, demo, spine bench)', ...deploy.inMemory },
    { runtime: 'npm start (data on disk, online table in memory)', ...deploy.npmStart },
  ]);
  console.log(
    `npm start materialization ÷ in-memory bare ceiling: ${deploy.npmStartOverInMemoryCeiling} (target ≥ 0.8); ` +
      `npm start whole deploy ${deploy.npmStartDeploySeconds} s (target < 120 s at 300,000 rows); ` +
      `on-disk DynamoDB Local ceiling ${deploy.npmStart.onDiskCeilingRowsPerS} rows/s (${deploy.npmStart.onDiskCeilingRows} rows); ` +
      `restart to serving ${deploy.rows} rows: ${deploy.restart.toServingMs} ms (rebuild ${deploy.restart.rebuildMs} ms)`,
  );
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const only = onlyGroup(process.argv.slice(2));
  if (only) {
    const result = runGroup<unknown>(only);
    console.log(JSON.stringify(result, null, 2));
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${only}${quick ? '.quick' : ''}.json`), JSON.stringify({ startedAt: new Date().toISOString(), node: process.version, quick, [only]: result }, null, 2) + '\n');
    return;
  }
  const started = new Date();
  const spine = runGroup<Result<typeof benchSpine>>('spine');
  const deploy = runGroup<Result<typeof benchDeploy>>('deploy');
  const stats = runGroup<Result<typeof benchStats>>('stats');
  const recovery = runGroup<Result<typeof benchTimeToRecover>>('recovery');
  const sampling = runGroup<Result<typeof benchServingSample>>('sampling');
  const canary = runGroup<Result<typeof benchCanaryServing>>('canary');
  const falseRollbacks = runGroup<Result<typeof benchFalseRollbacks>>('false-rollbacks');
  const batch = runGroup<Result<typeof benchBatchServing>>('batch');
  const refusalFlood = runGroup<Result<typeof benchRefusalFlood>>('refusal-flood');

  printTable('Rollback latency through the HTTP API (ms)', [
    { rows: spine.rollback.smallRows, runs: spine.rollback.runs, median: spine.rollback.smallMedianMs, p99: spine.rollback.smallP99Ms },
    { rows: spine.rollback.largeRows, runs: spine.rollback.runs, median: spine.rollback.largeMedianMs, p99: spine.rollback.largeP99Ms },
  ]);
  console.log(`ratio of medians (${spine.rollback.largeRows} / ${spine.rollback.smallRows} rows): ${spine.rollback.largeOverSmallMedianRatio} (target ≤ 1.25)`);
  console.log(
    `rollback (${spine.rollback.smallRows} rows) vs a bare TransactWriteItems of the same items on the same tables: ` +
      `${spine.rollback.smallMedianMs} ms vs ${spine.rollback.bareTransactionMedianMs} ms, ratio ${spine.rollback.overBareTransactionRatio} (target ≤ 1.5)`,
  );
  printTable('Rollback the plain way: re-write the previous version’s rows', [
    { rows: spine.plain.rows, runs: spine.plain.runs, medianMs: spine.plain.medianMs, 'times slower than Rewind': spine.plain.ratioToRewind },
  ]);
  printTable('Serving: GET /online handler vs bare GetItem (ms)', [
    { path: 'handler (middy, auth, cached pointer, GetItem, defaults)', median: spine.serving.handlerMedianMs, p99: spine.serving.handlerP99Ms },
    { path: 'bare GetItem', median: spine.serving.bareGetItemMedianMs, p99: spine.serving.bareGetItemP99Ms },
  ]);
  console.log(`median ratio: ${spine.serving.medianRatio} (target ≤ 1.5)`);
  printTable('Materialization (rows/s)', [
    { path: `deploy of ${spine.materialization.rows} rows (8 × BatchWriteItem)`, 'rows/s': spine.materialization.deployRowsPerS },
    { path: 'bare table, 8 × BatchWriteItem (ceiling)', 'rows/s': spine.materialization.bareCeilingRowsPerS },
    { path: 'one PutItem at a time', 'rows/s': spine.materialization.singlePutRowsPerS },
  ]);
  console.log(
    `deploy vs one-at-a-time: ${spine.materialization.speedupOverSinglePut}× (target ≥ 6×); ` +
      `${Math.round(spine.materialization.fractionOfCeiling * 100)}% of the bare-table ceiling; peak RSS ${spine.materialization.peakRssMb} MB (limit 512)`,
  );
  printDeploy(deploy);
  printTable('Drift statistics (one numeric feature)', stats.map((r) => ({ step: r.name, values: r.values, medianMs: r.medianMs, runs: r.runs })));

  printTable('Time to recover on the local runtime, 1 s alarm periods (activation of the bad version → serving the good one)', recovery.map((r) => ({ name: r.name, trials: r.trialsMs.length, medianMs: r.medianMs, maxMs: r.maxMs })));
  printTable('Serving-sample cost (in-memory serve, so the sampler is not hidden by I/O)', sampling.map((r) => ({ step: r.name, nsPerOp: r.nsPerOp, overheadPct: r.overheadPct ?? '', ops: r.ops })));
  printTable('Canary vs plain view through the handler (ms)', [
    { view: 'plain', median: canary.plainMedianMs, p99: canary.plainP99Ms },
    { view: `canary ${canary.percent}%`, median: canary.canaryMedianMs, p99: canary.canaryP99Ms },
  ]);
  console.log(`median ratio ${canary.medianRatio}; candidate share ${canary.candidateShare}; pointer reads per request ${canary.pointerReadsPerRequest}; arm choice ${canary.routeMedianUs} µs`);

  const noise = [...falseRollbacks.rates, falseRollbacks.lowTraffic.rates];
  const delays = [...falseRollbacks.detection, falseRollbacks.lowTraffic.detection];
  printTable(
    `False rollbacks under no change (simulated, default monitor policy, 5 numeric + 5 categorical features, seed ${falseRollbacks.seed})`,
    noise.map((r) => ({
      'req/s': r.requestsPerSecond,
      'period s': r.periodSeconds,
      'view-hours': r.viewHours,
      published: r.published,
      'false rollbacks': r.falseRollbacks,
      'bound per 1,000 view-hours': r.modelUpperBoundPer1000ViewHours,
    })),
  );
  console.log(`target < ${falseRollbacks.target.falseRollbacksPer1000ViewHours} per 1,000 view-hours; raw JS > 0.2 at 100 samples (the old default): ${falseRollbacks.rawAt100Samples.jsAbove02} of ${falseRollbacks.rawAt100Samples.windows} healthy windows`);
  printTable(
    "Detection delay for the demo's faulty v2 shift (fault → alarm, s)",
    delays.map((d) => ({ 'req/s': d.requestsPerSecond, 'period s': d.periodSeconds, trials: d.trials, detected: d.detected, median: d.medianDelaySeconds ?? '—', max: d.maxDelaySeconds ?? '—' })),
  );

  printTable(`Batch online reads: ${batch.entities} entities in one POST /online/{view}/batch vs ${batch.entities} GET /online calls, through the handlers (ms)`, [
    { path: 'one batch call', median: batch.batchMedianMs, p99: batch.batchP99Ms },
    { path: `${batch.entities} single calls`, median: batch.singlesMedianMs, p99: batch.singlesP99Ms },
  ]);
  console.log(`batch speedup ${batch.speedup}× (target ≥ 10×)`);
  printTable('Pointer changes while refused requests flood the same view (ms)', refusalFlood.map((r) => ({ load: r.name, changes: r.changes, median: r.medianMs, p95: r.p95Ms, max: r.maxMs, failed: r.failed })));

  const results = { startedAt: started.toISOString(), node: process.version, quick, spine, deploy, stats, recovery, sampling, canary, falseRollbacks, batch, refusalFlood };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, quick ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten to bench/results/${quick ? 'quick' : 'latest'}.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
