// Jest runs TypeScript and the ESM-only dependencies (middy, hyparquet, jose) through swc
// into CommonJS, so the suites need no --experimental-vm-modules flag.
const swc = (syntax) => [
  '@swc/jest',
  { jsc: { parser: { syntax }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const esmPackages = ['@middy', 'hyparquet', 'hyparquet-writer', 'jose'];
const common = {
  transform: { '^.+\\.ts$': swc('typescript'), '^.+\\.m?js$': swc('ecmascript') },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/faults/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // CDK assertions, cdk-nag and bundle sizes: offline, no emulators.
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
  // A global option: jest ignores it inside a project. The integration suites start
  // processes and write thousands of items; the unit suites finish far below it.
  testTimeout: 60_000,
};
