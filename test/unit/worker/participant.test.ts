import type { VerdictInput } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import type { FirstBlockView, Verdict } from '@corroborate/protocol';
import { SourceError } from '../../../gateway/src/sources/source';
import {
  newParticipant,
  type Participant,
  type RetryPolicy,
} from '../../../gateway/src/worker/participant';
import { signPayload } from '../../support/identities';
import {
  accountReader,
  chaincodeError,
  mvccConflict,
  newFakeConnector,
  newFakeRegistry,
  newStubbedLedger,
  type FakeConnector,
  type ReadFunction,
  type StubbedLedger,
} from '../gateway/fakes';
import { newScenario, type Scenario } from '../receipt/fixture';

chai.use(chaiAsPromised);
const { expect } = chai;

const retry: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 300 };
const beforeDeadline = new Date('2029-12-31T23:00:00Z');
const blockId = 'req-accounts-1';

const mismatching = accountReader((row) => (row.id === 3 ? { ...row, balance: '0.2' } : row));

describe('participant', () => {
  const sandbox = sinon.createSandbox();
  let scenario: Scenario;
  let pending: FirstBlockView;
  let ledger: StubbedLedger;
  let connector: FakeConnector;
  let sleep: sinon.SinonStub<[number], Promise<void>>;
  let onRetry: sinon.SinonStub<[string, number, string], void>;
  let now: Date;

  before(async () => {
    scenario = await newScenario({ results: [undefined, undefined, undefined, undefined] });
    pending = scenario.view;
  });

  beforeEach(() => {
    ledger = newStubbedLedger(sandbox, 'Org2MSP');
    ledger.getFirstBlock.callsFake(() => Promise.resolve(structuredClone(pending)));
    ledger.recordVerdict.callsFake((id, input) =>
      Promise.resolve({
        result: verdictOf(id, input),
        transactionId: 'tx-verdict',
        blockNumber: 9n,
      }),
    );
    sleep = sandbox.stub<[number], Promise<void>>().resolves();
    onRetry = sandbox.stub<[string, number, string], void>();
    now = beforeDeadline;
  });

  afterEach(() => {
    sandbox.restore();
  });

  function verdictOf(id: string, input: VerdictInput): Verdict {
    return {
      blockId: id,
      participant: 'Org2MSP',
      result: input.result,
      observedHash: input.observedHash,
      reason: input.reason,
      attempts: input.attempts,
      failedRecords: input.failedRecords ?? [],
      recordedAt: '2029-12-31T23:00:01Z',
      txId: 'tx-verdict',
    };
  }

  function participantReading(read: ReadFunction, mspId = 'Org2MSP'): Participant {
    connector = newFakeConnector(sandbox, 'bank', read);
    return newParticipant({
      ledger: { ...ledger, mspId },
      sources: newFakeRegistry(connector),
      retry,
      sleep,
      now: () => now,
      onRetry,
    });
  }

  function recorded(): VerdictInput {
    expect(ledger.recordVerdict.calledOnce, 'one verdict recorded').to.be.true;
    const [id, input] = ledger.recordVerdict.firstCall.args;
    expect(id).to.equal(blockId);
    return input;
  }

  it('records a valid verdict, with the batch root it observed, when the source matches', async () => {
    const result = await participantReading(accountReader()).verify(blockId);

    expect(recorded()).to.deep.equal({
      result: 'valid',
      observedHash: pending.block.content.batchRoot,
      reason: 'OK',
      attempts: 1,
    });
    expect(result).to.deep.include({ kind: 'recorded' });
    sinon.assert.notCalled(sleep);
  });

  it('re-fetches the block on every attempt, backing off exponentially up to the cap, then records HASH_MISMATCH', async () => {
    await participantReading(mismatching).verify(blockId);

    sinon.assert.callCount(ledger.getFirstBlock, retry.maxAttempts);
    expect(sleep.args.map(([ms]) => ms)).to.deep.equal([100, 200, 300, 300]);
    expect(onRetry.args).to.deep.equal([1, 2, 3, 4].map((n) => [blockId, n, 'HASH_MISMATCH']));
    expect(recorded()).to.deep.include({
      result: 'invalid',
      reason: 'HASH_MISMATCH',
      attempts: retry.maxAttempts,
      failedRecords: [2],
    });
  });

  it('records valid once a mismatch clears on a later attempt', async () => {
    const reader = accountReader();
    let reads = 0;
    await participantReading((read) => (++reads <= 3 ? mismatching(read) : reader(read))).verify(
      blockId,
    );

    expect(recorded()).to.deep.include({ result: 'valid', attempts: 2 });
  });

  it('records a refused read at once, without retrying', async () => {
    const participant = participantReading(() =>
      Promise.reject(new SourceError('READ_REFUSED', 'table accounts is not allowed')),
    );

    await participant.verify(blockId);

    sinon.assert.calledOnce(ledger.getFirstBlock);
    expect(recorded()).to.deep.include({ result: 'invalid', reason: 'READ_REFUSED', attempts: 1 });
  });

  it('records BAD_SIGNATURE with nothing observed when the first verification fails throughout', async () => {
    pending = {
      ...scenario.view,
      block: { ...scenario.view.block, signature: signPayload(scenario.requester, 'other') },
    };
    try {
      await participantReading(accountReader()).verify(blockId);
    } finally {
      pending = scenario.view;
    }

    sinon.assert.notCalled(connector.read);
    expect(recorded()).to.deep.equal({
      result: 'invalid',
      observedHash: '',
      reason: 'BAD_SIGNATURE',
      attempts: retry.maxAttempts,
    });
  });

  it('skips a block on which it has recorded a verdict, without submitting', async () => {
    ledger.getFirstBlock.resolves({
      ...pending,
      verdicts: [
        verdictOf(blockId, { result: 'valid', observedHash: '', reason: 'OK', attempts: 1 }),
      ],
    });

    const result = await participantReading(accountReader()).verify(blockId);

    expect(result).to.deep.equal({ kind: 'already-recorded' });
    sinon.assert.notCalled(ledger.recordVerdict);
    sinon.assert.notCalled(connector.read);
  });

  it('counts a DUPLICATE_VERDICT refusal as done', async () => {
    ledger.recordVerdict.rejects(chaincodeError('DUPLICATE_VERDICT: Org2MSP has voted'));

    const result = await participantReading(accountReader()).verify(blockId);

    expect(result).to.deep.equal({ kind: 'already-recorded' });
  });

  it('skips a block that expires before its verdict is recorded', async () => {
    ledger.recordVerdict.rejects(chaincodeError('BLOCK_EXPIRED: deadline passed'));

    const result = await participantReading(accountReader()).verify(blockId);

    expect(result).to.deep.equal({ kind: 'skipped', why: 'deadline passed' });
  });

  it('skips a block whose deadline has passed, reading nothing', async () => {
    now = new Date('2030-01-01T00:00:00Z');

    const result = await participantReading(accountReader()).verify(blockId);

    expect(result).to.deep.equal({ kind: 'skipped', why: 'deadline passed' });
    sinon.assert.notCalled(connector.read);
    sinon.assert.notCalled(ledger.recordVerdict);
  });

  it('skips a block whose snapshot does not name it', async () => {
    const result = await participantReading(accountReader(), 'Org9MSP').verify(blockId);

    expect(result).to.deep.include({ kind: 'skipped' });
    sinon.assert.notCalled(connector.read);
    sinon.assert.notCalled(ledger.recordVerdict);
  });

  it('submits the verdict again after an MVCC read conflict', async () => {
    ledger.recordVerdict.onFirstCall().rejects(mvccConflict());

    const result = await participantReading(accountReader()).verify(blockId);

    sinon.assert.calledTwice(ledger.recordVerdict);
    expect(ledger.recordVerdict.secondCall.args).to.deep.equal(ledger.recordVerdict.firstCall.args);
    expect(sleep.args).to.deep.equal([[100]]);
    expect(onRetry.args).to.deep.equal([[blockId, 1, 'MVCC_READ_CONFLICT']]);
    expect(result).to.deep.include({ kind: 'recorded' });
  });

  it('gives up on a verdict that keeps conflicting after the last attempt', async () => {
    ledger.recordVerdict.rejects(mvccConflict());

    await expect(participantReading(accountReader()).verify(blockId)).to.be.rejectedWith(
      /failed to commit/,
    );
    sinon.assert.callCount(ledger.recordVerdict, retry.maxAttempts);
  });

  it('passes on a refusal that a retry cannot cure, without retrying', async () => {
    ledger.recordVerdict.rejects(chaincodeError('NOT_A_PARTICIPANT: Org2MSP'));

    await expect(participantReading(accountReader()).verify(blockId)).to.be.rejected;
    sinon.assert.calledOnce(ledger.recordVerdict);
    sinon.assert.notCalled(sleep);
  });
});
