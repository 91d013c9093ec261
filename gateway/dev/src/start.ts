#!/usr/bin/env node
import { newGatewayClient, type GatewayClient, type RequestView } from '@corroborate/gateway';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalMember } from './cluster';
import {
  DEFAULT_GATEWAY_PORT_BASE,
  DEFAULT_WORKER_PORT_BASE,
  runNetworkScript,
  startLocalConsortium,
  type LocalConsortium,
} from './demo';
import { waitForOutcome } from './outcome';
import { initialiseParticipants } from './participants';
import { SAMPLE_COLUMNS, SAMPLE_ROWS } from './sample-table';
import { runStartSequence } from './start-sequence';

const repoDir = resolve(__dirname, '..', '..', '..');
const home = process.env.CORROBORATE_HOME ?? resolve(repoDir, '.corroborate');
const say = (message: string): void =>
  void process.stderr.write(`\u001b[34m==>\u001b[0m ${message}\n`);
const fail = (message: string): void =>
  void process.stderr.write(`\u001b[31merror:\u001b[0m ${message}\n`);

const usage = `usage: npm start -- [--once] [--without-worker ORG]...

  --once                 exit after printing the consensus result
  --without-worker ORG   start no worker for ORG (e.g. org3; repeatable): its organisation verifies
                         nothing until its worker is started by hand, as the output shows

Environment: ORGS (organisations of a new network, default 3), CORROBORATE_HOME (state, default
.corroborate), CORROBORATE_PORT_BASE (the network's first port, default 7000),
CORROBORATE_GATEWAY_PORT_BASE and CORROBORATE_WORKER_PORT_BASE (org i's gateway and worker listen
on base + i - 1; defaults ${DEFAULT_GATEWAY_PORT_BASE} and ${DEFAULT_WORKER_PORT_BASE}).
`;

interface StartOptions {
  readonly once: boolean;
  readonly withoutWorkers: readonly string[];
}

function readOptions(args: readonly string[]): StartOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      once: { type: 'boolean', default: false },
      'without-worker': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return {
    once: values.once,
    withoutWorkers: values['without-worker'].flatMap((org) =>
      org
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ''),
    ),
  };
}

function portBase(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1024 || port > 65000) {
    throw new Error(`${name} must be a port number from 1024 to 65000, not '${text}'`);
  }
  return port;
}

/**
 * `npm start`: the main job on the embedded defaults. A three-organisation Fabric network (`ORGS`
 * to change it), an SQLite copy of a sample table per organisation, a gateway and a worker per
 * organisation; one record submitted by Org1 and corroborated by the others, its consensus result
 * printed.
 */
async function main(): Promise<number> {
  let options: StartOptions;
  let gatewayPortBase: number;
  let workerPortBase: number;
  try {
    options = readOptions(process.argv.slice(2));
    gatewayPortBase = portBase('CORROBORATE_GATEWAY_PORT_BASE', DEFAULT_GATEWAY_PORT_BASE);
    workerPortBase = portBase('CORROBORATE_WORKER_PORT_BASE', DEFAULT_WORKER_PORT_BASE);
  } catch (error) {
    fail((error as Error).message);
    process.stderr.write(usage);
    return 2;
  }
  const stopRequested = new Promise<void>((resolveStop) => {
    process.once('SIGINT', () => resolveStop());
    process.once('SIGTERM', () => resolveStop());
  });
  return runStartSequence<LocalConsortium>(
    {
      networkUp: () => runNetworkScript(repoDir, home, ['up']),
      networkDown: () => runNetworkScript(repoDir, home, ['down']),
      startConsortium: () =>
        startLocalConsortium({
          repoDir,
          home,
          logLevel: process.env.CORROBORATE_LOG_LEVEL ?? 'warn',
          progress: say,
          gatewayPortBase,
          workerPortBase,
          withoutWorkers: options.withoutWorkers,
        }),
      demonstrate,
      stopRequested,
      say,
      fail,
    },
    { once: options.once },
  );
}

/** Initialises the participant set, submits one record from Org1 and prints its result. */
async function demonstrate(consortium: LocalConsortium): Promise<void> {
  const [requester] = consortium.members;
  if (!requester) throw new Error('the network has no organisation');
  const client = newGatewayClient({
    url: requester.gatewayUrl,
    apiKey: requester.apiKey,
    timeoutMs: 120_000,
  });
  if (await initialiseParticipants(consortium.members)) {
    say('the participant set is initialised: a majority of the admins asked for every member');
  }

  say(`${requester.org} submits a customer record from its SQLite copy for corroboration`);
  const submitted = await client.submit({
    sourceId: 'customers',
    read: {
      kind: 'sql',
      table: 'customers',
      key: { id: SAMPLE_ROWS[0]?.id ?? '1' },
      columns: [...SAMPLE_COLUMNS],
    },
  });
  const idle = consortium.idle;
  if (idle.length > 0) {
    const waiting = await waitForRunningVoters(client, submitted.id, consortium);
    if (waiting.status === 'pending') {
      printPending(waiting, idle);
      // Until the block's deadline: starting an idle worker decides it.
      const decided = await waitForOutcome(
        client,
        submitted.id,
        Math.max(0, Date.parse(waiting.block.content.deadline) - Date.now()) + 60_000,
        1000,
      );
      printResult(await withEveryVerdict(client, decided, consortium), consortium.members);
      return;
    }
  }
  const decided = await waitForOutcome(client, submitted.id, 120_000);
  printResult(await withEveryVerdict(client, decided, consortium), consortium.members);
}

/**
 * Waits until every running worker's organisation has recorded its verdict on the request, or its
 * outcome is decided, so that a pending request is shown with the verdicts it can have.
 */
async function waitForRunningVoters(
  client: GatewayClient,
  id: string,
  consortium: LocalConsortium,
): Promise<RequestView> {
  const idle = new Set(consortium.idle.map((member) => member.mspId));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const view = await client.getRequest(id);
    const requester = view.block.content.requester.mspId;
    const running = view.block.participants.filter(
      (participant) => participant !== requester && !idle.has(participant),
    );
    const heard = running.every((participant) =>
      view.verdicts.some((verdict) => verdict.participant === participant),
    );
    if (view.status !== 'pending' || heard) return view;
    if (Date.now() > deadline) {
      throw new Error(`the running workers recorded no verdict on ${id} in 120 s`);
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 250));
  }
}

function printPending(view: RequestView, idle: readonly LocalMember[]): void {
  const valid = view.verdicts.filter((verdict) => verdict.result === 'valid').length;
  const lines = [
    '',
    `Consensus result for ${view.id}: PENDING`,
    `  ${valid} of ${view.outcome.participants} voters verified it (threshold ${view.outcome.threshold}); no worker runs for ${idle.map((member) => member.org).join(', ')}`,
    `  it stays pending until enough of them verify it, or expires at ${view.block.content.deadline}`,
    '',
    'Start a worker in another shell, and the request is decided:',
    ...idle.map(
      (member) =>
        `  node ${relative(process.cwd(), resolve(repoDir, 'gateway', 'dist', 'cli.js'))} worker start --config ${member.configPath}`,
    ),
    '',
    'Waiting for the outcome…',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The outcome is recorded as soon as enough verdicts decide it; the remaining participants' verdicts
 * follow within moments. Wait briefly for them, so that the table shows every organisation.
 */
async function withEveryVerdict(
  client: GatewayClient,
  view: RequestView,
  consortium: LocalConsortium,
): Promise<RequestView> {
  const deadline = Date.now() + 15_000;
  let current = view;
  // `outcome.participants` counts the voters: the requester does not verify its own record, and
  // an organisation without a running worker verifies nothing.
  const idle = consortium.idle.filter(
    (member) => member.mspId !== view.block.content.requester.mspId,
  ).length;
  while (current.verdicts.length < current.outcome.participants - idle && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    current = await client.getRequest(view.id);
  }
  return current;
}

function printResult(view: RequestView, members: readonly LocalMember[]): void {
  const lines = [
    '',
    `Consensus result for ${view.id}: ${view.status.toUpperCase()}`,
    `  ${view.verdicts.filter((verdict) => verdict.result === 'valid').length} of ${view.outcome.participants} voters verified it (threshold ${view.outcome.threshold})`,
    `  batch root ${view.block.content.batchRoot}`,
    '',
    '  participant   verdict   reason   attempts',
    ...view.block.participants.map((participant) => {
      const verdict = view.verdicts.find((candidate) => candidate.participant === participant);
      const requester = participant === view.block.content.requester.mspId;
      return `  ${participant.padEnd(13)} ${(verdict?.result ?? (requester ? 'requester' : 'pending')).padEnd(9)} ${(verdict?.reason ?? '').padEnd(8)} ${verdict?.attempts ?? ''}`;
    }),
    '',
    'Gateways (API key in each member folder):',
    ...members.map(
      (member) =>
        `  ${member.org}  ${member.gatewayUrl}   worker ${member.workerUrl}   key ${member.dir}/api-key`,
    ),
    '',
    ...members.map(
      (member) =>
        `Dashboard: ${member.gatewayUrl}/dashboard   (${member.org}: sign in with the API key in ${member.dir}/api-key)`,
    ),
    '',
    'Try:',
    `  curl -s -H "Authorization: Bearer $(cat ${members[0]?.dir}/api-key)" ${members[0]?.gatewayUrl}/v1/requests/${view.id}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    fail((error as Error).message);
    process.exit(1);
  },
);
