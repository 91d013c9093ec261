import { expect } from 'chai';
import { pino } from 'pino';
import * as sinon from 'sinon';
import type { EventStream, LedgerEvent } from '../../../gateway/src/fabric/ledger';
import type { FirstBlockListItem, FirstBlockView, OutcomeView } from '@corroborate/protocol';
import type { DurableCheckpoint } from '../../../gateway/src/worker/checkpoint';
import { decidingVoters } from '../../../gateway/src/worker/consensus';
import { newWorkerMetrics, type WorkerMetrics } from '../../../gateway/src/worker/metrics';
import type { Participant, VerificationResult } from '../../../gateway/src/worker/participant';
import { newWorker, type Worker, type WorkerOptions } from '../../../gateway/src/worker/worker';
import {
  newDeferred,
  newStubbedLedger,
  unreachablePeer,
  until,
  type StubbedLedger,
} from '../gateway/fakes';
import { newScenario, participants, type Scenario } from '../receipt/fixture';

// Kept before any test fakes the clock: cleanup must not wait on a fake timer.
const realSetTimeout = setTimeout;

/** One opened event stream: the test pushes events into it; the worker or the test closes it. */
class Channel implements EventStream {
  closed = false;
  readonly #queue: LedgerEvent[] = [];
  #wake: (() => void) | undefined;

  push(...events: LedgerEvent[]): void {
    this.#queue.push(...events);
    this.#wake?.();
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LedgerEvent> {
    for (;;) {
      while (this.#queue.length === 0 && !this.closed) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
      const event = this.#queue.shift();
      if (this.closed || event === undefined) return;
      yield event;
    }
  }
}

/** A durable checkpoint held in memory, its `save` a stub to assert on. */
interface MemoryCheckpoint extends Omit<DurableCheckpoint, 'save'> {
  readonly save: sinon.SinonStub<[bigint, string], Promise<void>>;
}

interface Opening {
  readonly startBlock?: bigint;
  /** The checkpoint's position when the stream was opened from it. */
  readonly after?: { readonly block?: bigint; readonly tx?: string };
}

function txOf(blockNumber: bigint): string {
  return `tx-${blockNumber}`;
}

function firstBlockCreated(
  blockNumber: bigint,
  blockId: string,
  snapshot: readonly string[],
  mode: 'parallel' | 'relay' = 'parallel',
): LedgerEvent {
  return {
    name: 'FirstBlockCreated',
    payload: {
      blockId,
      requester: 'Org1MSP',
      mode,
      participants: [...snapshot],
      threshold: 2,
      deadline: '2099-01-01T00:00:00.000Z',
      sourceId: 'customers',
      records: 1,
      txId: txOf(blockNumber),
    },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

function verdictRecorded(blockNumber: bigint, blockId: string, participant: string): LedgerEvent {
  return {
    name: 'VerdictRecorded',
    payload: { blockId, participant, result: 'valid', reason: 'OK', txId: txOf(blockNumber) },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

function outcomeDecided(blockNumber: bigint, blockId: string): LedgerEvent {
  return {
    name: 'OutcomeDecided',
    payload: { blockId, status: 'accepted', valid: 2, invalid: 0, txId: txOf(blockNumber) },
    blockNumber,
    transactionId: txOf(blockNumber),
  };
}

describe('worker', () => {
  const sandbox = sinon.createSandbox();
  let accepted: Scenario;
  let relay: Scenario;
  let ledger: StubbedLedger;
  let channels: Channel[];
  let openings: Opening[];
  let checkpoint: MemoryCheckpoint;
  let verify: sinon.SinonStub<[string], Promise<VerificationResult>>;
  let metrics: WorkerMetrics;
  let worker: Worker | undefined;

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
    channels = [];
    openings = [];
    worker = undefined;
    checkpoint = newMemoryCheckpoint();
    verify = sandbox.stub<[string], Promise<VerificationResult>>().resolves(recordedResult());
    metrics = newWorkerMetrics();
  });

  afterEach(async () => {
    // A worker that cannot stop must fail its own test, not hang the ones after it.
    if (worker) {
      await Promise.race([worker.close(), new Promise((resolve) => realSetTimeout(resolve, 500))]);
    }
    sandbox.restore();
  });

  function newMemoryCheckpoint(
    start?: { block: bigint; tx: string },
    ledgerId = 'ledger-1',
  ): MemoryCheckpoint {
    let block = start?.block;
    let tx = start?.tx;
    let boundLedger: string | undefined = ledgerId;
    return {
      getBlockNumber: () => block,
      getTransactionId: () => tx,
      getLedgerId: () => boundLedger,
      bindLedger: (id: string) => {
        if (id === boundLedger) return Promise.resolve(false);
        const dropped = block !== undefined;
        boundLedger = id;
        block = undefined;
        tx = undefined;
        return Promise.resolve(dropped);
      },
      save: sandbox.stub<[bigint, string], Promise<void>>().callsFake((savedBlock, savedTx) => {
        block = savedBlock;
        tx = savedTx;
        return Promise.resolve();
      }),
    };
  }

  function recordedResult(): VerificationResult {
    return {
      kind: 'recorded',
      input: { result: 'valid', observedHash: '', reason: 'OK', attempts: 1 },
      verdict: {
        blockId: 'b',
        participant: 'Org2MSP',
        result: 'valid',
        observedHash: '',
        reason: 'OK',
        attempts: 1,
        failedRecords: [],
        recordedAt: '2025-06-01T10:00:00Z',
        txId: 'tx-verdict',
      },
    };
  }

  function start(mspId: string, options: Partial<WorkerOptions> = {}, height = 1n): Worker {
    ledger = newStubbedLedger(sandbox, mspId);
    ledger.height.resolves(height);
    ledger.ledgerId.resolves('ledger-1');
    ledger.events.callsFake((opened) => {
      const channel = new Channel();
      channels.push(channel);
      openings.push(
        opened.checkpoint
          ? {
              after: {
                block: opened.checkpoint.getBlockNumber(),
                tx: opened.checkpoint.getTransactionId(),
              },
            }
          : { ...(opened.startBlock === undefined ? {} : { startBlock: opened.startBlock }) },
      );
      return Promise.resolve(channel);
    });
    const participant: Participant = { mspId, verify };
    worker = newWorker({
      ledger,
      participant,
      checkpoint,
      metrics,
      logger: pino({ level: 'silent' }),
      concurrency: 4,
      finalizeGraceMs: 5000,
      sweepIntervalMs: 60_000,
      reconnectDelayMs: 1,
      ...options,
    });
    return worker;
  }

  function stream(index = 0): Channel {
    const channel = channels[index];
    if (!channel) throw new Error(`stream ${index} was not opened`);
    return channel;
  }

  async function opened(count = 1): Promise<void> {
    await until(() => channels.length >= count, `${count} stream(s) opened`);
  }

  async function checkpointed(blockNumber: bigint): Promise<void> {
    await until(
      () => checkpoint.getBlockNumber() === blockNumber,
      `block ${blockNumber} is checkpointed`,
    );
  }

  function undecided(view: FirstBlockView): FirstBlockView {
    return structuredClone(view);
  }

  function finalized(view: FirstBlockView) {
    const outcome: OutcomeView = { ...view.outcome, recorded: true, txId: 'tx-outcome' };
    return { result: outcome, transactionId: 'tx-outcome', blockNumber: 20n };
  }

  it('verifies a parallel block it takes part in, then checkpoints the event', async () => {
    start('Org2MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']));
    await checkpointed(5n);

    sinon.assert.calledOnceWithExactly(verify, 'b1');
    sinon.assert.calledOnceWithExactly(checkpoint.save, 5n, 'tx-5');
  });

  it('checkpoints past a block it does not take part in without verifying it', async () => {
    start('Org9MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']));
    await checkpointed(5n);

    sinon.assert.notCalled(verify);
  });

  it('listens from the start block without a checkpoint, and after the checkpoint with one', async () => {
    start('Org2MSP', { startBlock: 3n });
    await opened();
    await worker?.close();
    checkpoint = newMemoryCheckpoint({ block: 5n, tx: 'tx-5' });

    start('Org2MSP');
    await opened(2);

    expect(openings).to.deep.equal([{ startBlock: 3n }, { after: { block: 5n, tx: 'tx-5' } }]);
  });

  it('starts from the first block when its checkpoint belongs to another ledger', async () => {
    checkpoint = newMemoryCheckpoint({ block: 500n, tx: 'tx-500' }, 'an-older-ledger');
    start('Org2MSP');
    await opened();

    expect(openings).to.deep.equal([{ startBlock: 0n }]);
    expect(checkpoint.getLedgerId()).to.equal('ledger-1');
  });

  it('starts only the first participant of a relay block', async () => {
    start('Org1MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'r1', participants, 'relay'));
    await checkpointed(5n);

    sinon.assert.calledOnceWithExactly(verify, 'r1');
  });

  it("starts the next relay participant on its predecessor's verdict, not before and not on another's", async () => {
    const blockId = relay.view.block.content.id;
    start('Org2MSP');
    ledger.getFirstBlock.resolves(undecided(relay.view));
    await opened();

    stream().push(firstBlockCreated(5n, blockId, participants, 'relay'));
    stream().push(verdictRecorded(6n, blockId, 'Org3MSP'));
    await checkpointed(6n);
    sinon.assert.notCalled(verify);

    stream().push(verdictRecorded(7n, blockId, 'Org1MSP'));
    await checkpointed(7n);
    sinon.assert.calledOnceWithExactly(verify, blockId);
  });

  it('advances the checkpoint in ledger order when a later event finishes first', async () => {
    const slow = newDeferred<VerificationResult>();
    verify.withArgs('b1').returns(slow.promise);
    const processed = sandbox.spy(metrics.events, 'inc');
    start('Org2MSP');
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
    );
    await until(() => processed.calledOnce, 'the later event is processed');
    sinon.assert.notCalled(checkpoint.save);

    slow.resolve(recordedResult());
    await checkpointed(6n);
    sinon.assert.calledOnceWithExactly(checkpoint.save, 6n, 'tx-6');
  });

  it('does not checkpoint past a failed event and reopens the stream from the checkpoint', async () => {
    verify.withArgs('b2').onFirstCall().rejects(unreachablePeer());
    start('Org2MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await checkpointed(5n);
    stream().push(firstBlockCreated(6n, 'b2', ['Org2MSP']));
    await opened(2);

    expect(stream(0).closed).to.be.true;
    expect(openings[1]).to.deep.equal({ after: { block: 5n, tx: 'tx-5' } });
    expect(checkpoint.save.args).to.deep.equal([[5n, 'tx-5']]);

    stream(1).push(firstBlockCreated(6n, 'b2', ['Org2MSP']));
    await checkpointed(6n);
    expect(verify.args).to.deep.equal([['b1'], ['b2'], ['b2']]);
  });

  it('reopens the stream after a failure even while the next event waits for a free slot', async () => {
    const failing = newDeferred<VerificationResult>();
    verify.withArgs('b1').onFirstCall().returns(failing.promise);
    start('Org2MSP', { concurrency: 1 });
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
    );
    await until(() => verify.calledOnce, 'the first event is being verified');
    failing.reject(unreachablePeer());

    await until(() => channels.length === 2, 'the stream is reopened', 500);
    expect(openings[1]).to.deep.equal({ startBlock: 0n });
  });

  it('records the outcome at once, naming the deciding voters, when its own verdict decided it', async () => {
    start('Org2MSP');
    ledger.finalizeOutcome.resolves(finalized(accepted.view));
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP']),
      verdictRecorded(6n, 'b1', 'Org1MSP'),
      verdictRecorded(7n, 'b1', 'Org2MSP'),
      verdictRecorded(8n, 'b1', 'Org3MSP'),
    );
    await checkpointed(8n);

    sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, 'b1', ['Org1MSP', 'Org2MSP']);
    // The events alone told it: no query of the block was needed.
    sinon.assert.notCalled(ledger.getFirstBlock);
  });

  it('leaves the outcome to the participant whose verdict decided it', async () => {
    start('Org1MSP');
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP']),
      verdictRecorded(6n, 'b1', 'Org1MSP'),
      verdictRecorded(7n, 'b1', 'Org2MSP'),
      outcomeDecided(8n, 'b1'),
    );
    await checkpointed(8n);

    sinon.assert.notCalled(ledger.finalizeOutcome);
    sinon.assert.notCalled(ledger.getFirstBlock);
  });

  it('records a decided outcome at once when it is the designated participant', async () => {
    const blockId = accepted.view.block.content.id;
    start('Org1MSP');
    ledger.getFirstBlock.resolves(undecided(accepted.view));
    ledger.finalizeOutcome.resolves(finalized(accepted.view));
    await opened();

    stream().push(verdictRecorded(9n, blockId, 'Org2MSP'));
    await checkpointed(9n);

    sinon.assert.calledOnceWithExactly(
      ledger.finalizeOutcome,
      blockId,
      decidingVoters(accepted.view),
    );
  });

  it('records a decided outcome only after the grace period when another participant is designated', async () => {
    const clock = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const blockId = accepted.view.block.content.id;
    start('Org3MSP');
    ledger.getFirstBlock.resolves(undecided(accepted.view));
    ledger.finalizeOutcome.resolves(finalized(accepted.view));
    await opened();

    stream().push(verdictRecorded(9n, blockId, 'Org2MSP'));
    await checkpointed(9n);
    await clock.tickAsync(4999);
    sinon.assert.notCalled(ledger.finalizeOutcome);

    await clock.tickAsync(1);
    await until(() => ledger.finalizeOutcome.called, 'the fallback finalizes');
    sinon.assert.calledOnceWithExactly(
      ledger.finalizeOutcome,
      blockId,
      decidingVoters(accepted.view),
    );
    sinon.assert.calledTwice(ledger.getFirstBlock);
  });

  it('leaves the outcome alone once the designated participant has recorded it', async () => {
    const clock = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const blockId = accepted.view.block.content.id;
    start('Org3MSP');
    ledger.getFirstBlock.resolves(undecided(accepted.view));
    await opened();

    stream().push(verdictRecorded(9n, blockId, 'Org2MSP'), outcomeDecided(10n, blockId));
    await checkpointed(10n);
    await clock.tickAsync(10_000);

    sinon.assert.notCalled(ledger.finalizeOutcome);
  });

  it('records the outcome of an expired block that the sweep finds', async () => {
    const blockId = accepted.view.block.content.id;
    const expired: FirstBlockView = {
      ...undecided(accepted.view),
      outcome: { ...accepted.view.outcome, status: 'expired' },
    };
    start('Org1MSP', { sweepIntervalMs: 5 });
    ledger.listFirstBlocks.resolves({
      items: [
        { blockId: 'still-pending', status: 'pending' } as FirstBlockListItem,
        { blockId, status: 'expired' } as FirstBlockListItem,
      ],
      bookmark: 'next',
    });
    ledger.listFirstBlocks.onSecondCall().resolves({ items: [], bookmark: '' });
    ledger.getFirstBlock.resolves(expired);
    ledger.finalizeOutcome.resolves(finalized(expired));

    await until(() => ledger.finalizeOutcome.called, 'the sweep finalizes');

    // Expiry is recorded by reading every verdict: no voters are named.
    sinon.assert.calledWithExactly(ledger.finalizeOutcome, blockId, undefined);
    expect(ledger.getFirstBlock.args).to.deep.equal([[blockId]]);
  });

  it('reports caught up once it has processed the height it saw at start', async () => {
    start('Org9MSP', {}, 10n);
    let caughtUp = false;
    void worker?.caughtUp.then(() => (caughtUp = true));
    await opened();

    stream().push(firstBlockCreated(8n, 'b1', ['Org1MSP']));
    await checkpointed(8n);
    expect(caughtUp).to.be.false;

    stream().push(firstBlockCreated(9n, 'b2', ['Org1MSP']));
    await until(() => caughtUp, 'caught up');
  });

  it('stops cleanly on close: the stream is closed and not reopened', async () => {
    start('Org2MSP');
    await opened();
    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await checkpointed(5n);

    await worker?.close();
    await new Promise((resolve) => setImmediate(resolve));

    expect(stream().closed).to.be.true;
    expect(channels).to.have.lengthOf(1);
    sinon.assert.calledOnce(ledger.events);
  });
});
