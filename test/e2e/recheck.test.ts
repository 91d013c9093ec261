import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForOutcome } from '@corroborate/dev';
import { SAMPLE_COLUMNS, SAMPLE_ROWS } from '@corroborate/dev';
import type { RequestView, Submitted } from '@corroborate/gateway';
import { cliPath, startWorld, type E2eWorld } from './harness';

interface Delivery {
  readonly body: string;
  readonly signature: string;
}

/** How a receiver checks an alert: the HMAC-SHA-256 of the exact body bytes, in constant time. */
function signatureVerifies(delivery: Delivery, secret: string): boolean {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(delivery.body, 'utf8').digest('hex')}`,
  );
  const given = Buffer.from(delivery.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Runs the CLI without blocking the event loop, so that the loopback receiver keeps answering. */
function runCli(
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('end to end: re-verification of an accepted record, with a drift alert', function () {
  const secret = 'e2e-webhook-secret-0123456789';
  const deliveries: Delivery[] = [];
  let receiver: Server;
  let world: E2eWorld;

  before(async function () {
    this.timeout(600_000);
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        deliveries.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(request.headers['x-corroborate-signature'] ?? ''),
        });
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
    // Only Org1 has a webhook: one member's alert per drifted attestation.
    world = await startWorld({
      workerOf: (org) =>
        org === 'org1'
          ? { webhook: { url, secret, initialBackoffMs: 100, maxBackoffMs: 1000 } }
          : {},
    });
  });

  after(async function () {
    this.timeout(120_000);
    await world?.consortium.stop();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  it("names the field changed in one member's copy while the others still match, and alerts once", async function () {
    this.timeout(600_000);
    const row = SAMPLE_ROWS[0]!;
    const response = await world.org1.send('POST', '/v1/requests', {
      body: {
        sourceId: 'customers',
        read: {
          kind: 'sql',
          table: 'customers',
          key: { id: row.id },
          columns: [...SAMPLE_COLUMNS],
        },
      },
    });
    expect(response.status, response.text).to.equal(202);
    const id = (response.body as Submitted).id;
    const decided = await waitForOutcome(world.org1, id, 180_000);
    expect(decided.status).to.equal('accepted');

    // A pending or unknown request is refused and nothing is written.
    const unknown = await world.org1.send('POST', '/v1/requests/e2e-no-such-request/recheck');
    expect(unknown.status).to.equal(404);

    // After the agreement, Org3's copy of the record changes.
    const db = new Database(world.sqliteFile('org3'));
    try {
      db.prepare('UPDATE customers SET name = ? WHERE id = ?').run('Someone Else', BigInt(row.id));
    } finally {
      db.close();
    }

    const member = world.consortium.members.find((candidate) => candidate.org === 'org1')!;
    const run = await runCli([
      'request',
      'recheck',
      id,
      '--wait',
      '--json',
      '--timeout',
      '180',
      '--url',
      member.gatewayUrl,
      '--api-key',
      member.apiKey,
    ]);
    // Exit code 4: a participant attested drift.
    expect(run.status, run.stderr).to.equal(4);
    const round = JSON.parse(run.stdout) as RequestView['rechecks'][number] & { id: string };
    expect(round).to.include({ id, round: 1, requestedBy: 'Org1MSP' });
    const byParticipant = new Map(round.attestations.map((a) => [a.participant, a]));
    expect([...byParticipant.keys()].sort()).to.deep.equal(['Org1MSP', 'Org2MSP', 'Org3MSP']);
    expect(byParticipant.get('Org3MSP')).to.deep.include({
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields: [{ record: 0, fields: ['name'] }],
    });
    expect(JSON.stringify(byParticipant.get('Org3MSP'))).not.to.include('Someone Else');
    expect(byParticipant.get('Org1MSP')).to.include({ result: 'matches' });
    expect(byParticipant.get('Org2MSP')).to.include({ result: 'matches' });

    // The request view carries the drift history.
    const view = await world.org1.getRequest(id);
    expect(view.rechecks.map((r) => r.round)).to.deep.equal([1]);

    // Org1's worker posts one alert for this request, for Org3's drifted attestation, signed
    // with the secret. (A reused ledger may hold other rounds, whose alerts are not this one's.)
    const ofThisRequest = () =>
      deliveries.filter((each) => (JSON.parse(each.body) as { blockId?: string }).blockId === id);
    await until(() => ofThisRequest().length >= 1, 'the webhook received the alert');
    expect(ofThisRequest()).to.have.length(1);
    const [delivery] = ofThisRequest();
    expect(signatureVerifies(delivery!, secret)).to.be.true;
    expect(signatureVerifies(delivery!, 'not-the-secret-at-all')).to.be.false;
    expect(JSON.parse(delivery!.body)).to.deep.include({
      type: 'corroborate.recheck.alert',
      blockId: id,
      round: 1,
      participant: 'Org3MSP',
      result: 'drifted',
      differingFields: [{ record: 0, fields: ['name'] }],
    });
  });
});
