#!/usr/bin/env node
'use strict';
// Thin shim over the compiled CLI (npm's `prepare` script builds dist/), with the start-up and
// exit savings of src/cli/startup.ts around it.
const { deferCommanderChildProcess, exitWhenWritten } = require('../dist/src/cli/startup.js');
const commanderLoaded = deferCommanderChildProcess();
const cli = require('../dist/src/cli.js');
commanderLoaded();
cli.main(process.argv).then(exitWhenWritten);
