/**
 * `npm run bench`: every benchmark in one run, side by side, printed as tables and written
 * to bench/results/latest.json. Set BENCH_QUICK=1 for a smaller smoke run.
 *
 * `npm run bench -- --only recovery,detection` runs only the groups named (bench/child.ts
 * GROUPS) and prints their tables; its results go to bench/results/only.json, so a partial run
 * never overwrites the full one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Group } from './child';
import type { benchCanaryServing } from './canary';
import type { benchBatchServing } from './batch';
import type { benchDetection } from './detection';
import type { benchDrills } from './drills';
import type { benchDeploy } from './deploy';
import type { benchFalseRollbacks } from './false-rollbacks';
import type { benchJobs } from './jobs';
import type { benchRefusalFlood } from './refusal-flood';
import { printTable } from './measure';
import type { benchTimeToRecover } from './recovery';
import type { benchServingSample } from './serving-sample';
import type { benchSpine } from './spine';
import type { benchStats } from './stats';
import type { benchTimeTravel } from './time-travel';

type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** One group per process (see bench/child.ts); groups run one after another, never together. */
function runGroup<T>(group: Group): T {
  const out = join(mkdtempSync(join(tmpdir(), 'rewind-bench-')), `${group}.json`);
  console.error(`\n== ${group} ==`);
  const run = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, 'child.ts'), group, out], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  if (run.status !== 0) throw new Error(`benchmark group ${group} failed (exit ${run.status})`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

/** Every group, in the order a full run runs them (bench/child.ts GROUPS). */
const GROUP_NAMES: readonly Group[] = ['spine', 'deploy', 'jobs', 'stats', 'recovery', 'detection', 'drills', 'drills-10s', 'sampling', 'canary', 'false-rollbacks', 'batch', 'refusal-flood', 'time-travel'];

/** The groups `--only a,b` names (every group without it); an unknown name fails before anything runs. */
function selectedGroups(argv: readonly string[]): Set<Group> | undefined {
  const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (at < 0) return undefined;
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--only='.length) : argv[at + 1];
  const names = (value ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(GROUP_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${GROUP_NAMES.join(', ')}; got '${value ?? ''}'`);
  return new Set(names as Group[]);
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

/** Time travel: a purged version's snapshot (one row group) vs the online store, and a training set's rows/s. */
function printTimeTravel(t: Result<typeof benchTimeTravel>): void {
  printTable(`GET /online?at= through the as-of handler, ${t.lookups} lookups (ms; S3 bytes per lookup)`, [
    { 'served from': `purged version's snapshot (${t.snapshotRows} rows, ${t.rowGroups} row groups, ${t.snapshotBytes} bytes)`, median: t.fromSnapshot.medianMs, p99: t.fromSnapshot.p99Ms, 'S3 bytes/lookup': t.fromSnapshot.s3BytesPerLookup, 'first (with footer)': t.fromSnapshot.s3BytesFirstLookup },
    { 'served from': 'online store', median: t.fromOnline.medianMs, p99: t.fromOnline.p99Ms, 'S3 bytes/lookup': t.fromOnline.s3BytesPerLookup, 'first (with footer)': t.fromOnline.s3BytesFirstLookup },
  ]);
  console.log(`snapshot ÷ online (medians): ${t.snapshotOverOnlineMedian}; training set of ${t.trainingSet.rows} rows over ${t.trainingSet.changes} pointer changes: ${t.trainingSet.rowsPerS} rows/s (${t.trainingSet.ms} ms)`);
}

/** Deploys through the job path (bench/jobs.ts): throughput, memory, resume, streaming profile. */
function printJobs(jobs: Result<typeof benchJobs>): void {
  printTable(`Deploy jobs on the in-memory local runtime (bare-table ceiling ${jobs.bareCeilingRowsPerS} rows/s, ${jobs.ceilingRows} rows)`, [
    { rows: jobs.small.rows, 'whole s': round1(jobs.small.wholeMs), 'materialize rows/s': jobs.small.materializeRowsPerS, 'peak RSS MB': jobs.small.peakRssMb },
    { rows: jobs.job.rows, 'whole s': round1(jobs.job.wholeMs), 'materialize rows/s': jobs.job.materializeRowsPerS, 'peak RSS MB': jobs.job.peakRssMb },
  ]);
  console.log(
    `job materialization ÷ ceiling ${jobs.materializeOverCeiling} (expect ≥ 0.85), whole deploy ÷ ceiling ${jobs.wholeOverCeiling}; peak RSS ratio ${jobs.rssRatio} (expect ≤ 1.5, ≤ 512 MB); ` +
      `resume of ${jobs.resume.rows} rows killed at ${jobs.resume.killedAtChunks} chunks: restart → done ${jobs.resume.restartToFinishMs} ms vs uninterrupted ${jobs.resume.uninterruptedMs} ms (ratio ${jobs.resume.ratio}, expect ≤ 0.7); ` +
      `the same job validated in ${jobs.segments.segments} segments: ${jobs.segments.segmentedMs} ms vs ${jobs.segments.wholeMs} ms (ratio ${jobs.segments.ratio}); ` +
      `streaming profile + preflight of ${jobs.profile.values} values: ${jobs.profile.ms} ms, peak RSS ${jobs.profile.peakRssMb} MB`,
  );
}

const round1 = (ms: number) => Math.round(ms / 100) / 10;

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const only = selectedGroups(process.argv.slice(2));
  const started = new Date();
  const wanted = (group: Group) => !only || only.has(group);
  const maybe = <T>(group: Group): T | undefined => (wanted(group) ? runGroup<T>(group) : undefined);
  const spine = maybe<Result<typeof benchSpine>>('spine');
  const deploy = maybe<Result<typeof benchDeploy>>('deploy');
  const jobs = maybe<Result<typeof benchJobs>>('jobs');
  const stats = maybe<Result<typeof benchStats>>('stats');
  const recovery = maybe<Result<typeof benchTimeToRecover>>('recovery');
  const detection = maybe<Result<typeof benchDetection>>('detection');
  const drills1s = maybe<Result<typeof benchDrills>>('drills');
  const drills10s = maybe<Result<typeof benchDrills>>('drills-10s');
  const drills = drills1s || drills10s ? [...(drills1s ?? []), ...(drills10s ?? [])] : undefined;
  const sampling = maybe<Result<typeof benchServingSample>>('sampling');
  const canary = maybe<Result<typeof benchCanaryServing>>('canary');
  const falseRollbacks = maybe<Result<typeof benchFalseRollbacks>>('false-rollbacks');
  const batch = maybe<Result<typeof benchBatchServing>>('batch');
  const refusalFlood = maybe<Result<typeof benchRefusalFlood>>('refusal-flood');
  const timeTravel = maybe<Result<typeof benchTimeTravel>>('time-travel');

  if (spine) {
    printTable('Rollback latency through the HTTP API (ms)', [
      { rows: spine.rollback.smallRows, runs: spine.rollback.runs, median: spine.rollback.smallMedianMs, p99: spine.rollback.smallP99Ms },
      { rows: spine.rollback.largeRows, runs: spine.rollback.runs, median: spine.rollback.largeMedianMs, p99: spine.rollback.largeP99Ms },
    ]);
    console.log(`ratio of medians (${spine.rollback.largeRows} / ${spine.rollback.smallRows} rows): ${spine.rollback.largeOverSmallMedianRatio} (target ≤ 1.25)`);
    console.log(
      `rollback (${spine.rollback.smallRows} rows) vs a bare TransactWriteItems of the same items on the same tables: ` +
        `${spine.rollback.smallMedianMs} ms vs ${spine.rollback.bareTransactionMedianMs} ms, ratio ${spine.rollback.overBareTransactionRatio} (target ≤ 1.5)`,
    );
    console.log(`the same rollback answered without the blast-radius report inline (blastRadius: 'link'): ${spine.rollback.linkMedianMs} ms, ratio ${spine.rollback.linkOverBareTransactionRatio}`);
    console.log(
      `the same rollback through its handler (blastRadius: 'link'), no local HTTP gateway: ${spine.rollback.handlerMedianMs} ms, ratio ${spine.rollback.handlerOverBareTransactionRatio}; ` +
        `floor of the shape (one consistent GetItem ${spine.rollback.bareReadMedianMs} ms + the bare transaction): ratio ${spine.rollback.shapeFloorRatio}`,
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
  }
  if (deploy) printDeploy(deploy);
  if (jobs) printJobs(jobs);
  if (stats) printTable('Drift statistics (one numeric feature)', stats.map((r) => ({ step: r.name, values: r.values, medianMs: r.medianMs, runs: r.runs })));

  if (recovery)
    printTable(
      'Time to recover on the local runtime (activation of the bad version → automatic rollback committed → serving the good one)',
      recovery.map((r) => ({ name: r.name, trials: r.trialsMs.length, 'rollback median ms': r.medianRollbackMs, 'served median ms': r.medianMs, 'served max ms': r.maxMs, 'req/s': r.requestsPerSecond.join(' ') })),
    );
  if (drills) {
    printTable('Drills on the local runtime (cli/drills/runner.ts over HTTP): fault injected → detected, → the good version served everywhere', drills.map((d) => ({ settings: d.settings, scenario: d.scenario, rows: d.rows, 'req/s': d.rps, 'MTTD ms': d.mttdMs ?? '—', 'MTTR ms': d.mttrMs ?? '—', 'target s': d.targetS, 'served bad': d.servedBad, requests: d.requests, outcome: d.outcome })));
    for (const d of drills.filter((x) => x.failures.length)) console.log(`  ${d.settings} ${d.scenario}: ${d.failures.join('; ')}`);
  }
  if (detection) {
    printTable("Fast-detection budget on the local runtime: the demo's faulty v2 injected → automatic rollback (ms)", [
      { settings: detection.name, trials: detection.trialsMs.length, 'rollback median': detection.medianRollbackMs, 'rollback trials': detection.rollbackMs.join(' '), 'served median': detection.medianMs, 'served max': detection.maxMs, 'req/s': detection.requestsPerSecond.join(' ') },
    ]);
    console.log(`target ≤ ${detection.targetMs} ms (docs/validation-and-auto-rollback.md, "Time to recover with fast detection"); minSamples ${detection.settings.minSamples}`);
  }
  if (sampling) printTable('Serving-sample cost (in-memory serve, so the sampler is not hidden by I/O)', sampling.map((r) => ({ step: r.name, nsPerOp: r.nsPerOp, overheadPct: r.overheadPct ?? '', ops: r.ops })));
  if (canary) {
    printTable('Canary vs plain view through the handler (ms)', [
      { view: 'plain', median: canary.plainMedianMs, p99: canary.plainP99Ms },
      { view: `canary ${canary.percent}%`, median: canary.canaryMedianMs, p99: canary.canaryP99Ms },
    ]);
    console.log(`median ratio ${canary.medianRatio}; candidate share ${canary.candidateShare}; pointer reads per request ${canary.pointerReadsPerRequest}; arm choice ${canary.routeMedianUs} µs`);
  }
  if (falseRollbacks) {
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
  }
  if (batch) {
    printTable(`Batch online reads: ${batch.entities} entities in one POST /online/{view}/batch vs ${batch.entities} GET /online calls, through the handlers (ms)`, [
      { path: 'one batch call', median: batch.batchMedianMs, p99: batch.batchP99Ms },
      { path: `${batch.entities} single calls`, median: batch.singlesMedianMs, p99: batch.singlesP99Ms },
    ]);
    console.log(`batch speedup ${batch.speedup}× (target ≥ 10×)`);
  }
  if (refusalFlood) printTable('Pointer changes while refused requests flood the same view (ms)', refusalFlood.map((r) => ({ load: r.name, changes: r.changes, median: r.medianMs, p95: r.p95Ms, max: r.maxMs, failed: r.failed })));

  if (timeTravel) printTimeTravel(timeTravel);
  const results = { startedAt: started.toISOString(), node: process.version, quick, ...(only ? { only: [...only] } : {}), spine, deploy, jobs, stats, recovery, detection, drills, sampling, canary, falseRollbacks, batch, refusalFlood, timeTravel };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = only ? 'only' : quick ? 'quick' : 'latest';
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwritten to bench/results/${file}.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
