import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashApiKey, type SourceConfig } from '@corroborate/gateway';

/** One organisation of a local consortium: its configuration, API key and endpoints. */
export interface LocalMember {
  readonly org: string;
  readonly mspId: string;
  readonly dir: string;
  readonly configPath: string;
  readonly apiKey: string;
  readonly gatewayUrl: string;
  readonly workerUrl: string;
}

export interface LocalMemberOptions {
  readonly org: string;
  readonly mspId: string;
  /** Where the member's configuration, checkpoint and logs live. */
  readonly dir: string;
  readonly profilePath: string;
  readonly gatewayPort: number;
  readonly workerPort: number;
  readonly sources: readonly SourceConfig[];
  readonly logLevel?: string;
  /** Worker and gateway settings that differ from the defaults. */
  readonly worker?: Record<string, unknown>;
  readonly gateway?: Record<string, unknown>;
  /** More API keys, e.g. with fewer roles; their hashes go into the configuration. */
  readonly extraApiKeys?: ReadonlyArray<{ id: string; key: string; roles: string[] }>;
}

/**
 * Writes a member's configuration with a fresh API key that holds every role. Only the key's
 * hash goes into the file; the key itself is returned (and kept in `api-key`, mode 0600).
 */
export function writeLocalMember(options: LocalMemberOptions): LocalMember {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const apiKey = `cbk_${randomBytes(24).toString('base64url')}`;
  const config = {
    profile: resolve(options.profilePath),
    logLevel: options.logLevel ?? 'info',
    gateway: {
      host: '127.0.0.1',
      port: options.gatewayPort,
      apiKeys: [
        {
          id: `${options.org}-operator`,
          sha256: hashApiKey(apiKey),
          roles: ['requester', 'reader', 'admin'],
        },
        ...(options.extraApiKeys ?? []).map(({ id, key, roles }) => ({
          id,
          sha256: hashApiKey(key),
          roles,
        })),
      ],
      ...options.gateway,
    },
    worker: {
      host: '127.0.0.1',
      port: options.workerPort,
      checkpointFile: join(options.dir, 'worker-checkpoint.json'),
      ...options.worker,
    },
    sources: options.sources,
  };
  const configPath = join(options.dir, 'config.json');
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(join(options.dir, 'api-key'), `${apiKey}\n`, { mode: 0o600 });
  return {
    org: options.org,
    mspId: options.mspId,
    dir: options.dir,
    configPath,
    apiKey,
    gatewayUrl: `http://127.0.0.1:${options.gatewayPort}`,
    workerUrl: `http://127.0.0.1:${options.workerPort}`,
  };
}

/** A gateway or worker running as its own process, as a member would run it. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Ends the process at once, as a crash would. */
  kill(): Promise<void>;
}

/**
 * Starts `corroborate gateway start` or `corroborate worker start` for a member, with `env` added
 * to this process's environment (e.g. a preloaded library that shifts its clock).
 */
export function startServiceProcess(
  kind: 'gateway' | 'worker',
  member: LocalMember,
  cliPath: string,
  env: Readonly<Record<string, string>> = {},
): ServiceProcess {
  const logPath = join(member.dir, `${kind}.log`);
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [cliPath, kind, 'start', '--config', member.configPath], {
    stdio: ['ignore', log, log],
    env: { ...process.env, CORROBORATE_CONFIG: '', ...env },
  });
  const exited = new Promise<void>((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { name: `${member.org} ${kind}`, child, logPath, stop, kill };
}

/** Waits until `url` answers 200, or fails after `timeoutMs` naming the log to read. */
export async function waitForHealthy(
  url: string,
  timeoutMs: number,
  service?: ServiceProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service && (service.child.exitCode !== null || service.child.signalCode !== null)) {
      throw new Error(
        `${service.name} exited (${service.child.exitCode ?? service.child.signalCode}); see ${service.logPath}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${url} did not become healthy in ${timeoutMs} ms${service ? `; see ${service.logPath}` : ''}`,
      );
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 250));
  }
}
