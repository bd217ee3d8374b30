#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone: install from the lock file first, so those
// two commands are all the setup a user needs. A no-op once node_modules matches the lock.
// Then the web console's bundle (scripts/build-ui.cjs), when it is missing or stale.
const { existsSync, lstatSync, statSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
// A node_modules that is a symlink is an install shared with another checkout (a git worktree's):
// `npm ci` would empty the shared folder through the link, under every other checkout using it.
const shared = existsSync(join(root, 'node_modules')) && lstatSync(join(root, 'node_modules')).isSymbolicLink();
if (stale && shared) console.error('rewind: node_modules is a shared install (a symlink): not reinstalling it; run `npm ci` where it lives if the lock file changed');
if (stale && !shared) {
  console.error('rewind: installing dependencies from package-lock.json (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
process.exit(require('./build-ui.cjs').ensureUiBuilt());
