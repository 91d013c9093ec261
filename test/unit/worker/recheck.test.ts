import {
  attestationSigningPayload,
  verifySignature,
  type Attestation,
  type AttestationInput,
  type FirstBlockView,
  type LedgerEventPayloads,
  type RecheckHistory,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import * as sinon from 'sinon';
import { SourceError } from '../../../gateway/src/sources/source';
import type { LedgerEvent } from '../../../gateway/src/fabric/ledger';
import { newWorkerMetrics } from '../../../gateway/src/worker/metrics';
import {
  newParticipant,
  type Participant,
  type RecheckResult,
  type RetryPolicy,
} from '../../../gateway/src/worker/participant';
import { newParticipantProtocol } from '../../../gateway/src/worker/protocol';
import { newRecheckSchedule } from '../../../gateway/src/worker/schedule';
import {
  ALERT_SIGNATURE_HEADER,
  newWebhook,
  signAlertBody,
  verifyAlertSignature,
  type DriftAlert,
} from '../../../gateway/src/worker/webhook';
import { newIdentity, type TestIdentity } from '../../support/identities';
import {
  accountReader,
  chaincodeError,
  newFakeConnector,
  newFakeRegistry,
  newStubbedLedger,
  type ReadFunction,
  type StubbedLedger,
} from '../gateway/fakes';
import { newScenario, type Scenario } from '../receipt/fixture';

chai.use(chaiAsPromised);
const { expect } = chai;

const retry: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 300,
  abstainMarginMs: 15_000,
};
const silent = pino({ level: 'silent' });

describe('re-verification: a participant attests', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;
  let accepted: FirstBlockView;
  let blockId: string;
  let ledger: StubbedLedger;
  let signer: TestIdentity;
  let sleep: sinon.SinonStub<[number], Promise<void>>;

  before(async () => {
    scenario = await newScenario({ results: ['valid', 'valid', undefined, undefined] });
    accepted = scenario.view;
    blockId = accepted.block.content.id;
    signer = await newIdentity('Org3MSP');
  });

  function history(attested: readonly string[] = []): RecheckHistory {
    return {
      blockId,
      rounds: [
        {
          blockId,
          round: 1,
          requestedBy: 'Org2MSP',
          requestedAt: '2030-01-02T00:00:00.000Z',
          txId: 'tx-round',
          attestations: attested.map(
            (participant) => ({ participant, round: 1, blockId }) as Attestation,
          ),
        },
      ],
    };
  }

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox, 'Org3MSP');
    ledger.getFirstBlock.callsFake(() => Promise.resolve(structuredClone(accepted)));
    ledger.getRechecks.resolves(history());
    ledger.recordAttestation.callsFake((id, round, input) =>
      Promise.resolve({
        result: { ...input, blockId: id, round, participant: 'Org3MSP' } as Attestation,
        transactionId: 'tx-attest',
        blockNumber: 12n,
      }),
    );
    sleep = sandbox.stub<[number], Promise<void>>().resolves();
  });

  afterEach(() => sandbox.restore());

  function reading(read: ReadFunction) {
    return newParticipant({
      ledger,
      signingKey: signer.privateKey,
      sources: newFakeRegistry(newFakeConnector(sandbox, 'bank', read)),
      retry,
      sleep,
    });
  }

  /** The attestation submitted, once its signature is checked over block, round and body. */
  function submitted(): AttestationInput {
    expect(ledger.recordAttestation.calledOnce, 'one attestation recorded').to.be.true;
    const [id, round, input] = ledger.recordAttestation.firstCall.args;
    expect([id, round]).to.deep.equal([blockId, 1]);
    const { signature, ...body } = input;
    const payload = attestationSigningPayload(
      { blockId, contentHash: accepted.block.contentHash, round: 1, participant: 'Org3MSP' },
      body,
    );
    expect(verifySignature(payload, signature, signer.certificate), 'signed by Org3').to.be.true;
    return input;
  }

  it('attests matches when the source still holds what was agreed', async () => {
    const result = await reading(accountReader()).recheck(blockId, 1);
    expect(result).to.deep.include({ kind: 'recorded', driftedRecords: 0 });
    expect(submitted()).to.deep.include({ result: 'matches', reason: 'OK', differingFields: [] });
  });

  it('attests drifted naming the changed field, never its value, and does not retry', async () => {
    const changed = accountReader((row) =>
      row.id === 2 ? { ...row, name: 'Alan M. Turing' } : row,
    );
    const result = await reading(changed).recheck(blockId, 1);
    expect(result).to.deep.include({ kind: 'recorded', driftedRecords: 1 });
    const input = submitted();
    expect(input).to.deep.include({
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields: [{ record: 1, fields: ['name'] }],
    });
    expect(JSON.stringify(input)).not.to.include('Turing');
    sinon.assert.notCalled(sleep);
  });

  it('attests unreadable with the reason once retries of an unreachable source run out', async () => {
    const down: ReadFunction = () =>
      Promise.reject(new SourceError('SOURCE_UNAVAILABLE', 'down', { retryable: true }));
    await reading(down).recheck(blockId, 1);
    expect(submitted()).to.deep.include({
      result: 'unreadable',
      reason: 'SOURCE_UNAVAILABLE',
      differingFields: [],
    });
    expect(sleep.args.map(([ms]) => ms)).to.deep.equal([100, 200]);
  });

  it('records nothing when it attested in the round already, or the round is unknown', async () => {
    ledger.getRechecks.resolves(history(['Org3MSP']));
    expect(await reading(accountReader()).recheck(blockId, 1)).to.deep.equal({
      kind: 'already-recorded',
    });
    expect(await reading(accountReader()).recheck(blockId, 2)).to.deep.include({ kind: 'skipped' });
    sinon.assert.notCalled(ledger.recordAttestation);
  });

  it('takes DUPLICATE_ATTESTATION from a redelivered event as already recorded', async () => {
    ledger.recordAttestation.rejects(chaincodeError('DUPLICATE_ATTESTATION: Org3MSP attested'));
    expect(await reading(accountReader()).recheck(blockId, 1)).to.deep.equal({
      kind: 'already-recorded',
    });
  });
});

describe('drift alert webhook', () => {
  let server: Server;
  let url: string;
  let received: Array<{ body: string; signature: string }>;
  let answers: number[];
  const secret = 'a-test-secret-of-enough-length';
  const alert: DriftAlert = {
    type: 'corroborate.recheck.alert',
    id: 'tx-1',
    blockId: 'req-1',
    round: 2,
    participant: 'Org2MSP',
    result: 'drifted',
    reason: 'HASH_MISMATCH',
    differingFields: [{ record: 0, fields: ['balance'] }],
  };

  beforeEach(async () => {
    received = [];
    answers = [];
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(request.headers[ALERT_SIGNATURE_HEADER.toLowerCase()]),
        });
        response.statusCode = answers.shift() ?? 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function webhook(sleep: (ms: number) => Promise<void>) {
    return newWebhook({
      url,
      secret,
      maxAttempts: 4,
      initialBackoffMs: 50,
      maxBackoffMs: 120,
      timeoutMs: 5000,
      sleep,
    });
  }

  it('posts the alert once, its body signed with HMAC-SHA-256 of the secret', async () => {
    expect(await webhook(() => Promise.resolve()).send(alert)).to.be.true;
    expect(received).to.have.length(1);
    const [delivery] = received;
    expect(JSON.parse(delivery?.body ?? '')).to.deep.equal(alert);
    expect(verifyAlertSignature(delivery?.body ?? '', delivery?.signature ?? '', secret)).to.be
      .true;
    expect(verifyAlertSignature(delivery?.body ?? '', delivery?.signature ?? '', 'another secret'))
      .to.be.false;
    expect(delivery?.signature).to.match(/^sha256=[0-9a-f]{64}$/);
    expect(signAlertBody(delivery?.body ?? '', secret)).to.equal(delivery?.signature);
  });

  it('retries a 5xx and a 429 with exponential backoff, then stops at success', async () => {
    answers = [503, 429, 200];
    const sleep = sinon.stub<[number], Promise<void>>().resolves();
    expect(await webhook(sleep).send(alert)).to.be.true;
    expect(received).to.have.length(3);
    expect(sleep.args.map(([ms]) => ms)).to.deep.equal([50, 100]);
    // Every attempt carries the same body and signature.
    expect(new Set(received.map((r) => r.body + r.signature)).size).to.equal(1);
  });

  it('gives up after maxAttempts, and at once on a 4xx other than 429', async () => {
    answers = [500, 500, 500, 500, 500];
    const sleep = sinon.stub<[number], Promise<void>>().resolves();
    expect(await webhook(sleep).send(alert)).to.be.false;
    expect(received).to.have.length(4);
    expect(sleep.args.map(([ms]) => ms)).to.deep.equal([50, 100, 120]);
    received = [];
    answers = [400];
    expect(await webhook(sleep).send(alert)).to.be.false;
    expect(received).to.have.length(1);
  });
});

describe('re-check schedule', () => {
  const sandbox = sinon.createSandbox();
  let ledger: StubbedLedger;
  let clock: number;
  let rounds: number;

  beforeEach(() => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    rounds = 0;
    ledger = newStubbedLedger(sandbox, 'Org2MSP');
    const item = (blockId: string, sourceId: string) => ({
      blockId,
      sourceId,
      status: 'accepted' as const,
      requester: 'Org1MSP',
      mode: 'parallel' as const,
      records: 1,
      participants: 3,
      threshold: 1,
      deadline: '2029-12-31T00:00:00.000Z',
      createdAt: '2029-12-30T23:00:00.000Z',
      decidedAt: '2029-12-31T23:59:00.000Z',
    });
    ledger.listFirstBlocks.resolves({
      items: [item('a', 'bank'), item('b', 'crm'), item('c', 'bank')],
      bookmark: '',
    });
    ledger.getRechecks.callsFake((blockId) => Promise.resolve({ blockId, rounds: [] }));
    ledger.requestRecheck.callsFake((blockId) => {
      rounds++;
      if (blockId === 'c') return Promise.reject(chaincodeError('NOT_A_PARTICIPANT: Org2MSP'));
      return Promise.resolve({
        result: {
          blockId,
          round: rounds,
          requestedBy: 'Org2MSP',
          requestedAt: new Date(clock).toISOString(),
          txId: `tx-${rounds}`,
        },
        transactionId: `tx-${rounds}`,
        blockNumber: 1n,
      });
    });
  });

  afterEach(() => sandbox.restore());

  it("asks for a round of each listed source's accepted block once per interval", async () => {
    const schedule = newRecheckSchedule({
      ledger,
      intervalSeconds: { bank: 3600 },
      logger: silent,
      now: () => clock,
    });
    // 60 s after the outcome: not yet due.
    await schedule.run();
    sinon.assert.notCalled(ledger.requestRecheck);
    clock += 3600 * 1000;
    await schedule.run();
    expect(ledger.requestRecheck.args.map(([id]) => id)).to.deep.equal(['a', 'c']);
    // 'c' was refused (not in its snapshot) and is left alone; 'a' waits for the next interval.
    clock += 1800 * 1000;
    await schedule.run();
    expect(ledger.requestRecheck.callCount).to.equal(2);
    clock += 1800 * 1000;
    await schedule.run();
    expect(ledger.requestRecheck.args.map(([id]) => id)).to.deep.equal(['a', 'c', 'a']);
    // 'crm' is not listed: never re-checked on a schedule.
    expect(ledger.requestRecheck.args.some(([id]) => id === 'b')).to.be.false;
  });

  it('counts from the latest round on the ledger, not only from the outcome', async () => {
    ledger.getRechecks.callsFake((blockId) =>
      Promise.resolve({
        blockId,
        rounds: [
          {
            blockId,
            round: 4,
            requestedBy: 'Org3MSP',
            requestedAt: '2030-01-01T00:30:00.000Z',
            txId: 'tx-old',
            attestations: [],
          },
        ],
      }),
    );
    const schedule = newRecheckSchedule({
      ledger,
      intervalSeconds: { bank: 3600 },
      logger: silent,
      now: () => clock,
    });
    clock = Date.parse('2030-01-01T01:00:00Z');
    await schedule.run();
    sinon.assert.notCalled(ledger.requestRecheck);
    clock = Date.parse('2030-01-01T01:30:00Z');
    await schedule.run();
    expect(ledger.requestRecheck.args.map(([id]) => id)).to.deep.equal(['a', 'c']);
  });
});

describe('the participant protocol on re-verification events', () => {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  function event<Name extends 'RecheckRequested' | 'AttestationRecorded'>(
    name: Name,
    payload: LedgerEventPayloads[Name],
  ): LedgerEvent {
    return { name, payload, blockNumber: 30n, transactionId: payload.txId } as LedgerEvent;
  }

  it('attests on RecheckRequested, counts by result, keeps drifted records, and alerts on drift only', async () => {
    const metrics = newWorkerMetrics();
    const recheck = sandbox.stub<[string, number], Promise<RecheckResult>>();
    const send = sandbox.stub<[DriftAlert], Promise<boolean>>().resolves(true);
    const participant: Participant = {
      mspId: 'Org2MSP',
      verify: () => Promise.reject(new Error('not used')),
      recheck,
      close: () => undefined,
    };
    const protocol = newParticipantProtocol({
      ledger: newStubbedLedger(sandbox, 'Org2MSP'),
      participant,
      metrics,
      logger: silent,
      finalizeGraceMs: 5000,
      webhook: { send },
    });
    const attestation = (result: 'matches' | 'drifted', round: number) =>
      ({ blockId: 'b1', round, participant: 'Org2MSP', result }) as Attestation;
    recheck.onCall(0).resolves({
      kind: 'recorded',
      attestation: attestation('drifted', 1),
      driftedRecords: 2,
    });
    recheck.onCall(1).resolves({
      kind: 'recorded',
      attestation: attestation('matches', 2),
      driftedRecords: 0,
    });
    const requested = (round: number) =>
      event('RecheckRequested', {
        blockId: 'b1',
        round,
        requestedBy: 'Org1MSP',
        sourceId: 'bank',
        txId: `tx-r${round}`,
      });

    await protocol.handle(requested(1));
    expect(recheck.firstCall.args).to.deep.equal(['b1', 1]);
    expect((await metrics.driftedRecords.get()).values[0]?.value).to.equal(2);
    await protocol.handle(requested(2));
    expect((await metrics.driftedRecords.get()).values[0]?.value).to.equal(0);
    const byResult = (await metrics.rechecks.get()).values.map((v) => [v.labels.result, v.value]);
    expect(byResult).to.have.deep.members([
      ['drifted', 1],
      ['matches', 1],
    ]);

    const recorded = (result: 'matches' | 'drifted' | 'unreadable', participant: string) =>
      event('AttestationRecorded', {
        blockId: 'b1',
        round: 1,
        participant,
        result,
        reason: result === 'matches' ? 'OK' : result === 'drifted' ? 'HASH_MISMATCH' : 'INTERNAL',
        differingFields: result === 'drifted' ? [{ record: 0, fields: ['name'] }] : [],
        txId: `tx-${participant}`,
      });
    await protocol.handle(recorded('matches', 'Org1MSP'));
    sinon.assert.notCalled(send);
    await protocol.handle(recorded('drifted', 'Org3MSP'));
    await protocol.handle(recorded('unreadable', 'Org2MSP'));
    expect(send.args.map(([alert]) => [alert.participant, alert.result])).to.deep.equal([
      ['Org3MSP', 'drifted'],
      ['Org2MSP', 'unreadable'],
    ]);
    expect(send.firstCall.args[0]).to.deep.equal({
      type: 'corroborate.recheck.alert',
      id: 'tx-Org3MSP',
      blockId: 'b1',
      round: 1,
      participant: 'Org3MSP',
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields: [{ record: 0, fields: ['name'] }],
    });
    const alerts = (await metrics.alerts.get()).values.map((v) => [v.labels.outcome, v.value]);
    expect(alerts).to.deep.equal([['delivered', 2]]);
    await protocol.close();
  });
});
