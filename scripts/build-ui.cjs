#!/usr/bin/env node
// The web console's bundle (web/ → web/dist): built by Vite when missing or older than any of
// its sources, so `npm start`, `npm test` and the browser suite never serve a stale console.
// `node scripts/build-ui.cjs --force` builds regardless. Offline: every dependency is local.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const web = join(root, 'web');
const built = join(web, 'dist', 'index.html');
// core/ files the console bundles (pure functions; the rest of its core imports are types).
const coreInputs = ['core/pointer.ts', 'core/errors.ts'].map((p) => join(root, p));

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function uiIsStale() {
  if (!existsSync(built)) return true;
  const inputs = [join(web, 'src'), join(web, 'index.html'), join(web, 'vite.config.mts'), ...coreInputs].filter(existsSync);
  return Math.max(...inputs.map(newest)) > statSync(built).mtimeMs;
}

/** Builds when stale; returns the exit status (0 when nothing was to do). */
function ensureUiBuilt({ force = false, quiet = false } = {}) {
  if (!force && !uiIsStale()) return 0;
  if (!quiet) console.error('rewind: building the web console (web/ → web/dist)…');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.mts')], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.status !== 0 && quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  return result.status ?? 1;
}

module.exports = { ensureUiBuilt, uiIsStale };

if (require.main === module) process.exit(ensureUiBuilt({ force: process.argv.includes('--force') }));
