import { expect } from 'chai';
import { pino } from 'pino';
import * as sinon from 'sinon';
import type { LedgerEvent } from '../../../gateway/src/fabric/ledger';
import { newKeyedLock } from '../../../gateway/src/worker/lock';
import { newWorkerMetrics, type WorkerMetrics } from '../../../gateway/src/worker/metrics';
import {
  newEventPump,
  type EventPump,
  type EventPumpOptions,
} from '../../../gateway/src/worker/pump';
import {
  newDeferred,
  newStubbedLedger,
  unreachablePeer,
  until,
  type StubbedLedger,
} from '../gateway/fakes';
import {
  Channel,
  firstBlockCreated,
  newMemoryCheckpoint,
  openingOf,
  outcomeDecided,
  verdictRecorded,
  type MemoryCheckpoint,
  type Opening,
} from './events';

// Kept before any test fakes the clock: cleanup must not wait on a fake timer.
const realSetTimeout = setTimeout;

describe('event pump', () => {
  const sandbox = sinon.createSandbox();
  let ledger: StubbedLedger;
  let channels: Channel[];
  let openings: Opening[];
  let checkpoint: MemoryCheckpoint;
  let handler: sinon.SinonStub<[LedgerEvent], Promise<void>>;
  let metrics: WorkerMetrics;
  let pump: EventPump | undefined;

  beforeEach(() => {
    channels = [];
    openings = [];
    pump = undefined;
    checkpoint = newMemoryCheckpoint(sandbox);
    handler = sandbox.stub<[LedgerEvent], Promise<void>>().resolves();
    metrics = newWorkerMetrics();
  });

  afterEach(async () => {
    // A pump that cannot stop must fail its own test, not hang the ones after it.
    if (pump) {
      await Promise.race([pump.close(), new Promise((resolve) => realSetTimeout(resolve, 500))]);
    }
    sandbox.restore();
  });

  function start(
    options: Partial<EventPumpOptions> = {},
    height = 1n,
    arrange: (stubbed: StubbedLedger) => void = () => undefined,
  ): EventPump {
    ledger = newStubbedLedger(sandbox, 'Org2MSP');
    ledger.height.resolves(height);
    ledger.ledgerId.resolves('ledger-1');
    arrange(ledger);
    ledger.events.callsFake((opened) => {
      const channel = new Channel();
      channels.push(channel);
      openings.push(openingOf(opened));
      return Promise.resolve(channel);
    });
    pump = newEventPump({
      ledger,
      checkpoint,
      handler,
      metrics,
      logger: pino({ level: 'silent' }),
      concurrency: 4,
      reconnectDelayMs: 1,
      ...options,
    });
    return pump;
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

  function handled(): string[] {
    return handler.args.map(([event]) => event.transactionId);
  }

  it('hands each event to the handler, then checkpoints it', async () => {
    start();
    await opened();

    const event = firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']);
    stream().push(event);
    await checkpointed(5n);

    sinon.assert.calledOnceWithExactly(handler, event);
    sinon.assert.calledOnceWithExactly(checkpoint.save, 5n, 'tx-5');
  });

  it('listens from the start block without a checkpoint, and after the checkpoint with one', async () => {
    start({ startBlock: 3n });
    await opened();
    await pump?.close();
    checkpoint = newMemoryCheckpoint(sandbox, { block: 5n, tx: 'tx-5' });

    start();
    await opened(2);

    expect(openings).to.deep.equal([{ startBlock: 3n }, { after: { block: 5n, tx: 'tx-5' } }]);
  });

  it('starts from the first block when its checkpoint belongs to another ledger', async () => {
    checkpoint = newMemoryCheckpoint(sandbox, { block: 500n, tx: 'tx-500' }, 'an-older-ledger');
    start();
    await opened();

    expect(openings).to.deep.equal([{ startBlock: 0n }]);
    expect(checkpoint.getLedgerId()).to.equal('ledger-1');
  });

  it('advances the checkpoint in ledger order when a later event finishes first', async () => {
    const slow = newDeferred<void>();
    handler.onFirstCall().returns(slow.promise);
    const processed = sandbox.spy(metrics.events, 'inc');
    start();
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
    );
    await until(() => processed.calledOnce, 'the later event is processed');
    sinon.assert.notCalled(checkpoint.save);

    slow.resolve();
    await checkpointed(6n);
    sinon.assert.calledOnceWithExactly(checkpoint.save, 6n, 'tx-6');
  });

  it("never checkpoints inside a shared transaction: only once every one of its blocks' events is done", async () => {
    const second = newDeferred<void>();
    start();
    await opened();
    // One RecordVerdicts transaction (tx-7) naming b1 and b2, decoded as one event per block.
    const shared = (blockId: string, endsTransaction: boolean): LedgerEvent => ({
      ...verdictRecorded(7n, blockId, 'Org3MSP'),
      endsTransaction,
    });
    handler.callsFake((event) =>
      event.name === 'VerdictRecorded' && event.payload.blockId === 'b2'
        ? second.promise
        : Promise.resolve(),
    );

    stream().push(
      firstBlockCreated(6n, 'b0', ['Org2MSP']),
      shared('b1', false),
      shared('b2', true),
    );
    await checkpointed(6n);
    await until(() => handler.callCount === 3, 'every event is handed over');
    // b1 is done, b2 is not: a checkpoint at tx-7 would lose b2 on a restart.
    sinon.assert.calledOnceWithExactly(checkpoint.save, 6n, 'tx-6');

    second.resolve();
    await checkpointed(7n);
    sinon.assert.calledWithExactly(checkpoint.save.lastCall, 7n, 'tx-7');
  });

  it('writes the checkpoint once per write under way: positions reached meanwhile fold into the next', async () => {
    const firstWrite = newDeferred<void>();
    checkpoint.save.onFirstCall().returns(firstWrite.promise);
    start();
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await until(() => checkpoint.save.calledOnce, 'the first write starts');
    stream().push(
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
      firstBlockCreated(7n, 'b3', ['Org2MSP']),
      firstBlockCreated(8n, 'b4', ['Org2MSP']),
    );
    await until(() => handler.callCount === 4, 'every event is handled');

    firstWrite.resolve();
    await checkpointed(8n);
    expect(checkpoint.save.args).to.deep.equal([
      [5n, 'tx-5'],
      [8n, 'tx-8'],
    ]);
  });

  it('does not checkpoint past a failed event and reopens the stream from the checkpoint', async () => {
    let failed = false;
    handler.callsFake((event) => {
      if (event.transactionId !== 'tx-6' || failed) return Promise.resolve();
      failed = true;
      return Promise.reject(unreachablePeer());
    });
    start();
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
    expect(handled()).to.deep.equal(['tx-5', 'tx-6', 'tx-6']);
  });

  it('counts a failed event by the code of its error', async () => {
    handler.onFirstCall().rejects(unreachablePeer());
    const failures = sandbox.spy(metrics.failures, 'inc');
    start();
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await opened(2);

    sinon.assert.calledOnceWithExactly(failures, { code: 'LEDGER_UNAVAILABLE' });
  });

  it('reopens the stream after a failure even while the next event waits for a free slot', async () => {
    const failing = newDeferred<void>();
    handler.onFirstCall().returns(failing.promise);
    start({ concurrency: 1 });
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
    );
    await until(() => handler.calledOnce, 'the first event is being handled');
    failing.reject(unreachablePeer());

    await until(() => channels.length === 2, 'the stream is reopened', 500);
    expect(openings[1]).to.deep.equal({ startBlock: 0n });
  });

  it('handles no more events at once than its concurrency allows', async () => {
    const first = newDeferred<void>();
    handler.onFirstCall().returns(first.promise);
    handler.onSecondCall().returns(newDeferred<void>().promise);
    start({ concurrency: 2 });
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      firstBlockCreated(6n, 'b2', ['Org2MSP']),
      firstBlockCreated(7n, 'b3', ['Org2MSP']),
    );
    await until(() => handler.calledTwice, 'two events are being handled');
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled()).to.deep.equal(['tx-5', 'tx-6']);

    first.resolve();
    await until(() => handler.calledThrice, 'the third event takes the freed slot');
    expect(handled()).to.deep.equal(['tx-5', 'tx-6', 'tx-7']);
  });

  it('goes on admitting later events while an earlier one is slow, and checkpoints none past it', async () => {
    const slow = newDeferred<void>();
    handler.onFirstCall().returns(slow.promise);
    start({ concurrency: 2 });
    await opened();

    stream().push(
      ...[5n, 6n, 7n, 8n, 9n, 10n].map((block) =>
        firstBlockCreated(block, `b${block}`, ['Org2MSP']),
      ),
    );
    // One slot is held by the slow event; the other serves every later one in turn.
    await until(() => handler.callCount === 6, 'every later event is handled');
    sinon.assert.notCalled(checkpoint.save);

    slow.resolve();
    await checkpointed(10n);
  });

  it('stops admitting when maxPending events wait behind an unfinished one', async () => {
    const slow = newDeferred<void>();
    handler.onFirstCall().returns(slow.promise);
    start({ concurrency: 2, maxPending: 3 });
    await opened();

    stream().push(
      ...[5n, 6n, 7n, 8n, 9n].map((block) => firstBlockCreated(block, `b${block}`, ['Org2MSP'])),
    );
    await until(() => handler.callCount === 3, 'three events are admitted');
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled()).to.deep.equal(['tx-5', 'tx-6', 'tx-7']);

    slow.resolve();
    await checkpointed(9n);
    expect(handled()).to.deep.equal(['tx-5', 'tx-6', 'tx-7', 'tx-8', 'tx-9']);
  });

  it('handles the events of one block one at a time, in ledger order, while other blocks go on', async () => {
    const first = newDeferred<void>();
    handler.onFirstCall().returns(first.promise);
    start();
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org2MSP']),
      verdictRecorded(6n, 'b1', 'Org1MSP'),
      firstBlockCreated(7n, 'b2', ['Org2MSP']),
    );
    await until(() => handler.calledTwice, 'the other block is handled');
    expect(handled()).to.deep.equal(['tx-5', 'tx-7']);

    first.resolve();
    await checkpointed(7n);
    expect(handled()).to.deep.equal(['tx-5', 'tx-7', 'tx-6']);
  });

  it('waits for other work holding the lock of an event’s block', async () => {
    const lock = newKeyedLock();
    const elsewhere = newDeferred<void>();
    void lock.run('b1', () => elsewhere.promise);
    start({ lock });
    await opened();

    stream().push(outcomeDecided(5n, 'b1'), firstBlockCreated(6n, 'b2', ['Org2MSP']));
    await until(() => handler.calledOnce, 'the other block is handled');
    expect(handled()).to.deep.equal(['tx-6']);

    elsewhere.resolve();
    await checkpointed(6n);
    expect(handled()).to.deep.equal(['tx-6', 'tx-5']);
  });

  it('reconnects when the ledger cannot be reached, and is healthy only while its stream is open', async () => {
    const started = start({}, 1n, (stubbed) =>
      stubbed.ledgerId.onFirstCall().rejects(unreachablePeer()),
    );

    expect(started.isHealthy()).to.be.false;
    await opened();
    expect(ledger.ledgerId.callCount).to.equal(2);
    expect(started.isHealthy()).to.be.true;

    await started.close();
    expect(started.isHealthy()).to.be.false;
  });

  it('reports caught up once it has processed the height it saw at start', async () => {
    start({}, 10n);
    let caughtUp = false;
    void pump?.caughtUp.then(() => (caughtUp = true));
    await opened();

    stream().push(firstBlockCreated(8n, 'b1', ['Org1MSP']));
    await checkpointed(8n);
    expect(caughtUp).to.be.false;

    stream().push(firstBlockCreated(9n, 'b2', ['Org1MSP']));
    await until(() => caughtUp, 'caught up');
  });

  it('reports caught up at once when its checkpoint is at the height it sees', async () => {
    checkpoint = newMemoryCheckpoint(sandbox, { block: 9n, tx: 'tx-9' });
    start({}, 10n);
    let caughtUp = false;
    void pump?.caughtUp.then(() => (caughtUp = true));

    await until(() => caughtUp, 'caught up');
  });

  it('reports the last block it checkpointed and how far the ledger is ahead of it', async () => {
    start({}, 10n);
    await opened();

    stream().push(firstBlockCreated(7n, 'b1', ['Org1MSP']));
    await checkpointed(7n);
    await until(() => ledger.height.callCount >= 2, 'the height is read again');
    await new Promise((resolve) => setImmediate(resolve));

    expect((await metrics.lastBlock.get()).values[0]?.value).to.equal(7);
    expect((await metrics.lagBlocks.get()).values[0]?.value).to.equal(2);
  });

  it('finishes the events in hand and their checkpoint on close', async () => {
    const slow = newDeferred<void>();
    handler.onFirstCall().returns(slow.promise);
    start();
    await opened();
    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await until(() => handler.calledOnce, 'the event is being handled');

    let closed = false;
    const closing = pump?.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).to.be.false;

    slow.resolve();
    await closing;
    sinon.assert.calledOnceWithExactly(checkpoint.save, 5n, 'tx-5');
  });

  it('stops cleanly on close: the stream is closed and not reopened', async () => {
    start();
    await opened();
    stream().push(firstBlockCreated(5n, 'b1', ['Org2MSP']));
    await checkpointed(5n);

    await pump?.close();
    await new Promise((resolve) => setImmediate(resolve));

    expect(stream().closed).to.be.true;
    expect(channels).to.have.lengthOf(1);
    sinon.assert.calledOnce(ledger.events);
  });
});
