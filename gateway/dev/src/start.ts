#!/usr/bin/env node
import { resolve } from 'node:path';
import { newGatewayClient, waitForOutcome, type ErrorBody, type GatewayClient } from './client';
import { runNetworkScript, startLocalConsortium } from './demo';
import { SAMPLE_COLUMNS, SAMPLE_ROWS } from './sample-table';

interface RequestView {
  id: string;
  status: string;
  verdicts: Array<{ participant: string; result: string; reason: string; attempts: number }>;
  outcome: {
    valid: number;
    invalid: number;
    participants: number;
    threshold: number;
    txId?: string;
  };
  block: { participants: string[]; content: { batchRoot: string } };
}

const repoDir = resolve(__dirname, '..', '..', '..');
const home = process.env.CORROBORATE_HOME ?? resolve(repoDir, '.corroborate');
const once = process.argv.includes('--once');
const say = (message: string): void =>
  void process.stderr.write(`\u001b[34m==>\u001b[0m ${message}\n`);

/**
 * `npm start`: the main job on the embedded defaults. A three-organisation Fabric network, an
 * SQLite copy of a sample table per organisation, a gateway and a worker per organisation; one
 * record submitted by Org1 and corroborated by all, its consensus result printed.
 */
async function main(): Promise<void> {
  say(
    'bringing up the local Fabric network (the first run builds Fabric; later runs take seconds)',
  );
  runNetworkScript(repoDir, home, ['up']);

  const consortium = await startLocalConsortium({
    repoDir,
    home,
    logLevel: process.env.CORROBORATE_LOG_LEVEL ?? 'warn',
    progress: say,
  });
  let stopping = false;
  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping gateways and workers');
    await consortium.stop();
    say('stopping the network (its ledger is kept; `npm run network:down -- --purge` removes it)');
    try {
      runNetworkScript(repoDir, home, ['down']);
    } finally {
      process.exit(code);
    }
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    const [requester] = consortium.members;
    if (!requester) throw new Error('the network has no organisation');
    const client = newGatewayClient(requester.gatewayUrl, requester.apiKey);
    const mspIds = consortium.members.map((member) => member.mspId);
    const init = await client.request<ErrorBody>('POST', '/v1/admin/participants', {
      body: { participants: mspIds, quorumRatio: '0.5' },
    });
    if (init.status !== 201 && init.body.error?.code !== 'ALREADY_INITIALISED') {
      throw new Error(`initialising the participant set failed: ${JSON.stringify(init.body)}`);
    }

    say(`${requester.org} submits a customer record from its SQLite copy for corroboration`);
    const submitted = await client.request<{ id: string } & ErrorBody>('POST', '/v1/requests', {
      body: {
        sourceId: 'customers',
        read: {
          kind: 'sql',
          table: 'customers',
          key: { id: SAMPLE_ROWS[0]?.id ?? '1' },
          columns: [...SAMPLE_COLUMNS],
        },
      },
    });
    if (submitted.status !== 202)
      throw new Error(`submission failed: ${JSON.stringify(submitted.body)}`);
    const decided = await waitForOutcome<RequestView>(client, submitted.body.id, 120_000);
    printResult(await withEveryVerdict(client, decided), consortium.members);
  } catch (error) {
    process.stderr.write(`\u001b[31merror:\u001b[0m ${(error as Error).message}\n`);
    await shutdown(1);
    return;
  }
  if (once) {
    await shutdown(0);
    return;
  }
  say('serving until Ctrl-C');
}

/**
 * The outcome is recorded as soon as enough verdicts decide it; the remaining participants' verdicts
 * follow within moments. Wait briefly for them, so that the table shows every organisation.
 */
async function withEveryVerdict(client: GatewayClient, view: RequestView): Promise<RequestView> {
  const deadline = Date.now() + 15_000;
  let current = view;
  while (current.verdicts.length < current.block.participants.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { status, body } = await client.request<RequestView>(
      'GET',
      `/v1/requests/${encodeURIComponent(view.id)}`,
    );
    if (status === 200) current = body;
  }
  return current;
}

function printResult(
  view: RequestView,
  members: ReadonlyArray<{ org: string; gatewayUrl: string; workerUrl: string; dir: string }>,
): void {
  const lines = [
    '',
    `Consensus result for ${view.id}: ${view.status.toUpperCase()}`,
    `  ${view.verdicts.filter((verdict) => verdict.result === 'valid').length} of ${view.outcome.participants} participants verified it (threshold ${view.outcome.threshold})`,
    `  batch root ${view.block.content.batchRoot}`,
    '',
    '  participant   verdict   reason   attempts',
    ...view.block.participants.map((participant) => {
      const verdict = view.verdicts.find((candidate) => candidate.participant === participant);
      return `  ${participant.padEnd(13)} ${(verdict?.result ?? 'pending').padEnd(9)} ${(verdict?.reason ?? '').padEnd(8)} ${verdict?.attempts ?? ''}`;
    }),
    '',
    'Gateways (API key in each member folder):',
    ...members.map(
      (member) =>
        `  ${member.org}  ${member.gatewayUrl}   worker ${member.workerUrl}   key ${member.dir}/api-key`,
    ),
    '',
    'Try:',
    `  curl -s -H "Authorization: Bearer $(cat ${members[0]?.dir}/api-key)" ${members[0]?.gatewayUrl}/v1/requests/${view.id}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\u001b[31merror:\u001b[0m ${(error as Error).message}\n`);
  process.exit(1);
});
