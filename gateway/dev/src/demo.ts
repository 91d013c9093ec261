import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServiceProcess,
  waitForHealthy,
  writeLocalMember,
  type LocalMember,
  type ServiceProcess,
} from './cluster';
import type { SourceConfig } from '@corroborate/gateway';
import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { SAMPLE_TABLE, sampleTableConfig, seedSqliteSample } from './sample-table';

/** Org i's gateway listens on 8100 + i and its worker on 9100 + i, unless told otherwise. */
export const DEFAULT_GATEWAY_PORT_BASE = 8101;
export const DEFAULT_WORKER_PORT_BASE = 9101;

export interface LocalNetwork {
  readonly orgs: ReadonlyArray<{ org: string; mspId: string; profile: string }>;
}

export interface LocalConsortiumOptions {
  readonly repoDir: string;
  /** State root; the network lives in its `network/`, members in `members/`. */
  readonly home: string;
  readonly gatewayPortBase?: number;
  readonly workerPortBase?: number;
  readonly logLevel?: string;
  readonly worker?: Record<string, number>;
  /** Worker settings of one member on top of `worker`, e.g. its own drift webhook. */
  readonly workerOf?: (org: string) => Record<string, unknown>;
  readonly gateway?: Record<string, unknown>;
  /** The sources of each member (default: its SQLite copy of the sample table as `customers`). */
  readonly sources?: (org: string, dir: string) => SourceConfig[];
  readonly extraApiKeys?: ReadonlyArray<{ id: string; key: string; roles: string[] }>;
  /** Told what is happening, for progress output. */
  readonly progress?: (message: string) => void;
  /** Organisations (e.g. `org3`) whose worker is not started: they verify nothing until it is. */
  readonly withoutWorkers?: readonly string[];
}

export interface LocalConsortium {
  readonly members: readonly LocalMember[];
  readonly gateways: ServiceProcess[];
  readonly workers: ServiceProcess[];
  /** The members whose worker was not started (`withoutWorkers`). */
  readonly idle: readonly LocalMember[];
  stop(): Promise<void>;
}

/** Runs `network/network.sh` with the given arguments, its output shown to the user. */
export function runNetworkScript(repoDir: string, home: string, args: readonly string[]): void {
  const result = spawnSync('bash', [join(repoDir, 'network', 'network.sh'), ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CORROBORATE_HOME: home },
  });
  if (result.status !== 0) {
    throw new Error(`network.sh ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  }
}

/** The organisations of the local network, from the profiles `network up` wrote. */
export function readLocalNetwork(home: string): LocalNetwork {
  const profiles = join(home, 'network', 'profiles');
  const network = JSON.parse(readFileSync(join(profiles, 'network.json'), 'utf8')) as {
    orgs: Array<{ org: string; mspId: string }>;
  };
  return {
    orgs: network.orgs.map(({ org, mspId }) => ({
      org,
      mspId,
      profile: join(profiles, `${org}.json`),
    })),
  };
}

/**
 * Gives each organisation of the running local network its own SQLite copy of the sample table,
 * its configuration and API key, and starts its gateway and worker as separate processes.
 */
export async function startLocalConsortium(
  options: LocalConsortiumOptions,
): Promise<LocalConsortium> {
  const progress = options.progress ?? (() => undefined);
  const network = readLocalNetwork(options.home);
  const cliPath = join(options.repoDir, 'gateway', 'dist', 'cli.js');
  const gatewayPortBase = options.gatewayPortBase ?? DEFAULT_GATEWAY_PORT_BASE;
  const workerPortBase = options.workerPortBase ?? DEFAULT_WORKER_PORT_BASE;
  const members = network.orgs.map(({ org, mspId, profile }, index) => {
    const dir = join(options.home, 'members', org);
    const file = join(dir, 'customers.sqlite');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const member = writeLocalMember({
      org,
      mspId,
      dir,
      profilePath: profile,
      gatewayPort: gatewayPortBase + index,
      workerPort: workerPortBase + index,
      sources: [
        {
          id: 'customers',
          kind: 'sqlite',
          file,
          tables: { [SAMPLE_TABLE]: sampleTableConfig('sqlite') },
        },
        ...(options.sources?.(org, dir) ?? []),
      ],
      ...(options.extraApiKeys ? { extraApiKeys: options.extraApiKeys } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.worker || options.workerOf
        ? { worker: { ...options.worker, ...options.workerOf?.(org) } }
        : {}),
      ...(options.gateway ? { gateway: options.gateway } : {}),
    });
    // A fresh copy each start: the demo always corroborates the same, untampered rows.
    rmSync(file, { force: true });
    const database = new Database(file);
    try {
      seedSqliteSample(database);
    } finally {
      database.close();
    }
    return member;
  });
  const withoutWorkers = new Set(options.withoutWorkers ?? []);
  const unknown = [...withoutWorkers].filter(
    (org) => !members.some((member) => member.org === org),
  );
  if (unknown.length > 0) {
    throw new Error(
      `no organisation ${unknown.join(', ')} in the network (it has ${members.map((member) => member.org).join(', ')})`,
    );
  }
  const working = members.filter((member) => !withoutWorkers.has(member.org));
  const idle = members.filter((member) => withoutWorkers.has(member.org));
  progress(
    `starting a gateway for ${members.map((member) => member.org).join(', ')} and a worker for ${
      working.map((member) => member.org).join(', ') || 'none'
    }`,
  );
  const gateways = members.map((member) => startServiceProcess('gateway', member, cliPath));
  const workers = working.map((member) => startServiceProcess('worker', member, cliPath));
  const consortium: LocalConsortium = {
    members,
    gateways,
    workers,
    idle,
    stop: async () => {
      await Promise.all([...gateways, ...workers].map((service) => service.stop()));
    },
  };
  try {
    await Promise.all([
      ...members.map((member, index) =>
        waitForHealthy(`${member.gatewayUrl}/readyz`, 60_000, gateways[index]),
      ),
      ...working.map((member, index) =>
        waitForHealthy(`${member.workerUrl}/healthz`, 60_000, workers[index]),
      ),
    ]);
  } catch (error) {
    await consortium.stop();
    throw error;
  }
  return consortium;
}
