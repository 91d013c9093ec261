import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConnectionProfile } from '../../gateway/src/fabric/connection';

export const repoDir = resolve(__dirname, '..', '..');
const networkScript = join(repoDir, 'network', 'network.sh');

/** An org's connection profile, as `network.sh up` writes it to `profiles/<org>.json`. */
export interface OrgProfile extends ConnectionProfile {
  readonly adminCertPath: string;
  readonly adminKeyPath: string;
}

/** The whole network, as `network.sh up` writes it to `profiles/network.json`. */
export interface NetworkProfile {
  readonly channel: string;
  readonly chaincode: string;
  readonly stateDir: string;
  readonly orgs: readonly {
    readonly org: string;
    readonly mspId: string;
    readonly profilePath: string;
    readonly peerEndpoint: string;
    readonly tlsCaCertPath: string;
    readonly userMspPath: string;
    readonly adminMspPath: string;
  }[];
  readonly orderer: {
    readonly tlsCaCertPath: string;
    readonly nodes: readonly { readonly name: string; readonly endpoint: string }[];
  };
}

export interface TestNetwork {
  readonly profile: NetworkProfile;
  readonly fabricBinDir: string;
  /** Whether this run started the network, and so must stop it. */
  readonly startedHere: boolean;
  org(name: string): OrgProfile;
}

/**
 * Where the tests' network lives: the same defaults as `npm test`, apart from the development
 * network of `npm run network:up`, so a test run never writes to a developer's ledger.
 */
export function networkEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CORROBORATE_HOME: process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'test'),
    CORROBORATE_PORT_BASE: process.env.CORROBORATE_PORT_BASE ?? '27000',
  };
}

function runNetworkScript(args: readonly string[]): { ok: boolean; output: string } {
  const result = spawnSync('bash', [networkScript, ...args], {
    env: networkEnvironment(),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function fabricBinDir(): string {
  const result = spawnSync('bash', [join(repoDir, 'scripts', 'install-fabric.sh'), '--check'], {
    env: networkEnvironment(),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Fabric binaries are not built: ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Reuses a healthy network, or brings one up (which also compiles and deploys the contract). */
export function ensureNetwork(): TestNetwork {
  let startedHere = false;
  if (!runNetworkScript(['status']).ok) {
    const up = runNetworkScript(['up']);
    if (!up.ok) {
      throw new Error(`network.sh up failed:\n${up.output}`);
    }
    startedHere = true;
  }
  const home = networkEnvironment().CORROBORATE_HOME ?? '';
  const profile = readJson<NetworkProfile>(join(home, 'network', 'profiles', 'network.json'));
  return {
    profile,
    fabricBinDir: fabricBinDir(),
    startedHere,
    org(name) {
      const entry = profile.orgs.find((candidate) => candidate.org === name);
      if (!entry) {
        throw new Error(`the network has no ${name}`);
      }
      return readJson<OrgProfile>(entry.profilePath);
    },
  };
}

/** Stops the network if this run started it; a network that was already running is left alone. */
export function releaseNetwork(network: TestNetwork | undefined): void {
  if (network?.startedHere) {
    const down = runNetworkScript(['down']);
    if (!down.ok) {
      throw new Error(`network.sh down failed:\n${down.output}`);
    }
  }
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
