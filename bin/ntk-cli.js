#!/usr/bin/env node
'use strict';
// Thin shim over the compiled CLI (npm's `prepare` script builds dist/).
require('../dist/src/cli.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
