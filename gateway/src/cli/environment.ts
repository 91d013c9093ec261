import type { Config } from '../config';

export interface FetchOptions {
  readonly ca?: string;
}

/** A running gateway or worker, as the CLI starts and stops it. */
export interface RunningService {
  readonly url?: string;
  close(): Promise<void>;
}

/**
 * Everything the CLI does to the outside world, so that commands can be run in-process with
 * doubles: the environment variables, output, files, HTTP, child processes, services, signals.
 */
export interface CliEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The repository root, against which `network/network.sh` is found. */
  readonly repoRoot: string;
  writeOut(text: string): void;
  writeErr(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  /** With `ca`, HTTPS only, trusting those PEM certificates and no others. */
  fetch(url: string, init: RequestInit, options?: FetchOptions): Promise<Response>;
  /** Runs a program with the CLI's own stdin, stdout and stderr; resolves to its exit code. */
  run(program: string, args: readonly string[], cwd: string): Promise<number>;
  loadConfig(path: string | undefined): Promise<Config>;
  startGateway(config: Config): Promise<RunningService>;
  startWorker(config: Config): Promise<RunningService>;
  /** Resolves with the signal's name at the first SIGINT or SIGTERM. */
  waitForSignal(): Promise<string>;
  sleep(milliseconds: number): Promise<void>;
  now(): number;
}

/** A failure the CLI reports on stderr and turns into a non-zero exit code. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
