#!/usr/bin/env node
// Builds ntk-cli's optional native helpers (native/ntk_native.c) with node-gyp at install time.
// Where the build cannot run (no compiler, no zlib headers), ntk-cli works without them,
// so a failure here is reported in one line and the install goes on.
'use strict';
const { spawnSync } = require('node:child_process');

const gyp = process.env.npm_config_node_gyp;
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(command, args, { cwd: __dirname, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (result.status === 0) {
  console.log('ntk-cli: built the native helper');
} else {
  const reason = result.error ? result.error.message : (result.stderr || '').split('\n').find((l) => /error/i.test(l)) || `exit ${result.status}`;
  console.log(`ntk-cli: native helpers not built (${reason.trim()}); eigensolvers and the rest run in JavaScript. On Debian/Ubuntu: apt-get install build-essential zlib1g-dev liblapacke-dev`);
}
process.exitCode = 0;
