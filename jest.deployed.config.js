// The suites against a DEPLOYED stack (test/deployed/run.ts: npm run test:deployed,
// test:localstack, test:stand-in): the integration and end-to-end suites plus the smoke test,
// with REWIND_API_URL set, which test/support/rewind.ts turns into its deployed mode. Never
// part of `npm test`. Suites named *.local.test.ts drive the local runtime in process (the
// monitor, the bake check, injected faults, `npm start` itself) or would damage a shared
// stack (tampering with its audit log), and do not run here.
const main = require('./jest.config.js');
const integration = main.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  ...integration,
  displayName: 'deployed',
  testMatch: [...integration.testMatch, '<rootDir>/test/deployed/**/*.test.ts'],
  // test/faults/ kills and restarts processes of its own or puts a proxy in front of this
  // machine's emulator: it proves nothing about a deployed stack (npm test runs it). The
  // snapshot writer's suite is the S3 adapter against s3rver in a bucket of its own, not a
  // deployed stack's (~50 s).
  testPathIgnorePatterns: ['/node_modules/', '\\.local\\.test\\.ts$', '/test/faults/', '/test/integration/snapshot-writer\\.test\\.ts$'],
  // The stack's tables and its policy are shared: one suite at a time.
  maxWorkers: 1,
  testTimeout: 120_000,
};
