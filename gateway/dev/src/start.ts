#!/usr/bin/env node
import { newGatewayClient, type GatewayClient, type RequestView } from '@corroborate/gateway';
import { resolve } from 'node:path';
import type { LocalMember } from './cluster';
import { runNetworkScript, startLocalConsortium, type LocalConsortium } from './demo';
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

/**
 * `npm start`: the main job on the embedded defaults. A three-organisation Fabric network, an
 * SQLite copy of a sample table per organisation, a gateway and a worker per organisation; one
 * record submitted by Org1 and corroborated by all, its consensus result printed.
 */
async function main(): Promise<number> {
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
        }),
      demonstrate,
      stopRequested,
      say,
      fail,
    },
    { once: process.argv.includes('--once') },
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
  const decided = await waitForOutcome(client, submitted.id, 120_000);
  printResult(await withEveryVerdict(client, decided), consortium.members);
}

/**
 * The outcome is recorded as soon as enough verdicts decide it; the remaining participants' verdicts
 * follow within moments. Wait briefly for them, so that the table shows every organisation.
 */
async function withEveryVerdict(client: GatewayClient, view: RequestView): Promise<RequestView> {
  const deadline = Date.now() + 15_000;
  let current = view;
  // `outcome.participants` counts the voters: the requester does not verify its own record.
  while (current.verdicts.length < current.outcome.participants && Date.now() < deadline) {
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
