/**
 * `npm run bench`: what a consensus costs beside a plain Fabric write, on the same local network,
 * through the same client path, in one run. Prints a Markdown table and writes every figure and
 * setting as JSON (--json FILE). Speed is measured here, never asserted in tests.
 */
import { Command, InvalidArgumentError } from 'commander';
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
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

interface Settings {
  requests: number;
  concurrency?: number;
  rawTransactions: number;
  rawConcurrency?: number;
  batchSizes: number[];
  batches: number;
  json?: string;
}

interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

const repoDir = resolve(__dirname, '..');
const home = process.env.CORROBORATE_HOME ?? join(repoDir, '.corroborate');
const say = (message: string): void =>
  void process.stderr.write(`\u001b[34m==>\u001b[0m ${message}\n`);
const itemColumns = ['id', 'sku', 'quantity', 'price', 'updated_at'];
const itemRows = 1000;

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('a positive integer');
  return number;
}

function parseSettings(argv: string[]): Settings {
  const program = new Command('bench')
    .description('Benchmark Corroborate against a raw Fabric write on the local network')
    .option('--requests <n>', 'consensus requests to submit', positiveInteger, 120)
    .option(
      '--concurrency <n>',
      'requests in flight at once (default: found by a ramp, the least that saturates)',
      positiveInteger,
    )
    .option('--raw-transactions <n>', 'raw baseline writes', positiveInteger, 600)
    .option(
      '--raw-concurrency <n>',
      'raw writes in flight at once (default: found by a ramp, the least that saturates)',
      positiveInteger,
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
    .option('--json <file>', 'write every figure and the settings to FILE')
    .parse(argv);
  return program.opts<Settings>();
}

function summarise(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), mean: round(mean) };
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
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

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return 0;
  }
}

function networkProcesses(): Map<string, number> {
  const runDir = join(home, 'network', 'run');
  const processes = new Map<string, number>();
  for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    if (Number.isInteger(pid)) processes.set(file.replace(/\.pid$/, ''), pid);
  }
  return processes;
}

function snapshotCpu(processes: Map<string, number>): Map<string, number> {
  return new Map([...processes].map(([name, pid]) => [name, cpuSeconds(pid)]));
}

function cpuDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries(
    [...after].map(([name, value]) => [name, round(value - (before.get(name) ?? 0), 2)]),
  );
}

/** Counts committed transactions by validation code from filtered block events. */
class CommitCounter {
  valid = 0;
  invalid = new Map<string, number>();
  #iterator: { close(): void } | undefined;

  async start(connection: FabricConnection, startBlock: bigint): Promise<void> {
    const network = connection.gateway.getNetwork(connection.profile.channel);
    const blocks = await network.getFilteredBlockEvents({ startBlock });
    this.#iterator = blocks;
    void (async () => {
      try {
        for await (const block of blocks) {
          for (const transaction of block.getFilteredTransactionsList()) {
            const code = transaction.getTxValidationCode();
            if (code === 0) this.valid++;
            else this.invalid.set(String(code), (this.invalid.get(String(code)) ?? 0) + 1);
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

  conflicts(): number {
    // 11 MVCC_READ_CONFLICT, 12 PHANTOM_READ_CONFLICT
    return (this.invalid.get('11') ?? 0) + (this.invalid.get('12') ?? 0);
  }

  close(): void {
    this.#iterator?.close();
  }
}

/** Times at which OutcomeDecided events arrive, by first-block id. */
class OutcomeWatcher {
  readonly decided = new Map<string, { at: number; status: string }>();
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
          this.decided.set(id, { at: performance.now(), status });
          this.#waiters.get(id)?.();
        }
      } catch {
        // Closed.
      }
    })();
  }

  wait(id: string, timeoutMs: number): Promise<{ at: number; status: string }> {
    const known = this.decided.get(id);
    if (known) return Promise.resolve(known);
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no outcome for ${id} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.set(id, () => {
        clearTimeout(timer);
        this.#waiters.delete(id);
        resolveWait(this.decided.get(id)!);
      });
    });
  }

  close(): void {
    this.#stream?.close();
  }
}

function benchSource(org: string, dir: string): SourceConfig[] {
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
  void org;
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

async function runRaw(connection: FabricConnection, settings: Settings) {
  // The yardstick is a chaincode of its own, deployed by this run only (network.sh deploy-baseline).
  const contract = connection.gateway
    .getNetwork(connection.profile.channel)
    .getContract('baseline');
  const run = `${process.pid}-${Date.now()}`;
  const write = async (index: number): Promise<number> => {
    const started = performance.now();
    const submitted = await contract.submitAsync('Put', {
      arguments: [`raw-${run}-${index}`, 'x'],
    });
    const status = await submitted.getStatus();
    if (!status.successful) throw new Error(`raw write failed with code ${status.code}`);
    return performance.now() - started;
  };
  say('raw baseline: warming up');
  await pool(20, 10, async (index) => void (await write(-1 - index)));
  const concurrency = settings.rawConcurrency ?? (await findSaturation(write));
  say(`raw baseline: ${settings.rawTransactions} blind writes, ${concurrency} in flight`);
  const latencies: number[] = [];
  const started = performance.now();
  await pool(settings.rawTransactions, concurrency, async (index) => {
    latencies.push(await write(index));
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    transactions: settings.rawTransactions,
    concurrency,
    seconds: round(seconds, 2),
    tps: round(settings.rawTransactions / seconds),
    latencyMs: summarise(latencies),
  };
}

/**
 * The least concurrency at which raw writes reach 95 % of the most transactions per second seen:
 * the ceiling of the machine, without queueing that would only inflate the baseline's latency.
 */
async function findSaturation(write: (index: number) => Promise<number>): Promise<number> {
  const ramp: Array<{ concurrency: number; tps: number }> = [];
  let offset = 1_000_000;
  for (const concurrency of [8, 16, 32, 64, 128]) {
    const count = Math.max(150, concurrency * 4);
    const base = offset;
    offset += count;
    const started = performance.now();
    await pool(count, concurrency, async (index) => void (await write(base + index)));
    const tps = count / ((performance.now() - started) / 1000);
    ramp.push({ concurrency, tps });
    say(`raw ramp: ${concurrency} in flight → ${round(tps)} tx/s`);
    // Stop once doubling the load no longer buys 5 %.
    const previous = ramp.at(-2);
    if (previous && tps < previous.tps * 1.05) break;
  }
  const best = Math.max(...ramp.map((step) => step.tps));
  return ramp.find((step) => step.tps >= best * 0.95)?.concurrency ?? 32;
}

async function submitRequest(client: GatewayClient, body: unknown): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await client.send('POST', '/v1/requests', { body });
    if (response.status === 202) return (response.body as Submitted).id;
    if (attempt >= 5 || response.status < 500) {
      throw new Error(`submission failed: ${response.status} ${response.text}`);
    }
  }
}

async function runConsensus(
  client: GatewayClient,
  outcomes: OutcomeWatcher,
  counter: CommitCounter,
  settings: { requests: number; concurrency: number },
  participants: number,
) {
  say(
    `consensus: ${settings.requests} requests through the gateway, ${settings.concurrency} in flight, ${participants} organisations verifying`,
  );
  counter.reset();
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const started = performance.now();
  let lastOutcome = started;
  await pool(settings.requests, settings.concurrency, async (index) => {
    const submittedAt = performance.now();
    const id = await submitRequest(client, {
      sourceId: 'bench',
      read: itemRead((index % itemRows) + 1),
    });
    const outcome = await outcomes.wait(id, 300_000);
    latencies.push(outcome.at - submittedAt);
    lastOutcome = Math.max(lastOutcome, outcome.at);
    statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
  });
  const seconds = (lastOutcome - started) / 1000;
  // Late verdicts (after the decision) still commit; let them land before counting.
  await new Promise((resolveWait) => setTimeout(resolveWait, 3000));
  return {
    requests: settings.requests,
    seconds: round(seconds, 2),
    perSecond: round(settings.requests / seconds, 2),
    latencyMs: summarise(latencies),
    txPerConsensus: round(counter.valid / settings.requests, 2),
    conflicts: counter.conflicts(),
    invalidByCode: Object.fromEntries(counter.invalid),
    outcomes: Object.fromEntries(statuses),
  };
}

/** Like the raw ramp: the least concurrency at which consensus results/s stop growing. */
async function findConsensusSaturation(
  client: GatewayClient,
  outcomes: OutcomeWatcher,
  counter: CommitCounter,
  participants: number,
): Promise<number> {
  const ramp: Array<{ concurrency: number; perSecond: number }> = [];
  for (const concurrency of [8, 16, 32, 64]) {
    const { perSecond } = await runConsensus(
      client,
      outcomes,
      counter,
      { requests: Math.max(24, concurrency * 2), concurrency },
      participants,
    );
    ramp.push({ concurrency, perSecond });
    const previous = ramp.at(-2);
    if (previous && perSecond < previous.perSecond * 1.05) break;
  }
  const best = Math.max(...ramp.map((step) => step.perSecond));
  return ramp.find((step) => step.perSecond >= best * 0.95)?.concurrency ?? 16;
}

async function runBatched(client: GatewayClient, outcomes: OutcomeWatcher, settings: Settings) {
  const results: Array<{
    size: number;
    batches: number;
    seconds: number;
    recordsPerSecond: number;
    latencyMs: LatencySummary;
  }> = [];
  for (const size of settings.batchSizes) {
    say(`batched: ${settings.batches} first blocks of ${size} record(s) each`);
    const latencies: number[] = [];
    const started = performance.now();
    let last = started;
    await pool(settings.batches, settings.batches, async (batch) => {
      const reads = Array.from({ length: size }, (_, index) =>
        itemRead(((batch * size + index) % itemRows) + 1),
      );
      const submittedAt = performance.now();
      const id = await submitRequest(client, { sourceId: 'bench', reads });
      const outcome = await outcomes.wait(id, 600_000);
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
      latencyMs: summarise(latencies),
    });
  }
  return results;
}

function markdown(report: ReturnType<typeof buildReport>): string {
  const { raw, consensus, batched, targets } = report;
  const lines = [
    `| measure | value |`,
    `|---|---|`,
    `| raw: committed transactions/s (${raw.concurrency} in flight) | ${raw.tps} |`,
    `| raw: commit latency p50 / p95 / p99 (ms) | ${raw.latencyMs.p50} / ${raw.latencyMs.p95} / ${raw.latencyMs.p99} |`,
    `| consensus: results/s (${report.settings.concurrency} in flight) | ${consensus.perSecond} |`,
    `| consensus: submit → recorded outcome p50 / p95 / p99 (ms) | ${consensus.latencyMs.p50} / ${consensus.latencyMs.p95} / ${consensus.latencyMs.p99} |`,
    `| consensus: transactions per consensus | ${consensus.txPerConsensus} |`,
    `| consensus: MVCC / phantom conflicts | ${consensus.conflicts} |`,
    ...batched.map((entry) => `| batched M=${entry.size}: records/s | ${entry.recordsPerSecond} |`),
    '',
    `| target | required | measured | met |`,
    `|---|---|---|---|`,
    ...targets.map(
      (target) =>
        `| ${target.name} | ${target.required} | ${target.measured} | ${target.met ? 'yes' : 'no'} |`,
    ),
    '',
    `CPU seconds during the consensus run: ${Object.entries(report.cpuSeconds)
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')}`,
  ];
  return lines.join('\n');
}

function buildReport(
  settings: Settings,
  raw: Awaited<ReturnType<typeof runRaw>>,
  consensus: Awaited<ReturnType<typeof runConsensus>>,
  batched: Awaited<ReturnType<typeof runBatched>>,
  cpuSeconds: Record<string, number>,
  organisations: number,
) {
  const ceiling = (0.7 * raw.tps) / Math.max(1, consensus.txPerConsensus);
  const batch1000 = batched.find((entry) => entry.size === 1000);
  const targets = [
    {
      name: 'consensus results/s ≥ 0.7 × raw tps ÷ tx per consensus',
      required: `≥ ${round(ceiling, 2)}`,
      measured: String(consensus.perSecond),
      met: consensus.perSecond >= ceiling,
    },
    {
      name: 'median latency to outcome ≤ 3 × raw median commit latency',
      required: `≤ ${round(3 * raw.latencyMs.p50)} ms`,
      measured: `${consensus.latencyMs.p50} ms`,
      met: consensus.latencyMs.p50 <= 3 * raw.latencyMs.p50,
    },
    ...(batch1000
      ? [
          {
            name: 'batched M=1000 records/s ≥ 20 × raw tps',
            required: `≥ ${round(20 * raw.tps)}`,
            measured: String(batch1000.recordsPerSecond),
            met: batch1000.recordsPerSecond >= 20 * raw.tps,
          },
        ]
      : []),
    {
      name: 'conflict invalidations between participants',
      required: '0',
      measured: String(consensus.conflicts),
      met: consensus.conflicts === 0,
    },
  ];
  return {
    settings: { ...settings, organisations },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(totalmem() / 2 ** 30),
      node: process.version,
    },
    raw,
    consensus,
    batched,
    cpuSeconds,
    targets,
  };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv);
  say('bringing up the local Fabric network');
  runNetworkScript(repoDir, home, ['up']);
  say('deploying the baseline chaincode beside the contract');
  runNetworkScript(repoDir, home, ['deploy-baseline']);
  const network = readLocalNetwork(home);
  const [first] = network.orgs;
  if (!first) throw new Error('the network has no organisation');
  const connection = await openFabricConnection(await loadConnectionProfile(first.profile));
  let consortium: LocalConsortium | undefined;
  const outcomes = new OutcomeWatcher();
  const counter = new CommitCounter();
  try {
    const raw = await runRaw(connection, settings);
    say('starting a gateway and a worker per organisation');
    consortium = await startLocalConsortium({
      repoDir,
      home,
      gatewayPortBase: 38101,
      workerPortBase: 38201,
      logLevel: 'warn',
      gateway: { rateLimit: { windowMs: 60_000, max: 1_000_000 }, bodyLimitBytes: 4 * 1024 * 1024 },
      sources: benchSource,
    });
    const [requester] = consortium.members;
    const client = newGatewayClient({
      url: requester!.gatewayUrl,
      apiKey: requester!.apiKey,
      timeoutMs: 120_000,
    });
    await initialiseParticipants(consortium.members);
    const height = await newLedger(connection).height();
    await outcomes.start(connection, height);
    await counter.start(connection, height);
    // Warm the whole path (connections, chaincode, workers) before measuring.
    await runConsensus(
      client,
      outcomes,
      counter,
      { ...settings, requests: 6, concurrency: 3 },
      consortium.members.length,
    );

    const processes = networkProcesses();
    consortium.gateways.forEach((service) =>
      processes.set(`gateway.${service.name.split(' ')[0]}`, service.child.pid ?? 0),
    );
    consortium.workers.forEach((service) =>
      processes.set(`worker.${service.name.split(' ')[0]}`, service.child.pid ?? 0),
    );
    const concurrency =
      settings.concurrency ??
      (await findConsensusSaturation(client, outcomes, counter, consortium.members.length));
    const before = snapshotCpu(processes);
    const consensus = await runConsensus(
      client,
      outcomes,
      counter,
      { requests: settings.requests, concurrency },
      consortium.members.length,
    );
    const cpu = cpuDelta(before, snapshotCpu(processes));
    const batched = await runBatched(client, outcomes, settings);

    const report = buildReport(
      { ...settings, concurrency },
      raw,
      consensus,
      batched,
      cpu,
      consortium.members.length,
    );
    process.stdout.write(`${markdown(report)}\n`);
    if (settings.json) {
      writeFileSync(settings.json, `${JSON.stringify(report, null, 2)}\n`);
      say(`figures written to ${settings.json}`);
    }
  } finally {
    outcomes.close();
    counter.close();
    await consortium?.stop();
    connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`\u001b[31merror:\u001b[0m ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
