import * as grpc from '@grpc/grpc-js';
import type { FirstBlockContent, VerdictInput } from '@corroborate/protocol';
import {
  CommitStatusError,
  StatusCode,
  type Status,
  type SubmittedTransaction,
} from '@hyperledger/fabric-gateway';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { classify } from '../../../gateway/src/classify';
import { CorroborateError } from '../../../gateway/src/errors';
import { newCommitLog } from '../../../gateway/src/fabric/commit-log';
import type { FabricConnection } from '../../../gateway/src/fabric/connection';
import {
  newLedger,
  type CommitEvent,
  type CommitPolicy,
  type Ledger,
} from '../../../gateway/src/fabric/ledger';
import { newWorkerMetrics } from '../../../gateway/src/worker/metrics';
import { chaincodeError, serviceError } from './fakes';

chai.use(chaiAsPromised);
const { expect } = chai;

const transactionId = 'a1'.repeat(32);
const policy: CommitPolicy = { commitTimeoutMs: 5000, resubmissions: 2 };

/** What fabric-gateway gives for one endorsed transaction: its result, id and submissions. */
interface FakeTransaction {
  readonly getResult: sinon.SinonStub<[], Uint8Array>;
  readonly getTransactionId: sinon.SinonStub<[], string>;
  readonly submit: sinon.SinonStub<unknown[], Promise<SubmittedTransaction>>;
}

type GetStatus = sinon.SinonStub<[{ deadline?: number }?], Promise<Status>>;

function statusOf(code: Status['code'], blockNumber = 12n): Status {
  return { code, successful: code === StatusCode.VALID, blockNumber, transactionId };
}

function commitStatusError(code: grpc.status): CommitStatusError {
  const cause = serviceError(code, 'commit status');
  return new CommitStatusError({ code, details: [], cause, transactionId, message: cause.message });
}

/**
 * The Ledger facade over a stubbed fabric-gateway boundary: the contract endorses one
 * transaction, and each submission of it answers its commit status with the next of
 * `getStatus`'s answers.
 */
describe('ledger facade: waiting for commits', () => {
  const sandbox = sinon.createSandbox();
  let transaction: FakeTransaction;
  let endorse: sinon.SinonStub;
  let newProposal: sinon.SinonStub;
  let getStatus: GetStatus;
  let events: CommitEvent[];
  let clock: number;
  let sleep: sinon.SinonStub<[number], Promise<void>>;
  let ledger: Ledger;

  beforeEach(() => {
    getStatus = sandbox.stub<[{ deadline?: number }?], Promise<Status>>();
    transaction = {
      getResult: sandbox.stub<[], Uint8Array>().returns(Buffer.from('{"answer":42}')),
      getTransactionId: sandbox.stub<[], string>().returns(transactionId),
      submit: sandbox.stub<unknown[], Promise<SubmittedTransaction>>().callsFake(() =>
        Promise.resolve({
          getStatus,
          getTransactionId: () => transactionId,
          getResult: () => Buffer.from('{"answer":42}'),
        } as unknown as SubmittedTransaction),
      ),
    };
    endorse = sandbox.stub().resolves(transaction);
    newProposal = sandbox.stub().returns({ endorse });
    const contract = { newProposal };
    const connection = {
      identity: { mspId: 'Org2MSP' },
      profile: { channel: 'corroborate', chaincode: 'corroborate' },
      gateway: { getNetwork: () => ({ getContract: () => contract }) },
    } as unknown as FabricConnection;
    events = [];
    clock = 1_000_000;
    sleep = sandbox.stub<[number], Promise<void>>().callsFake((ms) => {
      clock += ms;
      return Promise.resolve();
    });
    ledger = newLedger(connection, {
      commit: policy,
      onCommitEvent: (event) => events.push(event),
      now: () => clock,
      sleep,
    });
  });

  afterEach(() => {
    sandbox.restore();
  });

  const verdict: VerdictInput = {
    result: 'unverifiable',
    observedHash: '',
    reason: 'SOURCE_UNAVAILABLE',
    attempts: 3,
    signature: Buffer.alloc(70, 1).toString('base64'),
  };
  const submissions: Array<[string, (ledger: Ledger) => Promise<{ transactionId: string }>]> = [
    [
      'a first block',
      (facade) => facade.createFirstBlock({ id: 'b1' } as FirstBlockContent, 'c2ln', ''),
    ],
    ['a verdict', (facade) => facade.recordVerdict('b1', verdict)],
    ['an outcome', (facade) => facade.finalizeOutcome('b1', ['Org2MSP'])],
  ];

  for (const [what, submit] of submissions) {
    it(`commits ${what} whose status comes in time, waiting within the commit deadline`, async () => {
      getStatus.resolves(statusOf(StatusCode.VALID));

      const committed = await submit(ledger);

      expect(committed).to.deep.equal({
        result: { answer: 42 },
        transactionId,
        blockNumber: 12n,
      });
      sinon.assert.calledOnce(endorse);
      sinon.assert.calledOnce(transaction.submit);
      sinon.assert.calledOnce(getStatus);
      expect(getStatus.firstCall.args[0]?.deadline).to.be.a('number');
      expect(events).to.deep.equal([]);
    });

    it(`submits ${what} again, the same signed transaction, when its status does not come in time`, async () => {
      getStatus.onFirstCall().rejects(commitStatusError(grpc.status.DEADLINE_EXCEEDED));
      getStatus.onSecondCall().resolves(statusOf(StatusCode.VALID, 14n));

      const committed = await submit(ledger);

      expect(committed).to.include({ transactionId, blockNumber: 14n });
      // Endorsed once: the same envelope is submitted twice, so the ledger takes one copy.
      sinon.assert.calledOnce(newProposal);
      sinon.assert.calledOnce(endorse);
      sinon.assert.calledTwice(transaction.submit);
      expect(events).to.deep.equal([
        {
          kind: 'resubmitted',
          transaction: newProposal.firstCall.args[0] as string,
          transactionId,
          resubmission: 1,
        },
      ]);
    });
  }

  it('treats a copy refused as a duplicate transaction id as already in, with the status of the first copy', async () => {
    getStatus.onFirstCall().rejects(commitStatusError(grpc.status.DEADLINE_EXCEEDED));
    getStatus.onSecondCall().resolves(statusOf(StatusCode.DUPLICATE_TXID, 15n));
    getStatus.onThirdCall().resolves(statusOf(StatusCode.VALID, 13n));

    const committed = await ledger.recordVerdict('b1', verdict);

    expect(committed).to.include({ transactionId, blockNumber: 13n });
    expect(events.map((event) => event.kind)).to.deep.equal(['resubmitted', 'duplicate']);
  });

  it('counts a duplicate transaction id as committed when no other status is to be had', async () => {
    getStatus.resolves(statusOf(StatusCode.DUPLICATE_TXID, 15n));

    const committed = await ledger.finalizeOutcome('b1');

    expect(committed).to.include({ transactionId, blockNumber: 15n });
    expect(events.map((event) => event.kind)).to.deep.equal(['duplicate']);
  });

  it('gives up after the resubmissions with COMMIT_UNCONFIRMED, a retryable 503 naming the transaction', async () => {
    getStatus.rejects(commitStatusError(grpc.status.DEADLINE_EXCEEDED));

    const failure: unknown = await expect(ledger.recordVerdict('b1', verdict)).to.be.rejectedWith(
      CorroborateError,
      /has no commit status after 3 submission\(s\)/,
    );

    expect(failure).to.include({ code: 'COMMIT_UNCONFIRMED', transactionId });
    expect(classify(failure)).to.include({ status: 503, retryable: true, transactionId });
    // The first submission and two more, each waited for once.
    sinon.assert.callCount(transaction.submit, 3);
    sinon.assert.callCount(getStatus, 3);
    expect(events).to.deep.equal([
      { kind: 'resubmitted', transaction: 'RecordVerdict', transactionId, resubmission: 1 },
      { kind: 'resubmitted', transaction: 'RecordVerdict', transactionId, resubmission: 2 },
      { kind: 'unconfirmed', transaction: 'RecordVerdict', transactionId, resubmissions: 2 },
    ]);
  });

  it('keeps waiting for an earlier copy when the orderer refuses a resubmission', async () => {
    const refused = new Error('no orderer could be reached');
    transaction.submit.onSecondCall().rejects(refused);
    getStatus.onFirstCall().rejects(commitStatusError(grpc.status.DEADLINE_EXCEEDED));
    getStatus.onSecondCall().resolves(statusOf(StatusCode.VALID));

    const committed = await ledger.createFirstBlock({ id: 'b1' } as FirstBlockContent, 'c2ln', '');

    expect(committed).to.include({ transactionId });
    expect(events).to.deep.equal([
      {
        kind: 'resubmitted',
        transaction: 'CreateFirstBlock',
        transactionId,
        resubmission: 1,
        error: refused,
      },
    ]);
  });

  it('asks an unreachable peer again within the same wait, without resubmitting', async () => {
    getStatus.onFirstCall().rejects(commitStatusError(grpc.status.UNAVAILABLE));
    getStatus.onSecondCall().resolves(statusOf(StatusCode.VALID));

    await ledger.recordVerdict('b1', verdict);

    sinon.assert.calledOnce(transaction.submit);
    sinon.assert.calledOnce(sleep);
    expect(events).to.deep.equal([]);
  });

  it('resubmits once an unreachable peer has used up the wait', async () => {
    getStatus.rejects(commitStatusError(grpc.status.UNAVAILABLE));

    await expect(ledger.recordVerdict('b1', verdict)).to.be.rejectedWith(
      CorroborateError,
      /has no commit status/,
    );

    sinon.assert.callCount(transaction.submit, policy.resubmissions + 1);
    // Each wait pauses between questions until its deadline has passed, and no longer.
    expect(sleep.args.every(([ms]) => ms <= 1000)).to.be.true;
    expect(sleep.args.reduce((total, [ms]) => total + ms, 0)).to.equal(
      (policy.resubmissions + 1) * policy.commitTimeoutMs,
    );
  });

  it('fails a transaction that committed invalid, without resubmitting it', async () => {
    getStatus.resolves(statusOf(StatusCode.MVCC_READ_CONFLICT));

    const failure: unknown = await ledger.finalizeOutcome('b1').catch((error: unknown) => error);

    expect(classify(failure)).to.include({ code: 'MVCC_READ_CONFLICT', transactionId });
    sinon.assert.calledOnce(transaction.submit);
    expect(events).to.deep.equal([]);
  });

  it('endorses again, as a new transaction, one invalidated by an endorsement policy that changed meanwhile', async () => {
    getStatus.onFirstCall().resolves(statusOf(StatusCode.ENDORSEMENT_POLICY_FAILURE));
    getStatus.onSecondCall().resolves(statusOf(StatusCode.VALID));

    const committed = await ledger.finalizeOutcome('b1');

    expect(committed.transactionId).to.equal(transactionId);
    sinon.assert.calledTwice(endorse);
    expect(events).to.deep.equal([
      { kind: 'reendorsed', transaction: 'FinalizeOutcome', transactionId },
    ]);
  });

  it('gives up on the endorsement policy after three endorsements', async () => {
    getStatus.resolves(statusOf(StatusCode.ENDORSEMENT_POLICY_FAILURE));

    const failure: unknown = await ledger.finalizeOutcome('b1').catch((error: unknown) => error);

    expect(classify(failure)).to.include({ code: 'COMMIT_FAILED', transactionId });
    sinon.assert.calledThrice(endorse);
    expect(events.map((event) => event.kind)).to.deep.equal(['reendorsed', 'reendorsed']);
  });

  it('passes on a refused endorsement, submitting nothing', async () => {
    endorse.rejects(chaincodeError('DUPLICATE_VERDICT: Org2MSP has voted'));

    const failure: unknown = await ledger
      .recordVerdict('b1', verdict)
      .catch((error: unknown) => error);

    expect(classify(failure).code).to.equal('DUPLICATE_VERDICT');
    sinon.assert.notCalled(transaction.submit);
  });

  it('passes on a first submission the orderer did not take, as before', async () => {
    const refused = new Error('submit failed');
    transaction.submit.rejects(refused);

    await expect(ledger.recordVerdict('b1', verdict)).to.be.rejectedWith(refused);
    sinon.assert.notCalled(getStatus);
  });
});

describe('commit log', () => {
  it('logs each commit event and counts resubmissions and give-ups by transaction', async () => {
    const metrics = newWorkerMetrics();
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const log = newCommitLog(logger, metrics);

    log({ kind: 'resubmitted', transaction: 'RecordVerdict', transactionId, resubmission: 1 });
    log({ kind: 'duplicate', transaction: 'RecordVerdict', transactionId });
    log({ kind: 'unconfirmed', transaction: 'FinalizeOutcome', transactionId, resubmissions: 3 });

    const text = await metrics.registry.metrics();
    expect(text).to.include(
      'corroborate_worker_resubmissions_total{transaction="RecordVerdict"} 1',
    );
    expect(text).to.include(
      'corroborate_worker_commits_unconfirmed_total{transaction="FinalizeOutcome"} 1',
    );
    expect(lines.map((line) => [line.level, line.msg])).to.deep.equal([
      [40, 'no commit status in time; submitted the same transaction again'],
      [30, 'a copy of the transaction was refused by its id: it is committed'],
      [50, 'no commit status after every resubmission; giving up (it may still commit)'],
    ]);
  });
});
