/**
 * `npm run bench`: what a user of Corroborate feels beside a plain Fabric write, on the same local
 * network, through the same client path, in one run: a lone request, saturation found by a ramp,
 * open-loop arrivals at 50 % and 80 % of saturation, batches, a soak with the memory of every
 * process sampled, and the CPU each process spends per consensus. Prints Markdown tables (the
 * targets of issue 10 among them) and writes every figure and setting as JSON (--json FILE).
 * Speed is measured here, never asserted in tests.
 */
import { Command, InvalidArgumentError } from 'commander';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  openFabricConnection,
  loadConnectionProfile,
  type FabricConnection,
} from '../gateway/src/fabric/connection';
import { newLedger, type EventStream } from '../gateway/src/fabric/ledger';
import { newGatewayClient, type GatewayClient, type Submitted } from '@corroborate/gateway';
import {
  initialiseParticipants,
  readLocalNetwork,
  runNetworkScript,
  startLocalConsortium,
  type LocalConsortium,
} from '@corroborate/dev';
import type { SourceConfig } from '../gateway/src/sources/source';
import { openLoopSchedule, runOpenLoop, type OpenLoopResult } from './bench/schedule';
import { soakMemory, type RssSample } from './bench/rss';
import { round, summarise, type LatencySummary } from './bench/stats';
import { targetsOf, targetTable, type Target } from './bench/targets';
import {
  cpuDelta,
  kindOf,
  networkProcesses,
  rssBytes,
  snapshotCpu,
  hasEnvironment,
} from './bench/procfs';
import { PhaseProfiler, profilingEnvironment, runsAgent } from './bench/profile';

interface Settings {
  lone: number;
  requests: number;
  concurrency?: number;
  rawTransactions: number;
  rawConcurrency?: number;
  openLoopSeconds: number;
  batchSizes: number[];
  batches: number;
  soakSeconds: number;
  soakWarmupSeconds?: number;
  sampleSeconds: number;
  profile?: string;
  json?: string;
}

/** Latency figures in the result's shape: every key names its unit. */
interface LatencyMs {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

const repoDir = resolve(__dirname, '..');
const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate');
const say = (message: string): void =>
  void process.stderr.write(`\u001b[34m==>\u001b[0m ${message}\n`);
const itemColumns = ['id', 'sku', 'quantity', 'price', 'updated_at'];
const itemRows = 1000;
const outcomeTimeoutMs = 300_000;
/** The loads of the open-loop phases and of the soak, as fractions of consensus saturation. */
const HALF_LOAD = 0.5;
const HIGH_LOAD = 0.8;
const SOAK_LOAD = 0.5;

function integerAtLeast(minimum: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < minimum) {
      throw new InvalidArgumentError(
        minimum === 0 ? 'a whole number, 0 or more' : 'a positive integer',
      );
    }
    return number;
  };
}
const positiveInteger = integerAtLeast(1);
const nonNegativeInteger = integerAtLeast(0);

function parseSettings(argv: string[]): Settings {
  const program = new Command('bench')
    .description(
      'Benchmark Corroborate against a raw Fabric write on the local network, in one run: lone ' +
        'requests, saturation (ramp), open-loop arrivals at 50 % and 80 % of saturation, batches, ' +
        'a soak with the RSS of every process, and CPU ms per consensus per process. ' +
        'CORROBORATE_HOME and CORROBORATE_PORT_BASE choose the network (see network/network.sh).',
    )
    .option(
      '--lone <n>',
      'consensus requests and raw writes with one in flight (0: skip)',
      nonNegativeInteger,
      30,
    )
    .option('--requests <n>', 'consensus requests of the saturation run', positiveInteger, 120)
    .option(
      '--concurrency <n>',
      'consensus requests in flight at saturation (default: found by a ramp, the least that saturates)',
      positiveInteger,
    )
    .option('--raw-transactions <n>', 'raw writes of the saturation run', positiveInteger, 600)
    .option(
      '--raw-concurrency <n>',
      'raw writes in flight at saturation (default: found by a ramp, the least that saturates)',
      positiveInteger,
    )
    .option(
      '--open-loop-seconds <n>',
      'length of each open-loop phase, at 50 % and at 80 % of consensus saturation (0: skip)',
      nonNegativeInteger,
      60,
    )
    .option(
      '--batch-sizes <list>',
      'records per batched first block',
      (value) => value.split(',').map(positiveInteger),
      [1, 100, 1000],
    )
    .option(
      '--batches <n>',
      'batched first blocks per size, all in flight at once',
      positiveInteger,
      6,
    )
    .option(
      '--soak-seconds <n>',
      'length of the soak at 50 % of consensus saturation (0: skip)',
      nonNegativeInteger,
      600,
    )
    .option(
      '--soak-warmup-seconds <n>',
      'soak samples left out of the RSS growth at its start (default: 10 % of the soak)',
      nonNegativeInteger,
    )
    .option(
      '--sample-seconds <n>',
      'interval between RSS samples of every process during the soak',
      positiveInteger,
      5,
    )
    .option(
      '--profile <dir>',
      'CPU-profile every process during the saturation consensus phase into DIR (restarts the ' +
        'network with profiling on if it runs without it); DIR/summary.md tells where the CPU goes',
    )
    .option('--json <file>', 'write every figure and the settings to FILE')
    .parse(argv);
  return program.opts<Settings>();
}

function latencyMs(values: readonly number[]): LatencyMs {
  const summary: LatencySummary = summarise(values);
  return {
    count: summary.count,
    p50Ms: summary.p50,
    p95Ms: summary.p95,
    p99Ms: summary.p99,
    meanMs: summary.mean,
    maxMs: summary.max,
  };
}

/** Runs `task(i)` for i in 0..count-1 with at most `limit` in flight. */
async function pool(
  count: number,
  limit: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  });
  await Promise.all(runners);
}

const clock = { now: () => performance.now(), sleep: (ms: number) => sleep(ms) };

// Fabric's TxValidationCode values of the invalidations that come from a read-write conflict.
const MVCC_READ_CONFLICT = 11;
const PHANTOM_READ_CONFLICT = 12;

/** Counts committed transactions by validation code from filtered block events. */
class CommitCounter {
  valid = 0;
  readonly invalid = new Map<string, number>();
  /** Conflicts since the counter started, whatever the resets: every phase of the run. */
  conflictsSinceStart = 0;
  lastBlockAt = performance.now();
  #iterator: { close(): void } | undefined;

  async start(connection: FabricConnection, startBlock: bigint): Promise<void> {
    const network = connection.gateway.getNetwork(connection.profile.channel);
    const blocks = await network.getFilteredBlockEvents({ startBlock });
    this.#iterator = blocks;
    void (async () => {
      try {
        for await (const block of blocks) {
          this.lastBlockAt = performance.now();
          for (const transaction of block.getFilteredTransactionsList()) {
            const code = transaction.getTxValidationCode();
            if (code === 0) this.valid++;
            else this.invalid.set(String(code), (this.invalid.get(String(code)) ?? 0) + 1);
            if (code === MVCC_READ_CONFLICT || code === PHANTOM_READ_CONFLICT) {
              this.conflictsSinceStart++;
            }
          }
        }
      } catch {
        // Closed.
      }
    })();
  }

  reset(): void {
    this.valid = 0;
    this.invalid.clear();
  }

  total(): number {
    return this.valid + [...this.invalid.values()].reduce((sum, count) => sum + count, 0);
  }

  conflicts(): number {
    return (
      (this.invalid.get(String(MVCC_READ_CONFLICT)) ?? 0) +
      (this.invalid.get(String(PHANTOM_READ_CONFLICT)) ?? 0)
    );
  }

  /** Waits until no block has arrived for `quietMs` (at most `maxMs`): the phase has drained. */
  async quiet(quietMs = 2000, maxMs = 60_000): Promise<void> {
    const deadline = performance.now() + maxMs;
    while (performance.now() - this.lastBlockAt < quietMs && performance.now() < deadline) {
      await sleep(200);
    }
  }

  close(): void {
    this.#iterator?.close();
  }
}

/** Times at which OutcomeDecided events arrive, by first-block id. */
class OutcomeWatcher {
  readonly #decided = new Map<string, { at: number; status: string }>();
  readonly #waiters = new Map<string, () => void>();
  #stream: EventStream | undefined;

  async start(connection: FabricConnection, startBlock: bigint): Promise<void> {
    this.#stream = await newLedger(connection).events({ startBlock });
    const stream = this.#stream;
    void (async () => {
      try {
        for await (const event of stream) {
          if (event.name !== 'OutcomeDecided') continue;
          const id = typeof event.payload.blockId === 'string' ? event.payload.blockId : '';
          const status = typeof event.payload.status === 'string' ? event.payload.status : '';
          this.#decided.set(id, { at: performance.now(), status });
          this.#waiters.get(id)?.();
        }
      } catch {
        // Closed.
      }
    })();
  }

  /** The outcome of `id` once decided; forgotten once returned, so a long soak keeps nothing. */
  wait(id: string, timeoutMs = outcomeTimeoutMs): Promise<{ at: number; status: string }> {
    const take = () => {
      const outcome = this.#decided.get(id)!;
      this.#decided.delete(id);
      return outcome;
    };
    if (this.#decided.has(id)) return Promise.resolve(take());
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new Error(`no outcome for ${id} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(id, () => {
        clearTimeout(timer);
        this.#waiters.delete(id);
        resolveWait(take());
      });
    });
  }

  close(): void {
    this.#stream?.close();
  }
}

function benchSource(_org: string, dir: string): SourceConfig[] {
  const file = join(dir, 'items.sqlite');
  const db = new Database(file);
  try {
    db.exec('DROP TABLE IF EXISTS items');
    db.exec(
      'CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL, price TEXT NOT NULL, updated_at TEXT NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO items VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let id = 1; id <= itemRows; id++) {
        insert.run(
          id,
          `SKU-${String(id).padStart(6, '0')}`,
          id % 97,
          `${id}.${String(id % 100).padStart(2, '0')}`,
          `2025-01-01T00:00:${String(id % 60).padStart(2, '0')}.000000Z`,
        );
      }
    })();
  } finally {
    db.close();
  }
  return [
    {
      id: 'bench',
      kind: 'sqlite',
      file,
      tables: {
        items: {
          key: ['id'],
          columns: itemColumns,
          types: { price: 'number', updated_at: 'timestamp' },
        },
      },
    },
  ];
}

const itemRead = (id: number) => ({
  kind: 'sql',
  table: 'items',
  key: { id },
  columns: itemColumns,
});

/** The network's port base, as network.sh saved it when it created the network. */
function networkPortBase(): number {
  const settings = readFileSync(join(home, 'network', 'network.env'), 'utf8');
  const base = Number(/^PORT_BASE=(\d+)$/m.exec(settings)?.[1]);
  if (!Number.isInteger(base)) throw new Error(`no PORT_BASE in ${home}/network/network.env`);
  return base;
}

/**
 * With --profile, the nodes must run with profiling on: a network already up without it (or with
 * another profile folder) is stopped, its state kept, so that `up` starts it again with it.
 */
function prepareProfiling(dir: string): void {
  Object.assign(process.env, profilingEnvironment(dir, process.env.NODE_OPTIONS));
  if (!existsSync(join(home, 'network', 'run'))) return;
  const running = networkProcesses(home);
  const ready = [...running].every(([name, pid]) => {
    const kind = kindOf(name);
    if (kind === 'peer' || kind === 'orderer') return hasEnvironment(pid, 'CORROBORATE_PPROF=1');
    return runsAgent(pid, dir);
  });
  if (running.size > 0 && !ready) {
    say('restarting the network with profiling on (its state is kept)');
    runNetworkScript(repoDir, home, ['down']);
  }
}

/** The pprof endpoints of the orderers and peers (see network/scripts/env.sh's port plan). */
function pprofEndpoints(processes: ReadonlyMap<string, number>, portBase: number) {
  const endpoints = new Map<string, string>();
  for (const name of processes.keys()) {
    const orderer = /^orderer(\d+)$/.exec(name);
    const peer = /^peer0\.org(\d+)$/.exec(name);
    if (orderer) {
      endpoints.set(name, `http://127.0.0.1:${portBase + 10 * (Number(orderer[1]) - 1) + 3}`);
    }
    if (peer) endpoints.set(name, `http://127.0.0.1:${portBase + 190 + Number(peer[1])}`);
  }
  return endpoints;
}

// ---- raw writes -------------------------------------------------------------------------------

async function runRaw(connection: FabricConnection, settings: Settings, counter: CommitCounter) {
  // The yardstick is a chaincode of its own, deployed by this run only (network.sh deploy-baseline).
  const contract = connection.gateway
    .getNetwork(connection.profile.channel)
    .getContract('baseline');
  const run = `${process.pid}-${Date.now()}`;
  let serial = 0;
  const write = async (): Promise<number> => {
    const started = performance.now();
    const submitted = await contract.submitAsync('Put', {
      arguments: [`raw-${run}-${serial++}`, 'x'],
    });
    const status = await submitted.getStatus();
    if (!status.successful) throw new Error(`raw write failed with code ${status.code}`);
    return performance.now() - started;
  };
  say('raw: warming up');
  await pool(20, 10, async () => void (await write()));

  let lone: LatencyMs | null = null;
  if (settings.lone > 0) {
    say(`raw lone: ${settings.lone} writes, one in flight`);
    const latencies: number[] = [];
    for (let index = 0; index < settings.lone; index++) latencies.push(await write());
    lone = latencyMs(latencies);
  }

  const ramp: Array<{ concurrency: number; tps: number }> = [];
  let concurrency = settings.rawConcurrency;
  if (concurrency === undefined) {
    for (const level of [8, 16, 32, 64, 128]) {
      const count = Math.max(150, level * 4);
      const started = performance.now();
      await pool(count, level, async () => void (await write()));
      const tps = round(count / ((performance.now() - started) / 1000));
      ramp.push({ concurrency: level, tps });
      say(`raw ramp: ${level} in flight → ${tps} tx/s`);
      // Stop once doubling the load no longer buys 5 %.
      const previous = ramp.at(-2);
      if (previous && tps < previous.tps * 1.05) break;
    }
    // The least concurrency that reaches 95 % of the best rate: the machine's ceiling, without
    // queueing that would only inflate latency.
    const best = Math.max(...ramp.map((step) => step.tps));
    concurrency = ramp.find((step) => step.tps >= best * 0.95)?.concurrency ?? 32;
  }

  say(`raw saturation: ${settings.rawTransactions} blind writes, ${concurrency} in flight`);
  await counter.quiet();
  const processes = networkProcesses(home);
  const before = snapshotCpu(processes);
  const latencies: number[] = [];
  const started = performance.now();
  await pool(settings.rawTransactions, concurrency, async () => {
    latencies.push(await write());
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuDelta(before, snapshotCpu(processes));
  const cpuTotal = [...cpu.values()].reduce((sum, value) => sum + value, 0);
  return {
    tps: round(settings.rawTransactions / seconds),
    concurrency,
    transactions: settings.rawTransactions,
    seconds: round(seconds, 2),
    latency: latencyMs(latencies),
    lone,
    ramp,
    cpuMsPerTransaction: round(cpuTotal / settings.rawTransactions, 2),
  };
}

// ---- consensus --------------------------------------------------------------------------------

async function submitRequest(client: GatewayClient, body: unknown): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await client.send('POST', '/v1/requests', { body });
    if (response.status === 202) return (response.body as Submitted).id;
    if (attempt >= 5 || response.status < 500) {
      throw new Error(`submission failed: ${response.status} ${response.text}`);
    }
  }
}

interface Consensus {
  readonly client: GatewayClient;
  readonly outcomes: OutcomeWatcher;
  readonly counter: CommitCounter;
  serial: number;
}

/** Submits one single-record request and waits for its outcome. */
async function decide(consensus: Consensus): Promise<{ at: number; status: string }> {
  const index = consensus.serial++;
  const id = await submitRequest(consensus.client, {
    sourceId: 'bench',
    read: itemRead((index % itemRows) + 1),
  });
  return consensus.outcomes.wait(id);
}

async function closedLoop(consensus: Consensus, requests: number, concurrency: number) {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const started = performance.now();
  let last = started;
  await pool(requests, concurrency, async () => {
    const submittedAt = performance.now();
    const outcome = await decide(consensus);
    latencies.push(outcome.at - submittedAt);
    last = Math.max(last, outcome.at);
    statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
  });
  const seconds = (last - started) / 1000;
  return {
    seconds: round(seconds, 2),
    perSecond: round(requests / seconds, 2),
    latency: latencyMs(latencies),
    outcomes: Object.fromEntries(statuses),
  };
}

async function consensusLone(consensus: Consensus, count: number): Promise<LatencyMs | null> {
  if (count === 0) return null;
  say(`consensus lone: ${count} requests, one in flight`);
  await consensus.counter.quiet();
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const submittedAt = performance.now();
    const outcome = await decide(consensus);
    latencies.push(outcome.at - submittedAt);
  }
  return latencyMs(latencies);
}

/** Like the raw ramp: the least concurrency at which consensus results/s stop growing. */
async function consensusRamp(consensus: Consensus) {
  const ramp: Array<{ concurrency: number; perSecond: number; p50Ms: number }> = [];
  for (const concurrency of [8, 16, 32, 64]) {
    await consensus.counter.quiet();
    const run = await closedLoop(consensus, Math.max(24, concurrency * 2), concurrency);
    ramp.push({ concurrency, perSecond: run.perSecond, p50Ms: run.latency.p50Ms });
    say(`consensus ramp: ${concurrency} in flight → ${run.perSecond} results/s`);
    const previous = ramp.at(-2);
    if (previous && run.perSecond < previous.perSecond * 1.05) break;
  }
  const best = Math.max(...ramp.map((step) => step.perSecond));
  const concurrency = ramp.find((step) => step.perSecond >= best * 0.95)?.concurrency ?? 16;
  return { ramp, concurrency, best };
}

/**
 * The saturation run: results/s, latency, ledger transactions per result and conflicts counted
 * from the blocks of the run (late verdicts included), CPU ms per result of every process.
 */
async function consensusSaturation(
  consensus: Consensus,
  settings: Settings,
  concurrency: number,
  processes: ReadonlyMap<string, number>,
  profiler: PhaseProfiler | undefined,
) {
  say(`consensus saturation: ${settings.requests} requests, ${concurrency} in flight`);
  await consensus.counter.quiet();
  consensus.counter.reset();
  const before = snapshotCpu(processes);
  profiler?.start();
  const run = await closedLoop(consensus, settings.requests, concurrency);
  // Late verdicts (after the decision) still commit: count them with the run.
  await consensus.counter.quiet();
  const cpu = cpuDelta(before, snapshotCpu(processes));
  const profile = await profiler?.stop();
  const transactions = consensus.counter.total();
  const perProcess = Object.fromEntries(
    [...cpu].sort().map(([name, ms]) => [name, round(ms / settings.requests, 2)]),
  );
  const perKind: Record<string, number> = {};
  for (const [name, ms] of cpu) {
    perKind[kindOf(name)] = round((perKind[kindOf(name)] ?? 0) + ms / settings.requests, 2);
  }
  return {
    perSecond: run.perSecond,
    concurrency,
    requests: settings.requests,
    seconds: run.seconds,
    latency: run.latency,
    outcomes: run.outcomes,
    transactions: { all: transactions, valid: consensus.counter.valid },
    txPerConsensus: round(transactions / settings.requests, 2),
    conflicts: consensus.counter.conflicts(),
    invalidByCode: Object.fromEntries(consensus.counter.invalid),
    cpuMsPerConsensus: {
      total: round([...cpu.values()].reduce((sum, ms) => sum + ms, 0) / settings.requests, 2),
      byKind: perKind,
      byProcess: perProcess,
    },
    profile,
  };
}

function openLoopFigures(fraction: number, rate: number, seconds: number, run: OpenLoopResult) {
  return {
    fraction,
    ratePerSecond: round(rate, 2),
    seconds,
    requests: run.latencies.length + run.errors,
    completed: run.latencies.length,
    errors: run.errors,
    ...(run.firstError === undefined ? {} : { firstError: run.firstError }),
    achievedPerSecond: round(run.latencies.length / Math.max(0.001, run.elapsedMs / 1000), 2),
    maxInFlight: run.maxInFlight,
    sendLagP95Ms: summarise(run.sendLags).p95,
    ...latencyMs(run.latencies),
  };
}

/** Requests sent at a fixed rate whatever the answers, latency from each scheduled arrival. */
async function openLoop(
  consensus: Consensus,
  fraction: number,
  saturation: number,
  seconds: number,
) {
  const rate = fraction * saturation;
  say(
    `open loop at ${fraction * 100} % of saturation: ${round(rate, 2)} requests/s for ${seconds} s`,
  );
  await consensus.counter.quiet();
  const run = await runOpenLoop(
    openLoopSchedule(rate, seconds),
    async () => (await decide(consensus)).at,
    clock,
  );
  return openLoopFigures(fraction, rate, seconds, run);
}

async function runBatched(consensus: Consensus, settings: Settings) {
  const results: Array<{
    size: number;
    batches: number;
    seconds: number;
    recordsPerSecond: number;
    latency: LatencyMs;
  }> = [];
  for (const size of settings.batchSizes) {
    say(`batched: ${settings.batches} first blocks of ${size} record(s) each, all in flight`);
    await consensus.counter.quiet();
    const latencies: number[] = [];
    const started = performance.now();
    let last = started;
    await pool(settings.batches, settings.batches, async (batch) => {
      const reads = Array.from({ length: size }, (_, index) =>
        itemRead(((batch * size + index) % itemRows) + 1),
      );
      const submittedAt = performance.now();
      const id = await submitRequest(consensus.client, { sourceId: 'bench', reads });
      const outcome = await consensus.outcomes.wait(id, 600_000);
      if (outcome.status !== 'accepted') throw new Error(`batch ${id} was ${outcome.status}`);
      latencies.push(outcome.at - submittedAt);
      last = Math.max(last, outcome.at);
    });
    const seconds = (last - started) / 1000;
    results.push({
      size,
      batches: settings.batches,
      seconds: round(seconds, 2),
      recordsPerSecond: round((size * settings.batches) / seconds, 1),
      latency: latencyMs(latencies),
    });
  }
  return results;
}

/** Open-loop load at 50 % of saturation while the RSS of every process is sampled. */
async function soak(
  consensus: Consensus,
  settings: Settings,
  saturation: number,
  processes: ReadonlyMap<string, number>,
) {
  const seconds = settings.soakSeconds;
  const warmUpSeconds = settings.soakWarmupSeconds ?? Math.round(seconds / 10);
  const rate = SOAK_LOAD * saturation;
  say(
    `soak: ${round(rate, 2)} requests/s for ${seconds} s, RSS of ${processes.size} processes every ${settings.sampleSeconds} s (first ${warmUpSeconds} s left out)`,
  );
  await consensus.counter.quiet();
  const samples: RssSample[] = [];
  const started = performance.now();
  const sample = () => {
    const rss: Record<string, number> = {};
    for (const [name, pid] of processes) {
      const bytes = rssBytes(pid);
      if (bytes !== undefined) rss[name] = bytes;
    }
    samples.push({ atMs: Math.round(performance.now() - started), rss });
  };
  sample();
  const sampler = setInterval(sample, settings.sampleSeconds * 1000);
  let run: OpenLoopResult;
  try {
    run = await runOpenLoop(
      openLoopSchedule(rate, seconds),
      async () => (await decide(consensus)).at,
      clock,
    );
  } finally {
    clearInterval(sampler);
  }
  sample();
  const memory = soakMemory(samples, warmUpSeconds * 1000);
  return {
    ...openLoopFigures(SOAK_LOAD, rate, seconds, run),
    warmUpSeconds,
    sampleSeconds: settings.sampleSeconds,
    samples: samples.length,
    rssGrowth: memory.rssGrowth,
    worstProcess: memory.worstProcess,
    rssByProcess: memory.byProcess,
  };
}

// ---- report -----------------------------------------------------------------------------------

type Report = Awaited<ReturnType<typeof runAll>>;

function figuresMarkdown(report: Report): string {
  const { raw, consensus, batched, soak: soaked } = report;
  const triple = (latency: LatencyMs | null | undefined) =>
    latency ? `${latency.p50Ms} / ${latency.p95Ms} / ${latency.p99Ms}` : 'not measured';
  const open = (phase: ReturnType<typeof openLoopFigures> | null, label: string) =>
    phase
      ? [
          `| consensus: open loop at ${label} (${phase.ratePerSecond} requests/s, ${phase.seconds} s): arrival → outcome p50 / p95 / p99 (ms) | ${triple(phase)} |`,
          `| consensus: open loop at ${label}: completed / errors / most in flight | ${phase.completed} / ${phase.errors} / ${phase.maxInFlight} |`,
        ]
      : [`| consensus: open loop at ${label} | not measured |`];
  return [
    '| measure | value |',
    '|---|---|',
    `| raw: lone write, submit → commit p50 / p95 / p99 (ms) | ${triple(raw.lone)} |`,
    `| raw: committed transactions/s (${raw.concurrency} in flight) | ${raw.tps} |`,
    `| raw: commit latency at saturation p50 / p95 / p99 (ms) | ${triple(raw.latency)} |`,
    `| raw: CPU ms per transaction, all processes | ${raw.cpuMsPerTransaction} |`,
    `| consensus: lone request, submit → outcome p50 / p95 / p99 (ms) | ${triple(consensus.lone)} |`,
    `| consensus: results/s (${consensus.concurrency} in flight) | ${consensus.perSecond} |`,
    `| consensus: submit → outcome at saturation p50 / p95 / p99 (ms) | ${triple(consensus.latency)} |`,
    `| consensus: ledger transactions per consensus | ${consensus.txPerConsensus} |`,
    `| consensus: MVCC / phantom-read invalidations at saturation (whole run) | ${consensus.conflicts} (${consensus.conflictsWholeRun}) |`,
    `| consensus: CPU ms per consensus, all processes | ${consensus.cpuMsPerConsensus.total} |`,
    ...open(consensus.halfLoad, '50 %'),
    ...open(consensus.highLoad, '80 %'),
    ...batched.map(
      (entry) =>
        `| batched M = ${entry.size}: records/s (${entry.batches} in flight) | ${entry.recordsPerSecond} |`,
    ),
    ...(soaked
      ? [
          `| soak (${soaked.ratePerSecond} requests/s, ${soaked.seconds} s): arrival → outcome p50 / p95 / p99 (ms) | ${triple(soaked)} |`,
          `| soak: largest RSS growth (${soaked.worstProcess ?? '—'}) | ${soaked.rssGrowth ?? 'not measured'} |`,
        ]
      : ['| soak | not measured |']),
  ].join('\n');
}

function cpuMarkdown(report: Report): string {
  const { byProcess } = report.consensus.cpuMsPerConsensus;
  const rss = report.soak?.rssByProcess ?? {};
  return [
    '| process | CPU ms per consensus | soak RSS first → last (MiB) | soak RSS growth |',
    '|---|---|---|---|',
    ...Object.keys({ ...byProcess, ...rss })
      .sort()
      .map((name) => {
        const memory = rss[name];
        return `| ${name} | ${byProcess[name] ?? '—'} | ${memory ? `${memory.firstMiB} → ${memory.lastMiB}` : '—'} | ${memory?.growth ?? '—'} |`;
      }),
  ].join('\n');
}

async function runAll(settings: Settings) {
  if (settings.profile) {
    settings.profile = resolve(settings.profile);
    mkdirSync(settings.profile, { recursive: true });
    prepareProfiling(settings.profile);
  }
  say('bringing up the local Fabric network');
  runNetworkScript(repoDir, home, ['up']);
  say('deploying the baseline chaincode beside the contract');
  runNetworkScript(repoDir, home, ['deploy-baseline']);
  const portBase = networkPortBase();
  const network = readLocalNetwork(home);
  const [first] = network.orgs;
  if (!first) throw new Error('the network has no organisation');
  const connection = await openFabricConnection(await loadConnectionProfile(first.profile));
  let consortium: LocalConsortium | undefined;
  const outcomes = new OutcomeWatcher();
  const counter = new CommitCounter();
  try {
    await counter.start(connection, await newLedger(connection).height());
    const raw = await runRaw(connection, settings, counter);

    // Org i's gateway on B+200+i and worker on B+210+i: clear of the network's own ports.
    say('starting a gateway and a worker per organisation');
    consortium = await startLocalConsortium({
      repoDir,
      home,
      gatewayPortBase: portBase + 201,
      workerPortBase: portBase + 211,
      logLevel: 'warn',
      gateway: { rateLimit: { windowMs: 60_000, max: 1_000_000 }, bodyLimitBytes: 4 * 1024 * 1024 },
      sources: benchSource,
      progress: say,
    });
    const [requester] = consortium.members;
    const client = newGatewayClient({
      url: requester!.gatewayUrl,
      apiKey: requester!.apiKey,
      timeoutMs: 120_000,
    });
    await initialiseParticipants(consortium.members);
    await outcomes.start(connection, await newLedger(connection).height());
    const consensus: Consensus = { client, outcomes, counter, serial: 0 };
    const conflictsBefore = counter.conflictsSinceStart;
    const organisations = consortium.members.length;
    say(`consensus: requests through Org1's gateway, ${organisations} organisations verifying`);
    // Warm the whole path (connections, chaincode, workers) before measuring.
    await closedLoop(consensus, 6, 3);

    const processes = networkProcesses(home);
    for (const service of [...consortium.gateways, ...consortium.workers]) {
      const [org, kind] = service.name.split(' ');
      if (service.child.pid !== undefined) processes.set(`${kind}.${org}`, service.child.pid);
    }

    const lone = await consensusLone(consensus, settings.lone);
    const ramp = settings.concurrency === undefined ? await consensusRamp(consensus) : undefined;
    const concurrency = settings.concurrency ?? ramp!.concurrency;
    const profiler = settings.profile
      ? new PhaseProfiler(
          settings.profile,
          // The baseline's servers are idle while consensus runs: not profiled.
          new Map([...processes].filter(([name]) => !/^(orderer|peer|baseline)/.test(name))),
          pprofEndpoints(processes, portBase),
        )
      : undefined;
    const saturation = await consensusSaturation(
      consensus,
      settings,
      concurrency,
      processes,
      profiler,
    );
    const { profile, ...saturationFigures } = saturation;

    const halfLoad =
      settings.openLoopSeconds > 0
        ? await openLoop(consensus, HALF_LOAD, saturation.perSecond, settings.openLoopSeconds)
        : null;
    const highLoad =
      settings.openLoopSeconds > 0
        ? await openLoop(consensus, HIGH_LOAD, saturation.perSecond, settings.openLoopSeconds)
        : null;
    const batched = await runBatched(consensus, settings);
    const soaked =
      settings.soakSeconds > 0
        ? await soak(consensus, settings, saturation.perSecond, processes)
        : null;

    // The last verdicts of the soak still commit: count their conflicts too.
    await counter.quiet();
    const result = {
      settings: {
        ...settings,
        concurrency,
        rawConcurrency: raw.concurrency,
        organisations,
        portBase,
        home,
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGiB: round(totalmem() / 2 ** 30),
        node: process.version,
      },
      raw,
      consensus: {
        ...saturationFigures,
        lone,
        ramp: ramp?.ramp ?? [],
        halfLoad,
        // Every consensus phase (warm-up, lone, ramp, open loop, batches, soak), not only saturation.
        conflictsWholeRun: counter.conflictsSinceStart - conflictsBefore,
        highLoad,
      },
      batched,
      soak: soaked,
      profile: profile ?? null,
    };
    const targets: Target[] = targetsOf(result);
    return { ...result, targets };
  } finally {
    outcomes.close();
    counter.close();
    await consortium?.stop();
    connection.close();
  }
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv);
  const report = await runAll(settings);
  process.stdout.write(
    [
      figuresMarkdown(report),
      '',
      targetTable(report.targets),
      '',
      cpuMarkdown(report),
      '',
      ...(report.profile
        ? [`CPU profiles and their summary: ${report.profile.dir}/summary.md`]
        : []),
    ].join('\n') + '\n',
  );
  if (settings.json) {
    writeFileSync(settings.json, `${JSON.stringify(report, null, 2)}\n`);
    say(`figures written to ${settings.json}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\u001b[31merror:\u001b[0m ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
