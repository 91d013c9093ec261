import {
  verdictSigningPayload,
  verdictSubjectOf,
  verifySignature,
  type VerdictBody,
} from '@corroborate/protocol';
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
import { newIdentity, signPayload, type TestIdentity } from '../../support/identities';
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

const retry: RetryPolicy = {
  maxAttempts: 5,
  initialBackoffMs: 100,
  maxBackoffMs: 300,
  abstainMarginMs: 15_000,
};
/** The scenario's block is due at 2030-01-01T00:00:00Z. */
const deadline = Date.parse('2030-01-01T00:00:00Z');
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
  /** Org2's client identity: the one its ledger submits with, which signs its verdicts. */
  let signer: TestIdentity;

  before(async () => {
    scenario = await newScenario({ results: [undefined, undefined, undefined, undefined] });
    pending = scenario.view;
    signer = await newIdentity('Org2MSP');
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

  function verdictOf(id: string, input: VerdictBody): Verdict {
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
      signingKey: signer.privateKey,
      sources: newFakeRegistry(connector),
      retry,
      sleep,
      now: () => now,
      onRetry,
    });
  }

  /** The verdict recorded, once its signature is checked: what Org2 attested. */
  function recorded(): VerdictBody {
    expect(ledger.recordVerdict.calledOnce, 'one verdict recorded').to.be.true;
    const [id, input] = ledger.recordVerdict.firstCall.args;
    expect(id).to.equal(blockId);
    const { signature, ...body } = input;
    const payload = verdictSigningPayload(verdictSubjectOf(pending.block, 'Org2MSP'), body);
    expect(verifySignature(payload, signature, signer.certificate), 'signed by Org2 over the block')
      .to.be.true;
    return body;
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

  it('records a mismatch with no hash of what it read, naming the fields that differ', async () => {
    await participantReading(mismatching).verify(blockId);

    expect(recorded()).to.deep.equal({
      result: 'invalid',
      observedHash: '',
      reason: 'HASH_MISMATCH',
      attempts: retry.maxAttempts,
      failedRecords: [2],
      differingFields: [{ record: 2, fields: ['balance'] }],
    });
  });

  it('signs each verdict over the block it read: its id, content hash, snapshot and ratio', async () => {
    await participantReading(accountReader()).verify(blockId);

    const [, input] = ledger.recordVerdict.firstCall.args;
    const { signature, ...body } = input;
    const elsewhere = { ...pending.block, participants: ['Org1MSP', 'Org2MSP'] };
    expect(
      verifySignature(
        verdictSigningPayload(verdictSubjectOf(elsewhere, 'Org2MSP'), body),
        signature,
        signer.certificate,
      ),
    ).to.be.false;
    expect(recorded()).to.include({ result: 'valid' });
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

  describe('when its source cannot be read', () => {
    const outage = () =>
      Promise.reject(new SourceError('SOURCE_UNAVAILABLE', 'source bank: connection refused'));

    /** The worker's clock moves on by what it sleeps, from `start` on. */
    function clockFrom(start: number): void {
      now = new Date(start);
      sleep.callsFake((ms) => {
        now = new Date(now.getTime() + ms);
        return Promise.resolve();
      });
    }

    it('abstains rather than votes invalid when an outage outlasts the retries: unverifiable, retried with capped backoff until the deadline margin', async () => {
      // 20 s before the deadline: 5 s of retries before the 15 s margin.
      clockFrom(deadline - 20_000);

      const result = await participantReading(outage).verify(blockId);

      const attempts = ledger.getFirstBlock.callCount;
      expect(attempts).to.be.above(retry.maxAttempts);
      expect(recorded()).to.deep.equal({
        result: 'unverifiable',
        observedHash: '',
        reason: 'SOURCE_UNAVAILABLE',
        attempts,
        failedRecords: [0, 1, 2],
      });
      expect(result).to.deep.include({ kind: 'recorded' });
      const pauses = sleep.args.map(([ms]) => ms);
      expect(pauses.slice(0, 4)).to.deep.equal([100, 200, 300, 300]);
      expect(pauses.every((ms) => ms <= retry.maxBackoffMs)).to.be.true;
      expect(onRetry.args.every(([, , reason]) => reason === 'SOURCE_UNAVAILABLE')).to.be.true;
      // The last attempt started by the margin; one more pause would have run past it.
      const lastStart = deadline - retry.abstainMarginMs;
      expect(now.getTime()).to.be.at.most(lastStart);
      expect(now.getTime() + retry.maxBackoffMs).to.be.above(lastStart);
    });

    /** A read that never answers: it ends only when its signal aborts, as connectors do. */
    const hang: ReadFunction = (_read, options) =>
      new Promise((_resolve, reject) => {
        const abort = (): void =>
          reject(new SourceError('SOURCE_UNAVAILABLE', 'source bank: read aborted'));
        if (options?.signal?.aborted) abort();
        options?.signal?.addEventListener('abort', abort, { once: true });
      });

    it('abandons reads that never answer once the attempt budget is spent, and verifies on the next attempt', async () => {
      clockFrom(deadline - 60_000);
      const reader = accountReader();
      let attempt = 0;
      connector = newFakeConnector(sandbox, 'bank', (read, options) =>
        attempt === 1 ? hang(read, options) : reader(read),
      );
      ledger.getFirstBlock.callsFake(() => {
        attempt += 1;
        return Promise.resolve(structuredClone(pending));
      });
      const participant = newParticipant({
        ledger,
        signingKey: signer.privateKey,
        sources: newFakeRegistry(connector),
        retry: { ...retry, attemptBudgetMs: 5 },
        sleep,
        now: () => now,
        onRetry,
      });

      await participant.verify(blockId);

      expect(onRetry.args).to.deep.equal([[blockId, 1, 'SOURCE_UNAVAILABLE']]);
      expect(recorded()).to.deep.include({ result: 'valid', reason: 'OK', attempts: 2 });
      const firstSignal = connector.read.firstCall.args[1]?.signal;
      expect(firstSignal?.aborted, "the first attempt's reads were abandoned").to.equal(true);
    });

    it('abstains on a read that never answers when the time left before the margin runs out first', async () => {
      // 10 ms before the last moment to abstain: that is the attempt's budget, not the default.
      clockFrom(deadline - retry.abstainMarginMs - 10);

      await participantReading(hang).verify(blockId);

      expect(recorded()).to.deep.include({
        result: 'unverifiable',
        reason: 'SOURCE_UNAVAILABLE',
        attempts: 1,
      });
      expect(connector.read.firstCall.args[1]?.signal?.aborted).to.equal(true);
    });

    it('records valid when the outage ends before the deadline margin, however many attempts it took', async () => {
      clockFrom(deadline - 60_000);
      const reader = accountReader();
      let reads = 0;

      await participantReading((read) => (++reads <= 20 ? outage() : reader(read))).verify(blockId);

      expect(recorded()).to.deep.include({ result: 'valid', reason: 'OK' });
      expect(recorded().attempts).to.be.above(retry.maxAttempts);
    });

    it('abstains at once when the source cannot be opened at all, or is not configured', async () => {
      const participant = participantReading(() =>
        Promise.reject(
          new SourceError('SOURCE_UNAVAILABLE', 'cannot open the database file', {
            retryable: false,
          }),
        ),
      );

      await participant.verify(blockId);

      sinon.assert.calledOnce(ledger.getFirstBlock);
      expect(recorded()).to.deep.include({
        result: 'unverifiable',
        reason: 'SOURCE_UNAVAILABLE',
        attempts: 1,
      });

      ledger.recordVerdict.resetHistory();
      ledger.getFirstBlock.resetHistory();
      connector = newFakeConnector(sandbox, 'warehouse', accountReader());
      await newParticipant({
        ledger,
        signingKey: signer.privateKey,
        sources: newFakeRegistry(connector),
        retry,
        sleep,
        now: () => now,
      }).verify(blockId);

      sinon.assert.calledOnce(ledger.getFirstBlock);
      expect(recorded()).to.deep.equal({
        result: 'unverifiable',
        observedHash: '',
        reason: 'UNKNOWN_SOURCE',
        attempts: 1,
      });
    });

    it('abstains after one attempt when the deadline margin has begun already', async () => {
      clockFrom(deadline - 10_000);

      await participantReading(outage).verify(blockId);

      expect(recorded()).to.deep.include({ result: 'unverifiable', attempts: 1 });
      sinon.assert.notCalled(sleep);
    });

    it('records the evidence, not an abstention, when a mismatch persists beside an unreadable record', async () => {
      clockFrom(deadline - 60_000);
      await participantReading((read) =>
        read.kind === 'sql' && read.key.id === 1 ? outage() : mismatching(read),
      ).verify(blockId);

      expect(recorded()).to.deep.include({
        result: 'invalid',
        reason: 'HASH_MISMATCH',
        attempts: retry.maxAttempts,
        failedRecords: [0, 2],
      });
    });

    it('stops retrying once the outcome is recorded meanwhile, recording nothing', async () => {
      clockFrom(deadline - 60_000);
      const decided: FirstBlockView = {
        ...pending,
        outcome: { ...pending.outcome, status: 'accepted', recorded: true },
      };
      ledger.getFirstBlock.onThirdCall().resolves(decided);

      const result = await participantReading(outage).verify(blockId);

      expect(result).to.deep.equal({ kind: 'skipped', why: 'outcome recorded' });
      sinon.assert.callCount(ledger.getFirstBlock, 3);
      sinon.assert.notCalled(ledger.recordVerdict);
    });

    it('stops retrying once the others have decided the outcome, before it is recorded', async () => {
      clockFrom(deadline - 60_000);
      const decided: FirstBlockView = {
        ...pending,
        outcome: { ...pending.outcome, status: 'accepted', recorded: false, valid: 2 },
      };
      ledger.getFirstBlock.onSecondCall().resolves(decided);

      const result = await participantReading(outage).verify(blockId);

      expect(result).to.deep.equal({ kind: 'skipped', why: 'outcome decided' });
      sinon.assert.notCalled(ledger.recordVerdict);
    });

    it('abandons its retries when closed: the verification rejects and records nothing', async () => {
      clockFrom(deadline - 60_000);
      const participant = participantReading(outage);
      sleep.onSecondCall().callsFake(() => {
        participant.close();
        return Promise.resolve();
      });

      await expect(participant.verify(blockId)).to.be.rejectedWith(/closing/);

      sinon.assert.calledTwice(ledger.getFirstBlock);
      sinon.assert.notCalled(ledger.recordVerdict);
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
