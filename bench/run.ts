/**
 * `npm run bench`: every benchmark in one run, side by side, printed as tables and written
 * to bench/results/latest.json. Set BENCH_QUICK=1 for a smaller smoke run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printTable } from './measure';
import { DEFAULT_SPINE, benchSpine } from './spine';
import { benchStats } from './stats';
import { benchTimeToRecover } from './recovery';
import { benchServingSample } from './serving-sample';
import { DEFAULT_CANARY_BENCH, benchCanaryServing } from './canary';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const spineOptions = quick
    ? { ...DEFAULT_SPINE, largeRows: 10_000, rollbackRuns: 10, plainRollbackRuns: 1, servingRuns: 300, singlePutRows: 300 }
    : DEFAULT_SPINE;
  const started = new Date();
  const spine = await benchSpine(spineOptions);
  const stats = await benchStats();
  const recovery = await benchTimeToRecover(quick ? { trials: 2 } : {});
  const sampling = await benchServingSample(quick ? { ops: 50_000 } : {});
  const canary = await benchCanaryServing(quick ? { ...DEFAULT_CANARY_BENCH, runs: 300, warmup: 50 } : DEFAULT_CANARY_BENCH);

  printTable('Rollback latency through the HTTP API (ms)', [
    { rows: spine.rollback.smallRows, runs: spine.rollback.runs, median: spine.rollback.smallMedianMs, p99: spine.rollback.smallP99Ms },
    { rows: spine.rollback.largeRows, runs: spine.rollback.runs, median: spine.rollback.largeMedianMs, p99: spine.rollback.largeP99Ms },
  ]);
  console.log(`ratio of medians (${spine.rollback.largeRows} / ${spine.rollback.smallRows} rows): ${spine.rollback.largeOverSmallMedianRatio} (target ≤ 1.25)`);
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
  printTable('Drift statistics (one numeric feature)', stats.map((r) => ({ step: r.name, values: r.values, medianMs: r.medianMs, runs: r.runs })));

  printTable('Time to recover on the local runtime, 1 s alarm periods (activation of the bad version → serving the good one)', recovery.map((r) => ({ name: r.name, trials: r.trialsMs.length, medianMs: r.medianMs, maxMs: r.maxMs })));
  printTable('Serving-sample cost (in-memory serve, so the sampler is not hidden by I/O)', sampling.map((r) => ({ step: r.name, nsPerOp: r.nsPerOp, overheadPct: r.overheadPct ?? '', ops: r.ops })));
  printTable('Canary vs plain view through the handler (ms)', [
    { view: 'plain', median: canary.plainMedianMs, p99: canary.plainP99Ms },
    { view: `canary ${canary.percent}%`, median: canary.canaryMedianMs, p99: canary.canaryP99Ms },
  ]);
  console.log(`median ratio ${canary.medianRatio}; candidate share ${canary.candidateShare}; pointer reads per request ${canary.pointerReadsPerRequest}; arm choice ${canary.routeMedianUs} µs`);

  const results = { startedAt: started.toISOString(), node: process.version, quick, spine, stats, recovery, sampling, canary };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, quick ? 'quick.json' : 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten to bench/results/${quick ? 'quick' : 'latest'}.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
