import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { newCaFetch } from '../ca-fetch';
import type { Config } from '../config';
import type { CliEnvironment, RunningService } from './environment';

interface GatewayModule {
  startGateway(config: Config): Promise<RunningService>;
}

interface WorkerModule {
  startWorker(config: Config): Promise<RunningService>;
}

/** The real environment: this process's streams, files, network, children and signals. */
export function newNodeEnvironment(repoRoot: string): CliEnvironment {
  return {
    env: process.env,
    repoRoot,
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    readFile: (path) => readFile(path, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    writeFile: (path, text) => writeFile(path, text, 'utf8'),
    fetch: (url, init, options) =>
      options?.ca === undefined ? fetch(url, init) : newCaFetch({ ca: options.ca })(url, init),
    run: (program, args, cwd) =>
      new Promise((resolve, reject) => {
        const child = spawn(program, args, { cwd, stdio: 'inherit' });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          resolve(code ?? (signal ? 128 : 1));
        });
      }),
    // Loaded on demand: `hash` and `receipt verify` should not pay for Fabric, Express or drivers.
    loadConfig: async (path) => {
      const { loadConfig } = await import('../config.js');
      return loadConfig(process.env, path);
    },
    startGateway: async (config) => {
      const server = (await import('../server.js')) as GatewayModule;
      return server.startGateway(config);
    },
    startWorker: async (config) => {
      const worker = (await import('../worker/main.js')) as WorkerModule;
      return worker.startWorker(config);
    },
    waitForSignal: () =>
      new Promise((resolve) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(signal);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }),
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    now: () => Date.now(),
  };
}
