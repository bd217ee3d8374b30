#!/usr/bin/env node
/**
 * `npm test`: every jest project, in three phases sized for a 2-core machine.
 *
 *   1. unit + infra, two workers: CPU-bound and independent of each other;
 *   2. the integration suites that reach Rewind only through its API (one local runtime per
 *      suite over the shared emulators), two workers: they mostly wait on sockets, and each
 *      keeps to its own tables and bucket;
 *   3. the suites whose verdict depends on time or on processes: `*.local.test.ts` (monitors
 *      with 1 s periods, `npm start` as a real process, the browser, the soak) and
 *      test/faults/ (kill -9, the TCP fault proxy), one at a time so that no other suite
 *      competes with their clocks.
 *
 * With arguments (`npm test -- test/unit/x.test.ts`, `npm test -- --selectProjects unit`) it is
 * plain jest with those arguments. Stops at the first phase that fails, with its exit code.
 */
const { spawnSync } = require('node:child_process');

const jest = require.resolve('jest/bin/jest');
const SERIAL = '(\\.local\\.test\\.ts$|/test/faults/)';

const args = process.argv.slice(2);
const phases =
  args.length > 0
    ? [args]
    : [
        ['--selectProjects', 'unit', 'infra', '--maxWorkers=2'],
        ['--selectProjects', 'integration', '--maxWorkers=2', '--testPathIgnorePatterns', SERIAL],
        ['--selectProjects', 'integration', '--maxWorkers=1', '--testPathPatterns', SERIAL],
      ];

for (const phase of phases) {
  const run = spawnSync(process.execPath, [jest, ...phase], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
