// The fault suite's world: the test network with three Raft orderers and three members, each
// with its gateway and worker as processes this harness can kill, freeze and restart, and the
// end-to-end suite's `crossdb` source: the sample table in SQLite (org1), PostgreSQL (org2) and
// MariaDB (org3). A scenario runs a stream of requests while it injects its fault, then checks
// that every acknowledged request ends with its correct outcome, decided by valid verdicts of
// voters only, and that the network ends healthy.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import {
  newGatewayClient,
  type GatewayClient,
  type GatewayResponse,
  type RequestView,
  type SourceConfig,
} from '@corroborate/gateway';
import {
  initialiseParticipants,
  readLocalNetwork,
  runNetworkScript,
  SAMPLE_COLUMNS,
  SAMPLE_ROWS,
  startServiceProcess,
  waitForHealthy,
  writeLocalMember,
  type LocalMember,
  type ServiceProcess,
} from '@corroborate/dev';
import { crossDatabaseSource, seedServerDatabases } from '../e2e/harness';

export const repoDir = resolve(__dirname, '..', '..');
export const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate', 'faults');
const cliPath = join(repoDir, 'gateway', 'dist', 'cli.js');
const portBase = Number(process.env.CORROBORATE_PORT_BASE ?? 41000);
const networkDir = join(home, 'network');

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/**
 * The `web` source: an HTTP server answering the same JSON record for any path, except that org2
 * is given one that misbehaves by path — a redirect, a 10 MB body, invalid JSON.
 */
export const webRecord = { id: 7, name: 'Ada', balance: '12.50' };

function startWebServers(): Promise<Server[]> {
  const honest = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(webRecord));
  });
  const broken = createServer((request, response) => {
    if (request.url?.startsWith('/redirect/')) {
      response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    if (request.url?.startsWith('/huge/')) {
      response.end(`{"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`);
    } else if (request.url?.startsWith('/invalid/')) {
      response.end('{"id": 7, "name": ');
    } else {
      response.end(JSON.stringify(webRecord));
    }
  });
  return Promise.all([listen(honest, portBase + 700), listen(broken, portBase + 701)]);
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen(server));
  });
}

function webSource(org: string): SourceConfig {
  const port = org === 'org2' ? portBase + 701 : portBase + 700;
  return { id: 'web', kind: 'http', baseUrl: `http://127.0.0.1:${port}` };
}

/** One member: its configuration and its two processes, which a scenario may replace. */
export class Member {
  gateway: ServiceProcess;
  worker: ServiceProcess;
  readonly client: GatewayClient;
  /** Added to the environment of the processes started from now on. */
  env: Record<string, string> = {};

  constructor(readonly local: LocalMember) {
    this.gateway = startServiceProcess('gateway', local, cliPath);
    this.worker = startServiceProcess('worker', local, cliPath);
    this.client = newGatewayClient({
      url: local.gatewayUrl,
      apiKey: local.apiKey,
      timeoutMs: 120_000,
    });
  }

  get mspId(): string {
    return this.local.mspId;
  }

  async ready(): Promise<void> {
    await waitForHealthy(`${this.local.gatewayUrl}/readyz`, 120_000, this.gateway);
    await waitForHealthy(`${this.local.workerUrl}/healthz`, 120_000, this.worker);
  }

  /** Kills the gateway and starts it again, waiting until it is ready unless told not to. */
  async restartGateway(waitReady = true): Promise<void> {
    await this.gateway.kill();
    this.gateway = startServiceProcess('gateway', this.local, cliPath, this.env);
    if (waitReady) await waitForHealthy(`${this.local.gatewayUrl}/readyz`, 120_000, this.gateway);
  }

  async restartWorker(waitReady = true): Promise<void> {
    await this.worker.kill();
    this.worker = startServiceProcess('worker', this.local, cliPath, this.env);
    if (waitReady) await waitForHealthy(`${this.local.workerUrl}/healthz`, 120_000, this.worker);
  }

  /** The worker's log from `offset` on, to wait for what it has just done. */
  workerLog(offset = 0): string {
    return readFileSync(this.worker.logPath, 'utf8').slice(offset);
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateway.stop(), this.worker.stop()]);
  }
}

export interface FaultWorld {
  readonly members: readonly Member[];
  member(org: string): Member;
  stop(): Promise<void>;
}

/** Starts (or reuses) the network with three orderers, and a gateway and worker per org. */
export async function startWorld(): Promise<FaultWorld> {
  runNetworkScript(repoDir, home, ['up', '--orderers', '3']);
  await seedServerDatabases();
  const servers = await startWebServers();
  const network = readLocalNetwork(home);
  const closeServers = () => {
    for (const server of servers) server.close();
  };
  let members: Member[];
  try {
    members = network.orgs.map(({ org, mspId, profile }, index) => {
      const dir = join(home, 'members', org);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const local = writeLocalMember({
        org,
        mspId,
        dir,
        profilePath: profile,
        gatewayPort: portBase + 500 + index,
        workerPort: portBase + 600 + index,
        logLevel: 'debug',
        // What a member runs: retries reach past a short outage; the outcome waits a little for
        // the designated finalizer before anyone else records it.
        worker: { finalizeGraceMs: 2000 },
        sources: [...crossDatabaseSource(org, dir), webSource(org)],
      });
      return new Member(local);
    });
  } catch (error) {
    closeServers();
    throw error;
  }
  const world: FaultWorld = {
    members,
    member(org) {
      const found = members.find((candidate) => candidate.local.org === org);
      if (!found) throw new Error(`no member ${org}`);
      return found;
    },
    stop: async () => {
      await Promise.all(members.map((running) => running.stop()));
      closeServers();
    },
  };
  try {
    await Promise.all(members.map((running) => running.ready()));
    // Every member's admin through its own gateway, until a strict majority has approved.
    await initialiseParticipants(members.map((running) => running.local));
  } catch (error) {
    await world.stop();
    throw error;
  }
  return world;
}

// ---------------------------------------------------------------------------------------------
// The network's nodes, by the pid files network.sh keeps.

export function nodePid(name: string): number {
  const pid = Number(readFileSync(join(networkDir, 'run', `${name}.pid`), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid for ${name}`);
  return pid;
}

export function signalNode(name: string, signal: NodeJS.Signals): void {
  process.kill(nodePid(name), signal);
}

/** `network.sh up`: restarts whatever is not running; the ledgers are kept. */
export function networkUp(): void {
  runNetworkScript(repoDir, home, ['up', '--orderers', '3']);
}

export function networkScript(args: readonly string[]): { status: number; output: string } {
  const result = spawnSync('bash', [join(repoDir, 'network', 'network.sh'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CORROBORATE_HOME: home },
  });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** Every node running and healthy, as `network.sh status` reports it. */
export function expectNetworkHealthy(): void {
  const status = networkScript(['status']);
  expect(status.status, status.output).to.equal(0);
}

const ordererOperationsPort = (k: number): number => portBase + 10 * (k - 1) + 2;

/** The orderer (1..3) that leads the channel's Raft, by the orderers' own metrics. */
export async function raftLeader(timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const k of [1, 2, 3]) {
      try {
        const response = await fetch(`http://127.0.0.1:${ordererOperationsPort(k)}/metrics`, {
          signal: AbortSignal.timeout(2000),
        });
        const text = await response.text();
        if (/^consensus_etcdraft_is_leader\{channel="corroborate"\} 1$/m.test(text)) return k;
      } catch {
        // Down or frozen: not the leader.
      }
    }
    if (Date.now() > deadline) throw new Error(`no Raft leader within ${timeoutMs} ms`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------
// Streams of requests and their outcomes.

export interface Acknowledged {
  readonly id: string;
  readonly submitter: Member;
}

export interface StreamReport {
  readonly acknowledged: Acknowledged[];
  /** Answers other than success, by status and code (e.g. `503 LEDGER_UNAVAILABLE`). */
  readonly refusals: string[];
}

export const sqlRead = (index: number) => ({
  kind: 'sql',
  table: 'customers_e2e',
  key: { id: SAMPLE_ROWS[index % SAMPLE_ROWS.length]!.id },
  columns: [...SAMPLE_COLUMNS],
});

/**
 * Submits `count` requests, one every `intervalMs`, rotating over `submitters`, each under its
 * own Idempotency-Key and retried with that key until the gateway acknowledges it (as a client
 * of a member does), so that a refusal during a fault never loses or doubles a request.
 */
export async function stream(
  submitters: readonly Member[],
  count: number,
  label: string,
  intervalMs = 400,
  giveUpMs = 300_000,
): Promise<StreamReport> {
  const acknowledged: Acknowledged[] = [];
  const refusals: string[] = [];
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < count; index++) {
    const submitter = submitters[index % submitters.length]!;
    const key = `${label}-${process.pid}-${Date.now()}-${index}`;
    pending.push(
      (async () => {
        const deadline = Date.now() + giveUpMs;
        for (;;) {
          let response: GatewayResponse | undefined;
          try {
            response = await submitter.client.send('POST', '/v1/requests', {
              body: { sourceId: 'crossdb', read: sqlRead(index) },
              headers: { 'idempotency-key': key },
            });
          } catch (error) {
            refusals.push(`unreachable ${(error as Error).message}`);
          }
          if (
            response &&
            (response.status === 201 || response.status === 202 || response.status === 200)
          ) {
            acknowledged.push({ id: (response.body as { id: string }).id, submitter });
            return;
          }
          if (response) {
            const code = (response.body as { error?: { code?: string } } | undefined)?.error?.code;
            refusals.push(`${response.status} ${code ?? ''}`.trim());
            expect(response.status, `${label}: ${response.text}`).to.be.oneOf([429, 502, 503, 504]);
          }
          if (Date.now() > deadline)
            throw new Error(`${label}: request ${index} never acknowledged`);
          await sleep(1000);
        }
      })(),
    );
    await sleep(intervalMs);
  }
  await Promise.all(pending);
  return { acknowledged, refusals };
}

/** Polls until the outcome is recorded; reads through any member that answers. */
export async function settle(
  world: FaultWorld,
  request: Acknowledged,
  timeoutMs = 300_000,
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  let last = 'never read';
  for (;;) {
    for (const reader of [request.submitter, ...world.members]) {
      try {
        const view = await reader.client.getRequest(request.id);
        if (view.status !== 'pending' && view.outcome.recorded) return view;
        last = `${view.status}, verdicts ${view.verdicts.map((v) => `${v.participant}:${v.result}`).join(' ')}`;
        break;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`request ${request.id} not settled after ${timeoutMs} ms: ${last}`);
    }
    await sleep(1000);
  }
}

/**
 * Every acknowledged request accepted (every record is authentic), on valid verdicts of voters
 * only — the requester never, each voter at most once, nobody's outage counted as a vote.
 */
export async function expectAllAccepted(
  world: FaultWorld,
  report: StreamReport,
  /** A member that could not read the record: its verdict, if any, must not be `valid`. */
  unreadableBy?: string,
): Promise<void> {
  expect(report.acknowledged.length, 'acknowledged requests').to.be.greaterThan(0);
  expect(new Set(report.acknowledged.map((request) => request.id)).size).to.equal(
    report.acknowledged.length,
  );
  for (const request of report.acknowledged) {
    const view = await settle(world, request);
    const requester = view.block.content.requester.mspId;
    const voters = view.block.participants.filter((participant) => participant !== requester);
    const who = view.verdicts.map((verdict) => verdict.participant);
    expect(view.status, `${request.id}: ${JSON.stringify(view.verdicts)}`).to.equal('accepted');
    expect(voters, request.id).to.include.members(who);
    expect(new Set(who).size, request.id).to.equal(who.length);
    for (const verdict of view.verdicts) {
      const what = `${request.id} ${verdict.participant} ${verdict.result} ${verdict.reason}`;
      if (verdict.participant === unreadableBy) expect(verdict.result, what).to.not.equal('valid');
      else expect(verdict.result, what).to.equal('valid');
    }
  }
}

/** Waits until `predicate` holds, polling; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** The members' PostgreSQL and MariaDB: `scripts/databases.sh start|stop`. */
export function databases(action: 'start' | 'stop'): void {
  const result = spawnSync('bash', [join(repoDir, 'scripts', 'databases.sh'), action], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`databases ${action}: ${result.stderr}`);
}

/** The processes of our PostgreSQL server (postmaster and its children), to freeze them. */
export function postgresPids(): number[] {
  const status = spawnSync('bash', [join(repoDir, 'scripts', 'databases.sh'), 'status'], {
    encoding: 'utf8',
  }).stdout;
  const dataDir = /^postgres: running on \S+ \((.+)\)$/m.exec(status)?.[1];
  if (!dataDir) throw new Error(`PostgreSQL is not running: ${status}`);
  const pidFile = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const postmaster = Number(pidFile);
  const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
  return [postmaster, ...children];
}
