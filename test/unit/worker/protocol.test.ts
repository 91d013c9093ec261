import {
  TIME_WINDOW_SECONDS,
  decideByCounts,
  decideOutcome,
  type FirstBlockPage,
  type FirstBlockView,
  type OutcomeView,
} from '@corroborate/protocol';
import { CommitError } from '@hyperledger/fabric-gateway';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import fc from 'fast-check';
import { pino } from 'pino';
import * as sinon from 'sinon';
import type { LedgerEvent } from '../../../gateway/src/fabric/ledger';
import { decidingVoters } from '../../../gateway/src/worker/consensus';
import { newWorkerMetrics, type WorkerMetrics } from '../../../gateway/src/worker/metrics';
import type { Participant, VerificationResult } from '../../../gateway/src/worker/participant';
import {
  newParticipantProtocol,
  type ParticipantProtocol,
  type ParticipantProtocolOptions,
  type ProtocolLedger,
} from '../../../gateway/src/worker/protocol';
import type { TestIdentity } from '../../support/identities';
import {
  consortium,
  daysAfterStart,
  initParticipants,
  mspIds,
  newSignedFirstBlock,
} from '../chaincode/fixtures';
import { LedgerDouble } from '../chaincode/ledger-double';
import {
  mvccConflict,
  newDeferred,
  newStubbedLedger,
  unreachablePeer,
  until,
  type StubbedLedger,
} from '../gateway/fakes';
import { newScenario, participants, type Scenario } from '../receipt/fixture';
import {
  firstBlockCreated,
  outcomeDecided,
  pendingItem,
  recordedResult,
  verdictRecorded,
} from './events';

chai.use(chaiAsPromised);
const { expect } = chai;

/** The worker's clock in the sweep tests: the accepted scenario's block is due at 2030-01-01. */
const deadline = '2030-01-01T00:00:00Z';
/** Milliseconds after the deadline plus the network's time window, before which nothing expires. */
const afterDeadline = (ms: number) => Date.parse(deadline) + TIME_WINDOW_SECONDS * 1000 + ms;

/** The calls the sweep makes, answered by the contract itself on a ledger double. */
function contractLedger(contract: LedgerDouble, identity: TestIdentity): ProtocolLedger {
  return {
    mspId: identity.mspId,
    listFirstBlocks: (status, pageSize, bookmark) =>
      contract.evaluateJson<FirstBlockPage>(
        identity,
        'ListFirstBlocks',
        status,
        String(pageSize),
        bookmark,
      ),
    getFirstBlock: (blockId) =>
      contract.evaluateJson<FirstBlockView>(identity, 'GetFirstBlock', blockId),
    finalizeOutcome: async (blockId, voters) => {
      const votersJson = voters && voters.length > 0 ? JSON.stringify(voters) : '';
      const result = await contract.submitJson<OutcomeView>(
        identity,
        'FinalizeOutcome',
        blockId,
        votersJson,
      );
      return { result, transactionId: contract.lastStub?.getTxID() ?? '', blockNumber: 1n };
    },
  };
}

describe('participant protocol', () => {
  const sandbox = sinon.createSandbox();
  let accepted: Scenario;
  let relay: Scenario;
  let ledger: StubbedLedger;
  let verify: sinon.SinonStub<[string], Promise<VerificationResult>>;
  let metrics: WorkerMetrics;
  let clock: number;
  let protocol: ParticipantProtocol | undefined;

  before(async () => {
    accepted = await newScenario({
      results: ['valid', 'valid', undefined, undefined],
      recorded: false,
    });
    relay = await newScenario({
      mode: 'relay',
      results: ['valid', undefined, undefined, undefined],
    });
  });

  beforeEach(() => {
    protocol = undefined;
    verify = sandbox.stub<[string], Promise<VerificationResult>>().resolves(recordedResult());
    metrics = newWorkerMetrics();
    clock = Date.parse('2025-06-01T10:00:00Z');
  });

  afterEach(async () => {
    await protocol?.close();
    sandbox.restore();
  });

  function start(
    mspId: string,
    options: Partial<ParticipantProtocolOptions> = {},
  ): ParticipantProtocol {
    ledger = newStubbedLedger(sandbox, mspId);
    const participant: Participant = {
      mspId,
      verify,
      recheck: () => Promise.reject(new Error('not used')),
      close: () => undefined,
    };
    protocol = newParticipantProtocol({
      ledger,
      participant,
      metrics,
      logger: pino({ level: 'silent' }),
      finalizeGraceMs: 5000,
      now: () => clock,
      ...options,
    });
    return protocol;
  }

  /** Hands events over as the pump does for one block: one at a time, in ledger order. */
  async function deliver(...events: LedgerEvent[]): Promise<void> {
    for (const event of events) await protocol?.handle(event);
  }

  function undecided(view: FirstBlockView): FirstBlockView {
    return structuredClone(view);
  }

  function expired(view: FirstBlockView): FirstBlockView {
    return { ...undecided(view), outcome: { ...view.outcome, status: 'expired' } };
  }

  function finalized(view: FirstBlockView, transactionId = 'tx-outcome') {
    const outcome: OutcomeView = { ...view.outcome, recorded: true, txId: 'tx-outcome' };
    return { result: outcome, transactionId, blockNumber: 20n };
  }

  describe('on events', () => {
    it('verifies a parallel block it takes part in', async () => {
      start('Org2MSP');

      await deliver(firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']));

      sinon.assert.calledOnceWithExactly(verify, 'b1');
    });

    it('does not verify a block it does not take part in', async () => {
      start('Org9MSP');

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']),
        verdictRecorded(6n, 'b1', 'Org1MSP'),
        verdictRecorded(7n, 'b1', 'Org2MSP'),
      );

      sinon.assert.notCalled(verify);
      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('starts only the first voter of a relay block, never its requester', async () => {
      start('Org1MSP');
      await deliver(firstBlockCreated(5n, 'r0', participants, 'relay'));
      sinon.assert.notCalled(verify);

      start('Org2MSP');

      await deliver(firstBlockCreated(5n, 'r1', participants, 'relay'));

      sinon.assert.calledOnceWithExactly(verify, 'r1');
    });

    it("starts the next relay participant on its predecessor's verdict, not before and not on another's", async () => {
      const blockId = relay.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(relay.view));

      await deliver(
        firstBlockCreated(5n, blockId, participants, 'relay'),
        verdictRecorded(6n, blockId, 'Org4MSP'),
      );
      sinon.assert.notCalled(verify);

      await deliver(verdictRecorded(7n, blockId, 'Org2MSP'));
      sinon.assert.calledOnceWithExactly(verify, blockId);
    });

    it("starts the next relay participant on its predecessor's verdict on a block created before its checkpoint", async () => {
      const blockId = relay.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(relay.view));

      await deliver(verdictRecorded(6n, blockId, 'Org2MSP'));

      sinon.assert.calledOnceWithExactly(verify, blockId);
    });

    it('records the outcome at once, naming the deciding voters, when its own verdict decided it', async () => {
      start('Org3MSP');
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
        verdictRecorded(7n, 'b1', 'Org3MSP'),
        verdictRecorded(8n, 'b1', 'Org4MSP'),
      );

      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, 'b1', ['Org2MSP', 'Org3MSP']);
      // The events alone told it: no query of the block was needed.
      sinon.assert.notCalled(ledger.getFirstBlock);
    });

    it('names the invalid voters when its own verdict rejected the block', async () => {
      start('Org4MSP');
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP', 'valid'),
        verdictRecorded(7n, 'b1', 'Org3MSP', 'invalid'),
        verdictRecorded(8n, 'b1', 'Org4MSP', 'invalid'),
      );

      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, 'b1', ['Org3MSP', 'Org4MSP']);
    });

    it('leaves the outcome to the participant whose verdict decided it', async () => {
      start('Org1MSP');

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP']),
        verdictRecorded(6n, 'b1', 'Org1MSP'),
        verdictRecorded(7n, 'b1', 'Org2MSP'),
        outcomeDecided(8n, 'b1'),
      );

      sinon.assert.notCalled(ledger.finalizeOutcome);
      sinon.assert.notCalled(ledger.getFirstBlock);
    });

    it('records a decided outcome at once when it is the designated participant', async () => {
      const blockId = accepted.view.block.content.id;
      start('Org2MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(verdictRecorded(9n, blockId, 'Org3MSP'));

      sinon.assert.calledOnceWithExactly(
        ledger.finalizeOutcome,
        blockId,
        decidingVoters(accepted.view),
      );
    });

    it('records a decided outcome only after the grace period when another participant is designated', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'));
      await timers.tickAsync(4999);
      sinon.assert.notCalled(ledger.finalizeOutcome);

      await timers.tickAsync(1);
      await until(() => ledger.finalizeOutcome.called, 'the fallback finalizes');
      sinon.assert.calledOnceWithExactly(
        ledger.finalizeOutcome,
        blockId,
        decidingVoters(accepted.view),
      );
      sinon.assert.calledTwice(ledger.getFirstBlock);
    });

    it('leaves the outcome alone once the designated participant has recorded it', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));

      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'), outcomeDecided(10n, blockId));
      await timers.tickAsync(10_000);

      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('leaves the outcome alone after the grace period when the ledger shows it recorded', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.onFirstCall().resolves(undecided(accepted.view));
      ledger.getFirstBlock.onSecondCall().resolves({
        ...undecided(accepted.view),
        outcome: finalized(accepted.view).result,
      });

      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'));
      await timers.tickAsync(5000);
      await until(() => ledger.getFirstBlock.calledTwice, 'the fallback reads the block');
      await new Promise((resolve) => setImmediate(resolve));

      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('cancels its grace-period timers on close', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));

      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'));
      await protocol?.close();
      await timers.tickAsync(10_000);

      sinon.assert.calledOnce(ledger.getFirstBlock);
      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('takes an outcome that another participant recorded at the same moment as done', async () => {
      start('Org3MSP');
      ledger.finalizeOutcome.rejects(mvccConflict());

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
        verdictRecorded(7n, 'b1', 'Org3MSP'),
      );

      sinon.assert.calledOnce(ledger.finalizeOutcome);
    });

    it('fails the event when the outcome cannot be recorded, so that it is delivered again', async () => {
      const unreachable = unreachablePeer();
      start('Org3MSP');
      ledger.finalizeOutcome.rejects(unreachable);
      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
      );

      await expect(deliver(verdictRecorded(7n, 'b1', 'Org3MSP'))).to.be.rejectedWith(unreachable);
    });

    it('counts its verdicts and the outcomes it recorded, not those another recorded first', async () => {
      const verdicts = sandbox.spy(metrics.verdicts, 'inc');
      const finalizations = sandbox.spy(metrics.finalizations, 'inc');
      start('Org3MSP');
      ledger.finalizeOutcome.onFirstCall().resolves(finalized(accepted.view));
      ledger.finalizeOutcome.onSecondCall().resolves(finalized(accepted.view, 'tx-too-late'));

      for (const blockId of ['b1', 'b2']) {
        await deliver(
          firstBlockCreated(5n, blockId, ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
          verdictRecorded(6n, blockId, 'Org2MSP'),
          verdictRecorded(7n, blockId, 'Org3MSP'),
        );
      }

      expect(verdicts.args).to.deep.equal([
        [{ result: 'valid', reason: 'OK' }],
        [{ result: 'valid', reason: 'OK' }],
      ]);
      expect(finalizations.args).to.deep.equal([[{ status: 'accepted' }]]);
    });

    it('counts an abstention as such, and leaves a block that abstentions keep from acceptance pending', async () => {
      const verdicts = sandbox.spy(metrics.verdicts, 'inc');
      const abstentions = sandbox.spy(metrics.abstentions, 'inc');
      verify.resolves(
        recordedResult({
          result: 'unverifiable',
          observedHash: '',
          reason: 'SOURCE_UNAVAILABLE',
          attempts: 812,
        }),
      );
      start('Org4MSP');

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP', 'unverifiable'),
        verdictRecorded(7n, 'b1', 'Org3MSP', 'invalid'),
        verdictRecorded(8n, 'b1', 'Org4MSP', 'unverifiable'),
      );

      expect(verdicts.args).to.deep.equal([
        [{ result: 'unverifiable', reason: 'SOURCE_UNAVAILABLE' }],
      ]);
      expect(abstentions.args).to.deep.equal([[{ reason: 'SOURCE_UNAVAILABLE' }]]);
      // Every voter has spoken, acceptance is out of reach, yet nothing is rejected: the sweep
      // records the expiry once the deadline has passed.
      sinon.assert.notCalled(ledger.finalizeOutcome);
      sinon.assert.notCalled(ledger.getFirstBlock);
    });

    it('records an outcome at once exactly when its own verdict makes the counts decide it, naming voters that decide it alone, abstentions deciding nothing', async () => {
      const ledgerNow = Date.parse('2025-06-01T10:00:00Z');
      const blockDeadline = Date.parse('2099-01-01T00:00:00.000Z');
      const votes = fc.integer({ min: 1, max: 9 }).chain((n) =>
        fc.record({
          n: fc.constant(n),
          threshold: fc.integer({ min: 0, max: n }),
          results: fc.array(
            fc.constantFrom('valid' as const, 'invalid' as const, 'unverifiable' as const),
            {
              minLength: 1,
              maxLength: n,
            },
          ),
          order: fc.array(fc.nat(), { minLength: n, maxLength: n }),
        }),
      );

      await fc.assert(
        fc.asyncProperty(votes, async ({ n, threshold, results, order }) => {
          // Org1 requests (as the events say); the n others vote.
          const others = Array.from({ length: n }, (_, index) => `Org${index + 2}MSP`);
          const snapshot = ['Org1MSP', ...others];
          // The voters in the order their verdicts reach the ledger; this worker votes last.
          const voters = others
            .map((mspId, index) => ({ mspId, rank: order[index] ?? 0 }))
            .sort((a, b) => a.rank - b.rank)
            .slice(0, results.length)
            .map(({ mspId }) => mspId);
          const mine = voters[voters.length - 1] ?? '';
          // A facade of its own per run: the shared stubbed one is too slow to build a hundred times.
          const finalizeOutcome = sinon
            .stub<[string, (readonly string[])?], ReturnType<ProtocolLedger['finalizeOutcome']>>()
            .resolves(finalized(accepted.view));
          const unexpected = () => Promise.reject(new Error('unexpected ledger call'));
          const tallying = newParticipantProtocol({
            ledger: {
              mspId: mine,
              finalizeOutcome,
              getFirstBlock: unexpected,
              listFirstBlocks: unexpected,
            },
            participant: { mspId: mine, verify, close: () => undefined },
            metrics,
            logger: pino({ level: 'silent' }),
            finalizeGraceMs: 5000,
          });

          for (const event of [
            firstBlockCreated(1n, 'p1', snapshot, 'parallel', threshold),
            ...voters.map((voter, index) =>
              verdictRecorded(BigInt(index + 2), 'p1', voter, results[index]),
            ),
          ]) {
            await tallying.handle(event);
          }
          await tallying.close();

          const counts = (upTo: number) => ({
            participants: n,
            threshold,
            valid: results.slice(0, upTo).filter((result) => result === 'valid').length,
            invalid: results.slice(0, upTo).filter((result) => result === 'invalid').length,
            unverifiable: results.slice(0, upTo).filter((result) => result === 'unverifiable')
              .length,
          });
          const decided = decideByCounts(counts(results.length));
          const decidedBefore = decideByCounts(counts(results.length - 1));
          const status = decideOutcome(
            counts(results.length),
            BigInt(blockDeadline),
            BigInt(ledgerNow),
          );
          expect(status).to.equal(decided ?? 'pending');
          if (decided === undefined || decidedBefore !== undefined) {
            sinon.assert.notCalled(finalizeOutcome);
          } else {
            sinon.assert.calledOnce(finalizeOutcome);
            const named = finalizeOutcome.firstCall.args[1] ?? [];
            const wanted = decided === 'accepted' ? 'valid' : 'invalid';
            expect(named.every((voter) => results[voters.indexOf(voter)] === wanted)).to.be.true;
            // What the named verdicts decide alone, the contract records: the same outcome.
            expect(
              decideByCounts({
                participants: n,
                threshold,
                valid: wanted === 'valid' ? named.length : 0,
                invalid: wanted === 'invalid' ? named.length : 0,
                unverifiable: 0,
              }),
            ).to.equal(decided);
          }
        }),
      );
    });
  });

  describe('sweep', () => {
    const expiredId = 'req-accounts-1';

    function listing(...pages: Array<ReturnType<typeof pendingItem>[]>): void {
      pages.forEach((items, index) =>
        ledger.listFirstBlocks
          .onCall(index)
          .resolves({ items, bookmark: index < pages.length - 1 ? `page-${index + 1}` : '' }),
      );
    }

    it('records the outcome of a pending block whose deadline has passed, reading every verdict', async () => {
      start('Org1MSP');
      clock = afterDeadline(2000);
      // The contract labels every item with the index it was listed from, so each says pending.
      listing([
        pendingItem(expiredId, deadline),
        pendingItem('still-open', '2031-01-01T00:00:00Z'),
      ]);
      ledger.getFirstBlock.resolves(expired(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(expired(accepted.view)));

      await protocol?.sweep();

      // Expiry is recorded by reading every verdict: no voters are named.
      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, expiredId, undefined);
      expect(ledger.getFirstBlock.args).to.deep.equal([[expiredId]]);
      sinon.assert.calledOnceWithExactly(ledger.listFirstBlocks, 'pending', 100, '');
    });

    it('waits the time window and a margin past the deadline, so that a verdict submitted just before it can commit', async () => {
      start('Org1MSP');
      clock = afterDeadline(1999);
      listing([pendingItem(expiredId, deadline)]);

      await protocol?.sweep();

      sinon.assert.notCalled(ledger.getFirstBlock);
      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('leaves an expired block to its first participant for the grace period, then records it', async () => {
      start('Org3MSP');
      ledger.getFirstBlock.resolves(expired(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(expired(accepted.view)));
      ledger.listFirstBlocks.resolves({ items: [pendingItem(expiredId, deadline)], bookmark: '' });

      clock = afterDeadline(2000 + 4999);
      await protocol?.sweep();
      sinon.assert.notCalled(ledger.finalizeOutcome);

      clock = afterDeadline(2000 + 5000);
      await protocol?.sweep();
      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, expiredId, undefined);
    });

    it('records a decided outcome that nobody recorded once the deadline has passed', async () => {
      // The first voter that voted valid is designated; the requester Org1 did not vote.
      start('Org2MSP');
      clock = afterDeadline(2000);
      listing([pendingItem(expiredId, deadline)]);
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await protocol?.sweep();

      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, expiredId, undefined);
    });

    it('leaves alone a block it does not take part in, or whose outcome is recorded', async () => {
      start('Org9MSP');
      clock = afterDeadline(60_000);
      listing([pendingItem(expiredId, deadline)]);
      ledger.getFirstBlock.resolves(expired(accepted.view));

      await protocol?.sweep();
      sinon.assert.notCalled(ledger.finalizeOutcome);

      start('Org1MSP');
      listing([pendingItem(expiredId, deadline)]);
      ledger.getFirstBlock.resolves({
        ...expired(accepted.view),
        outcome: finalized(expired(accepted.view)).result,
      });

      await protocol?.sweep();
      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('takes a block another participant recorded at the same moment as nothing to do', async () => {
      const finalizations = sandbox.spy(metrics.finalizations, 'inc');
      start('Org1MSP');
      clock = afterDeadline(2000);
      listing([pendingItem(expiredId, deadline), pendingItem('recorded-just-now', deadline)]);
      ledger.getFirstBlock.resolves(expired(accepted.view));
      ledger.finalizeOutcome.onFirstCall().rejects(mvccConflict());
      ledger.finalizeOutcome
        .onSecondCall()
        .resolves(finalized(expired(accepted.view), 'tx-too-late'));

      await protocol?.sweep();

      sinon.assert.calledTwice(ledger.finalizeOutcome);
      sinon.assert.notCalled(finalizations);
    });

    it('reads every page of the pending index', async () => {
      start('Org1MSP');
      clock = afterDeadline(2000);
      const full = Array.from({ length: 100 }, (_, index) =>
        pendingItem(`open-${index}`, '2031-01-01T00:00:00Z'),
      );
      listing(full, [pendingItem(expiredId, deadline)]);
      ledger.getFirstBlock.resolves(expired(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(expired(accepted.view)));

      await protocol?.sweep();

      expect(ledger.listFirstBlocks.args).to.deep.equal([
        ['pending', 100, ''],
        ['pending', 100, 'page-1'],
      ]);
      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, expiredId, undefined);
    });

    it('goes on with the other blocks when one cannot be recorded, and tries it again next time', async () => {
      start('Org1MSP');
      clock = afterDeadline(2000);
      ledger.listFirstBlocks.resolves({
        items: [pendingItem('first', deadline), pendingItem('second', deadline)],
        bookmark: '',
      });
      ledger.getFirstBlock.resolves(expired(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(expired(accepted.view)));
      ledger.finalizeOutcome.onFirstCall().rejects(unreachablePeer());

      await protocol?.sweep();
      await protocol?.sweep();

      expect(ledger.finalizeOutcome.args.map(([blockId]) => blockId)).to.deep.equal([
        'first',
        'second',
        'first',
        'second',
      ]);
    });

    it('does not throw when the pending index cannot be read', async () => {
      start('Org1MSP');
      ledger.listFirstBlocks.rejects(unreachablePeer());

      await protocol?.sweep();

      sinon.assert.calledOnce(ledger.listFirstBlocks);
    });

    it('records expired on the contract for a pending block that nobody verified in time', async () => {
      const contract = new LedgerDouble();
      const members = await consortium(3);
      const [org1] = members as [TestIdentity];
      await initParticipants(contract, mspIds(3));
      const signed = newSignedFirstBlock(org1, { id: 'stalled', deadline: daysAfterStart(1) });
      await contract.submit(
        org1,
        'CreateFirstBlock',
        signed.contentJson,
        signed.signature,
        signed.saltSeed,
      );
      const view = await contract.evaluateJson<FirstBlockView>(org1, 'GetFirstBlock', 'stalled');
      const first = members.find((member) => member.mspId === view.block.participants[0]);
      if (!first) throw new Error('the block has no participants');
      contract.advance(86_400_000 + TIME_WINDOW_SECONDS * 1000 + 2000);
      protocol = newParticipantProtocol({
        ledger: contractLedger(contract, first),
        participant: { mspId: first.mspId, verify, close: () => undefined },
        metrics,
        logger: pino({ level: 'silent' }),
        finalizeGraceMs: 5000,
        now: () => contract.now,
      });

      await protocol.sweep();

      const decided = contract.events.filter((event) => event.name === 'OutcomeDecided');
      expect(decided.map((event) => event.payload)).to.deep.equal([
        {
          blockId: 'stalled',
          status: 'expired',
          valid: 0,
          invalid: 0,
          unverifiable: 0,
          txId: decided[0]?.txId,
        },
      ]);
      const pending = await contract.evaluateJson<FirstBlockPage>(
        org1,
        'ListFirstBlocks',
        'pending',
        '10',
        '',
      );
      expect(pending.items).to.deep.equal([]);
    });

    it('runs one sweep at a time', async () => {
      start('Org1MSP');
      ledger.listFirstBlocks.resolves({ items: [], bookmark: '' });

      await Promise.all([protocol?.sweep(), protocol?.sweep()]);

      sinon.assert.calledOnce(ledger.listFirstBlocks);
    });
  });

  describe('what it leaves alone, and what it says', () => {
    let pending: Scenario;
    let relayRecorded: Scenario;

    before(async () => {
      pending = await newScenario({ results: ['valid', undefined, undefined, undefined] });
      // Org2 and then Org3 have recorded, in relay order; the block is still undecided.
      relayRecorded = await newScenario({
        mode: 'relay',
        results: ['valid', 'invalid', undefined, undefined],
      });
    });

    /** A logger that keeps what it writes, one parsed JSON object a line. */
    function capturingLogger(): {
      logger: ReturnType<typeof pino>;
      lines: Record<string, unknown>[];
    } {
      const lines: Record<string, unknown>[] = [];
      const logger = pino(
        { level: 'debug' },
        { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
      );
      return { logger, lines };
    }

    const phantomConflict = () =>
      new CommitError({
        code: 12,
        transactionId: 'tx-phantom',
        message: 'transaction tx-phantom failed to commit with status 12',
      });

    it('takes an outcome recorded at the same moment as done when its commit met a phantom read', async () => {
      start('Org3MSP');
      ledger.finalizeOutcome.rejects(phantomConflict());

      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
        verdictRecorded(7n, 'b1', 'Org3MSP'),
      );

      sinon.assert.calledOnce(ledger.finalizeOutcome);
    });

    it('records an outcome that another verdict decided itself once the grace period has passed', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org4MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(
        firstBlockCreated(5n, blockId, participants),
        verdictRecorded(6n, blockId, 'Org2MSP'),
        verdictRecorded(7n, blockId, 'Org3MSP'),
      );
      sinon.assert.notCalled(ledger.finalizeOutcome);

      await timers.tickAsync(5000);
      await until(() => ledger.finalizeOutcome.called, 'the fallback finalizes');
      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, blockId, ['Org2MSP', 'Org3MSP']);
    });

    it('schedules one fallback per block, however many events show it decided', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org4MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      ledger.finalizeOutcome.resolves(finalized(accepted.view));

      await deliver(
        verdictRecorded(9n, blockId, 'Org2MSP'),
        verdictRecorded(10n, blockId, 'Org3MSP'),
      );
      await timers.tickAsync(5000);
      await until(() => ledger.finalizeOutcome.called, 'the fallback finalizes');
      await timers.tickAsync(10_000);
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));

      sinon.assert.calledOnce(ledger.finalizeOutcome);
    });

    it('never records the outcome of a block it is not in, from events or from the ledger', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = accepted.view.block.content.id;
      start('Org9MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));

      // Created after its checkpoint: the events alone decide the block.
      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
        verdictRecorded(7n, 'b1', 'Org3MSP'),
      );
      // Created before it: the ledger shows the block decided.
      await deliver(verdictRecorded(9n, blockId, 'Org3MSP'));
      await timers.tickAsync(10_000);

      expect(ledger.getFirstBlock.args).to.deep.equal([[blockId]]);
      sinon.assert.notCalled(ledger.finalizeOutcome);
      sinon.assert.notCalled(verify);
    });

    it('comes back to no block that the ledger shows undecided', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const blockId = pending.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(pending.view));

      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'));
      await timers.tickAsync(10_000);

      sinon.assert.calledOnce(ledger.getFirstBlock);
      sinon.assert.notCalled(verify);
      sinon.assert.notCalled(ledger.finalizeOutcome);
    });

    it('starts from the ledger only on its relay predecessor, and only if it has not recorded yet', async () => {
      const blockId = relay.view.block.content.id;
      start('Org3MSP');
      ledger.getFirstBlock.resolves(undecided(relay.view));
      // Another voter's verdict: not its turn.
      await deliver(verdictRecorded(9n, blockId, 'Org4MSP'));
      sinon.assert.notCalled(verify);

      // Its own verdict is on the ledger already: its predecessor's event starts nothing.
      ledger.getFirstBlock.resolves(undecided(relayRecorded.view));
      await deliver(verdictRecorded(10n, relayRecorded.view.block.content.id, 'Org2MSP'));
      sinon.assert.notCalled(verify);

      // A parallel block was verified when it was created: a verdict starts nothing.
      ledger.getFirstBlock.resolves(undecided(pending.view));
      await deliver(verdictRecorded(11n, pending.view.block.content.id, 'Org2MSP'));
      sinon.assert.notCalled(verify);
    });

    it('forgets the oldest tallies past 10 000 blocks and asks the ledger about them instead', async () => {
      start('Org9MSP');
      ledger.getFirstBlock.resolves(undecided(accepted.view));
      const snapshot = ['Org1MSP', 'Org2MSP', 'Org3MSP'];

      await deliver(
        firstBlockCreated(5n, 'b0', snapshot),
        firstBlockCreated(5n, 'b1', snapshot),
        verdictRecorded(6n, 'b0', 'Org2MSP'),
      );
      sinon.assert.notCalled(ledger.getFirstBlock);

      for (let index = 2; index <= 10_000; index++) {
        await protocol?.handle(firstBlockCreated(7n, `b${index}`, snapshot));
      }
      await deliver(verdictRecorded(8n, 'b1', 'Org2MSP'), verdictRecorded(8n, 'b2', 'Org2MSP'));
      sinon.assert.notCalled(ledger.getFirstBlock);
      await deliver(verdictRecorded(9n, 'b0', 'Org3MSP'));
      expect(ledger.getFirstBlock.args).to.deep.equal([['b0']]);
    });

    it('sweeps nothing once closed, and stops a sweep in progress at the next block', async () => {
      start('Org1MSP');
      await protocol?.close();
      await protocol?.sweep();
      sinon.assert.notCalled(ledger.listFirstBlocks);

      start('Org1MSP');
      clock = afterDeadline(2000);
      ledger.listFirstBlocks.resolves({
        items: [pendingItem('first', deadline), pendingItem('second', deadline)],
        bookmark: '',
      });
      const view = newDeferred<FirstBlockView>();
      ledger.getFirstBlock.returns(view.promise);
      ledger.finalizeOutcome.resolves(finalized(expired(accepted.view)));
      const sweeping = protocol?.sweep();
      await until(() => ledger.getFirstBlock.called, 'the sweep reads the first block');
      const closing = protocol?.close();
      view.resolve(expired(accepted.view));
      await Promise.all([sweeping, closing]);

      expect(ledger.getFirstBlock.args).to.deep.equal([['first']]);
    });

    it('stops at a page shorter than asked for, even when it names a bookmark', async () => {
      // Fabric's paginated range queries answer the last page with a bookmark too.
      start('Org1MSP');
      clock = afterDeadline(2000);
      ledger.listFirstBlocks.resolves({
        items: [pendingItem('open', '2031-01-01T00:00:00Z')],
        bookmark: 'after-open',
      });

      await protocol?.sweep();

      sinon.assert.calledOnce(ledger.listFirstBlocks);
    });

    it('stops at a full page of the pending index that names no next page', async () => {
      start('Org1MSP');
      clock = afterDeadline(2000);
      ledger.listFirstBlocks.resolves({
        items: Array.from({ length: 100 }, (_, index) =>
          pendingItem(`open-${index}`, '2031-01-01T00:00:00Z'),
        ),
        bookmark: '',
      });

      await protocol?.sweep();

      sinon.assert.calledOnce(ledger.listFirstBlocks);
    });

    it('logs each verdict it records, an abstention as a warning, and a skipped block', async () => {
      const { logger, lines } = capturingLogger();
      const abstentions = sandbox.spy(metrics.abstentions, 'inc');
      start('Org2MSP', { logger });
      await deliver(firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']));
      verify.resolves(
        recordedResult({
          result: 'unverifiable',
          observedHash: '',
          reason: 'SOURCE_UNAVAILABLE',
          attempts: 812,
        }),
      );
      await deliver(firstBlockCreated(6n, 'b2', ['Org1MSP', 'Org2MSP']));
      verify.resolves({ kind: 'skipped', why: 'deadline passed' });
      await deliver(firstBlockCreated(7n, 'b3', ['Org1MSP', 'Org2MSP']));

      const pick = ({
        level,
        msg,
        blockId,
        result,
        reason,
        attempts,
        tx,
        why,
      }: Record<string, unknown>) => ({ level, msg, blockId, result, reason, attempts, tx, why });
      expect(lines.map(pick)).to.deep.equal([
        {
          level: 30,
          msg: 'verdict recorded',
          blockId: 'b1',
          result: 'valid',
          reason: 'OK',
          attempts: 1,
          tx: 'tx-verdict',
          why: undefined,
        },
        {
          level: 40,
          msg: 'abstained: the source could not be read before the deadline margin',
          blockId: 'b2',
          result: 'unverifiable',
          reason: 'SOURCE_UNAVAILABLE',
          attempts: 812,
          tx: 'tx-verdict',
          why: undefined,
        },
        {
          level: 20,
          msg: 'block skipped',
          blockId: 'b3',
          result: undefined,
          reason: undefined,
          attempts: undefined,
          tx: undefined,
          why: 'deadline passed',
        },
      ]);
      expect(abstentions.args).to.deep.equal([[{ reason: 'SOURCE_UNAVAILABLE' }]]);
    });

    it('logs each outcome it records, and each it could not record', async () => {
      const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { logger, lines } = capturingLogger();
      const blockId = accepted.view.block.content.id;
      start('Org3MSP', { logger });
      ledger.finalizeOutcome.resolves(finalized(accepted.view));
      await deliver(
        firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
        verdictRecorded(6n, 'b1', 'Org2MSP'),
        verdictRecorded(7n, 'b1', 'Org3MSP'),
      );
      // A fallback that cannot reach the ledger.
      ledger.getFirstBlock.onFirstCall().resolves(undecided(accepted.view));
      ledger.getFirstBlock.onSecondCall().rejects(unreachablePeer());
      await deliver(verdictRecorded(9n, blockId, 'Org2MSP'));
      await timers.tickAsync(5000);
      await until(() => lines.length >= 3, 'the fallback logs its failure');
      timers.restore();
      // A sweep that cannot read the index, then one that cannot record a block.
      ledger.listFirstBlocks.onFirstCall().rejects(unreachablePeer());
      await protocol?.sweep();
      clock = afterDeadline(2000);
      ledger.listFirstBlocks
        .onSecondCall()
        .resolves({ items: [pendingItem('due', deadline)], bookmark: '' });
      ledger.getFirstBlock.onThirdCall().rejects(unreachablePeer());
      await protocol?.sweep();

      expect(
        lines.map(({ level, msg, blockId, status, tx, err }) => ({
          level,
          msg,
          blockId,
          status,
          tx,
          err: err !== undefined,
        })),
      ).to.deep.equal([
        {
          level: 30,
          msg: 'verdict recorded',
          blockId: 'b1',
          status: undefined,
          tx: 'tx-verdict',
          err: false,
        },
        {
          level: 30,
          msg: 'outcome recorded',
          blockId: 'b1',
          status: 'accepted',
          tx: 'tx-outcome',
          err: false,
        },
        {
          level: 40,
          msg: 'fallback finalization failed',
          blockId,
          status: undefined,
          tx: undefined,
          err: true,
        },
        {
          level: 40,
          msg: 'sweep of pending blocks failed',
          blockId: undefined,
          status: undefined,
          tx: undefined,
          err: true,
        },
        {
          level: 40,
          msg: 'sweep could not record outcome',
          blockId: 'due',
          status: undefined,
          tx: undefined,
          err: true,
        },
      ]);
    });
  });
});
