#!/usr/bin/env node
'use strict';
// `npx rewind …`: the CLI is TypeScript, run through tsx's CommonJS loader so that no build
// step stands between an edit and the next command. `register()` hooks require() for .ts
// files (tsx 4, `tsx/cjs/api`); the CLI is then loaded and run like any module.
const path = require('node:path');
const { register } = require('tsx/cjs/api');

register();
require(path.join(__dirname, '..', 'cli', 'main.ts'))
  .main()
  .catch((error) => {
    console.error(`error: ${error && error.message ? error.message : error}`);
    process.exitCode = 1;
  });
