#!/usr/bin/env node
import { resolve } from 'node:path';
import { newNodeEnvironment } from './cli/node-environment';
import { runCli } from './cli/program';

// gateway/src/cli.ts and gateway/dist/cli.js both sit two levels below the repository root.
const repoRoot = resolve(__dirname, '..', '..');

runCli(process.argv.slice(2), newNodeEnvironment(repoRoot)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
