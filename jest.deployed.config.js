// The smoke test of a deployed stack (npm run test:localstack, or against AWS): never part
// of `npm test`, which runs offline. Same transforms as the main config.
const main = require('./jest.config.js');
const { displayName: _name, testMatch: _match, ...common } = main.projects[0];

/** @type {import('jest').Config} */
module.exports = { ...common, displayName: 'deployed', testMatch: ['<rootDir>/test/deployed/**/*.test.ts'], testTimeout: 60_000 };
