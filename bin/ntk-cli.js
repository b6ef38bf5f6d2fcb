#!/usr/bin/env node
'use strict';
// Thin shim over the compiled CLI (npm's `prepare` script builds dist/), with the start-up and
// exit savings of src/cli/startup.ts around it (a subcommand runs from the bundle dist/bundle/cli.js).
const { deferCommanderChildProcess, exitWhenWritten, loadCli } = require('../dist/src/cli/startup.js');
const commanderLoaded = deferCommanderChildProcess();
const cli = loadCli(process.argv);
commanderLoaded();
cli.main(process.argv).then(exitWhenWritten);
