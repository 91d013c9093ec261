import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';
import {
  SAMPLE_DDL,
  SAMPLE_ROWS,
  sampleInsert,
  sampleParams,
  sampleTableConfig,
  waitForHealthy,
} from '@corroborate/dev';
import { hashApiKey, newCaFetch, newGatewayClient, type GatewayClient } from '@corroborate/gateway';

export const repoDir = resolve(__dirname, '..', '..');
export const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'multihost');
export const cliPath = join(repoDir, 'gateway', 'dist', 'cli.js');
const networkScript = join(repoDir, 'network', 'network.sh');
const databaseScript = join(repoDir, 'test', 'multihost', 'database.sh');

/** An org as network.sh describes it in network.json on the multi-host topology. */
export interface HostOrg {
  readonly org: string;
  readonly mspId: string;
  readonly profilePath: string;
  readonly caCertPath: string;
  readonly tlsCaCertPath: string;
  readonly host: {
    readonly netns: string;
    readonly address: string;
    readonly gatewayPort: number;
    readonly workerPort: number;
    readonly databasePort: number;
    readonly gatewayTls: { readonly cert: string; readonly key: string };
    readonly databaseTls: { readonly cert: string; readonly key: string };
  };
}

interface NetworkDescription {
  readonly topology?: string;
  readonly orgs: readonly HostOrg[];
}

export function readNetwork(): NetworkDescription {
  const network = JSON.parse(
    readFileSync(join(home, 'network', 'profiles', 'network.json'), 'utf8'),
  ) as NetworkDescription;
  if (network.topology !== 'multihost') {
    throw new Error(`the network in ${home} is not on the multi-host topology`);
  }
  return network;
}

/** Runs network.sh on the test's network and fails with its output if it fails. */
export function runNetwork(args: readonly string[]): void {
  const result = spawnSync('bash', [networkScript, ...args], {
    env: { ...process.env, CORROBORATE_HOME: home },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`network.sh ${args.join(' ')} failed:\n${result.stderr}`);
  }
}

/** Starts network.sh in the background (for a step that runs while requests go on). */
export function startNetwork(args: readonly string[], logPath: string): Promise<void> {
  const log = openSync(logPath, 'a');
  const child = spawn('bash', [networkScript, ...args], {
    env: { ...process.env, CORROBORATE_HOME: home },
    stdio: ['ignore', log, log],
  });
  return new Promise((resolveRun, reject) => {
    child.once('exit', (code) =>
      code === 0
        ? resolveRun()
        : reject(new Error(`network.sh ${args.join(' ')} exited ${code}; see ${logPath}`)),
    );
  });
}

/**
 * One organisation's gateway, worker and database, running on that org's host (inside its
 * network namespace): the gateway serves HTTPS and the database accepts only TLS, both with
 * certificates from the org's CA.
 */
export interface HostMember {
  readonly org: HostOrg;
  readonly client: GatewayClient;
  /** The gateway's HTTPS base URL and an operator key, for the CLI. */
  readonly url: string;
  readonly apiKey: string;
  stop(): Promise<void>;
}

export async function startHostMember(org: HostOrg): Promise<HostMember> {
  const dir = join(home, 'members', org.org);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = readFileSync(org.caCertPath, 'utf8');
  const source = await startDatabase(org, dir, ca);
  const apiKey = `cbk_${randomBytes(24).toString('base64url')}`;
  const configPath = join(dir, 'config.json');
  const config = {
    profile: org.profilePath,
    logLevel: 'info',
    gateway: {
      host: org.host.address,
      port: org.host.gatewayPort,
      tls: org.host.gatewayTls,
      apiKeys: [
        {
          id: `${org.org}-operator`,
          sha256: hashApiKey(apiKey),
          roles: ['requester', 'reader', 'admin'],
        },
      ],
    },
    worker: {
      host: org.host.address,
      port: org.host.workerPort,
      checkpointFile: join(dir, 'worker-checkpoint.json'),
      maxAttempts: 3,
      initialBackoffMs: 200,
      maxBackoffMs: 1000,
      finalizeGraceMs: 2000,
    },
    sources: [source],
  };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  const gateway = startInHost(org, 'gateway', configPath, dir);
  const worker = startInHost(org, 'worker', configPath, dir);
  const url = `https://${org.host.address}:${org.host.gatewayPort}`;
  const client = newHttpsClient(url, readFileSync(org.caCertPath), apiKey);
  try {
    await waitForHttps(client, 120_000, gateway);
    await waitForHealthy(`http://${org.host.address}:${org.host.workerPort}/healthz`, 120_000);
  } catch (error) {
    await Promise.all([stopChild(gateway), stopChild(worker)]);
    stopDatabase(dir);
    throw error;
  }
  return {
    org,
    client,
    url,
    apiKey,
    stop: async () => {
      await Promise.all([stopChild(gateway), stopChild(worker)]);
      stopDatabase(dir);
    },
  };
}

/** Starts the org's PostgreSQL on its host and seeds the sample table over TLS. */
async function startDatabase(org: HostOrg, dir: string, ca: string) {
  const { address, netns, databasePort, databaseTls } = org.host;
  const started = spawnSync(
    'bash',
    [
      databaseScript,
      'start',
      dir,
      netns,
      address,
      String(databasePort),
      databaseTls.cert,
      databaseTls.key,
    ],
    { encoding: 'utf8' },
  );
  if (started.status !== 0) throw new Error(`${org.org}'s database: ${started.stderr}`);
  const connection = {
    host: address,
    port: databasePort,
    user: 'corroborate',
    password: started.stdout.trim(),
    database: 'corroborate',
  };
  const client = new pg.Client({ ...connection, ssl: { ca } });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS customers');
    await client.query(SAMPLE_DDL.postgres);
    for (const row of SAMPLE_ROWS) {
      await client.query(sampleInsert('postgres'), sampleParams('postgres', row));
    }
  } finally {
    await client.end();
  }
  return {
    id: 'customers',
    kind: 'postgres',
    ...connection,
    tls: { ca },
    tables: { customers: sampleTableConfig('postgres') },
  };
}

function stopDatabase(dir: string): void {
  spawnSync('bash', [databaseScript, 'stop', dir], { stdio: 'ignore' });
}

function startInHost(
  org: HostOrg,
  kind: 'gateway' | 'worker',
  configPath: string,
  dir: string,
): ChildProcess {
  const log = openSync(join(dir, `${kind}.log`), 'a');
  // `ip netns exec` becomes the command, so the child is the Node process itself.
  return spawn(
    'ip',
    [
      'netns',
      'exec',
      org.host.netns,
      process.execPath,
      cliPath,
      kind,
      'start',
      '--config',
      configPath,
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, CORROBORATE_CONFIG: '' } },
  );
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHttps(
  client: GatewayClient,
  timeoutMs: number,
  child: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode})`);
    try {
      const response = await client.send('GET', '/healthz');
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the gateway was not healthy in ${timeoutMs} ms`);
    await sleep(250);
  }
}

/**
 * The project's gateway client over HTTPS that verifies the gateway's certificate against its
 * org's CA (and nothing else): the address it dials must be named in that certificate.
 */
export function newHttpsClient(baseUrl: string, ca: Buffer, apiKey: string): GatewayClient {
  return newGatewayClient({
    url: baseUrl,
    apiKey,
    fetch: newCaFetch({ ca }),
  });
}

/** Whether a TCP connection to ADDRESS:PORT opens within a second. */
export function reachable(address: string, port: number): Promise<boolean> {
  return new Promise((resolveReachable) => {
    const socket = connect({ host: address, port, timeout: 1000 });
    const done = (result: boolean) => {
      socket.destroy();
      resolveReachable(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
