/**
 * Runs one benchmark group in its own process and writes its result as JSON to the file
 * named on the command line. Each group starts its own local Rewind; handlers keep their
 * clients for the life of a process (as in Lambda), so groups must not share one.
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_CANARY_BENCH, benchCanaryServing } from './canary';
import { benchBatchServing } from './batch';
import { DEFAULT_DEPLOY_BENCH, benchDeploy } from './deploy';
import { benchFalseRollbacks } from './false-rollbacks';
import { DEFAULT_JOBS_BENCH, QUICK_JOBS_BENCH, benchJobs } from './jobs';
import { benchDetection } from './detection';
import { benchDrills } from './drills';
import { benchRefusalFlood } from './refusal-flood';
import { benchTimeToRecover } from './recovery';
import { benchServingSample } from './serving-sample';
import { DEFAULT_SPINE, benchSpine } from './spine';
import { benchStats } from './stats';
import { DEFAULT_TIME_TRAVEL_BENCH, QUICK_TIME_TRAVEL_BENCH, benchTimeTravel } from './time-travel';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const quick = process.env.BENCH_QUICK === '1';

export const GROUPS = {
  spine: () =>
    benchSpine(quick ? { ...DEFAULT_SPINE, largeRows: 10_000, rollbackRuns: 10, plainRollbackRuns: 1, servingRuns: 300, singlePutRows: 300 } : DEFAULT_SPINE, (l) => console.error(l)),
  deploy: () => benchDeploy(quick ? { rows: 20_000, onDiskCeilingRows: 2_000 } : DEFAULT_DEPLOY_BENCH),
  jobs: () => benchJobs(quick ? QUICK_JOBS_BENCH : DEFAULT_JOBS_BENCH, (l) => console.error(l)),
  stats: () => benchStats(),
  recovery: () => benchTimeToRecover(quick ? { trials: 2 } : {}),
  detection: () => benchDetection(quick ? { trials: 2 } : {}),
  drills: () => benchDrills(quick ? { rows: 200, rps: 10, periods: 1 } : { periods: 1 }),
  'drills-10s': () => benchDrills(quick ? { rows: 200, rps: 10, periods: 10 } : { periods: 10 }),
  sampling: () => benchServingSample(quick ? { ops: 50_000 } : {}),
  batch: () => benchBatchServing(),
  'refusal-flood': () => benchRefusalFlood(),
  'false-rollbacks': () => benchFalseRollbacks({ viewHours: quick ? 50 : 1000 }),
  'time-travel': () => benchTimeTravel(quick ? QUICK_TIME_TRAVEL_BENCH : DEFAULT_TIME_TRAVEL_BENCH, (l) => console.error(l)),
  canary: () => benchCanaryServing(quick ? { ...DEFAULT_CANARY_BENCH, runs: 300, warmup: 50 } : DEFAULT_CANARY_BENCH, (l) => console.error(l)),
} as const;

export type Group = keyof typeof GROUPS;

if (require.main === module) {
  const [group, out] = process.argv.slice(2) as [Group, string];
  GROUPS[group]()
    .then((result) => {
      writeFileSync(out, JSON.stringify(result));
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
