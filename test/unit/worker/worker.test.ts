import { expect } from 'chai';
import type { FirstBlockView, OutcomeView } from '@corroborate/protocol';
import { pino } from 'pino';
import * as sinon from 'sinon';
import { newWorkerMetrics, type WorkerMetrics } from '../../../gateway/src/worker/metrics';
import type { Participant, VerificationResult } from '../../../gateway/src/worker/participant';
import { newWorker, type Worker, type WorkerOptions } from '../../../gateway/src/worker/worker';
import { newStubbedLedger, until, type StubbedLedger } from '../gateway/fakes';
import { newScenario, type Scenario } from '../receipt/fixture';
import {
  Channel,
  firstBlockCreated,
  newMemoryCheckpoint,
  pendingItem,
  recordedResult,
  verdictRecorded,
  type MemoryCheckpoint,
} from './events';

// Kept before any test fakes the clock: cleanup must not wait on a fake timer.
const realSetTimeout = setTimeout;

/** The event pump and the participant protocol composed: what a member's worker runs. */
describe('worker', () => {
  const sandbox = sinon.createSandbox();
  let accepted: Scenario;
  let ledger: StubbedLedger;
  let channels: Channel[];
  let checkpoint: MemoryCheckpoint;
  let verify: sinon.SinonStub<[string], Promise<VerificationResult>>;
  let metrics: WorkerMetrics;
  let worker: Worker | undefined;

  before(async () => {
    accepted = await newScenario({
      results: ['valid', 'valid', undefined, undefined],
      recorded: false,
    });
  });

  beforeEach(() => {
    channels = [];
    worker = undefined;
    checkpoint = newMemoryCheckpoint(sandbox);
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

  function start(mspId: string, options: Partial<WorkerOptions> = {}, height = 1n): Worker {
    ledger = newStubbedLedger(sandbox, mspId);
    ledger.height.resolves(height);
    ledger.ledgerId.resolves('ledger-1');
    ledger.events.callsFake(() => {
      const channel = new Channel();
      channels.push(channel);
      return Promise.resolve(channel);
    });
    const participant: Participant = { mspId, verify, close: () => undefined };
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

  it('goes on verifying the next 200 blocks while one never finishes, and checkpoints none past it', async () => {
    const never = new Promise<VerificationResult>(() => undefined);
    verify.withArgs('stuck').returns(never);
    start('Org2MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'stuck', ['Org1MSP', 'Org2MSP']));
    for (let index = 0; index < 200; index++) {
      stream().push(firstBlockCreated(BigInt(6 + index), `b${index}`, ['Org1MSP', 'Org2MSP']));
    }
    await until(() => verify.callCount === 201, 'every block is verified but the stuck one');

    const verified = new Set(verify.args.map(([blockId]) => blockId));
    expect(verified.size).to.equal(201);
    for (let index = 0; index < 200; index++) expect(verified.has(`b${index}`)).to.be.true;
    // Its slot stays held; the others pass it by. The checkpoint waits before it, so a restart
    // still delivers it.
    sinon.assert.notCalled(checkpoint.save);
  });

  it('checkpoints past a block it does not take part in without verifying it', async () => {
    start('Org9MSP');
    await opened();

    stream().push(firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP']));
    await checkpointed(5n);

    sinon.assert.notCalled(verify);
  });

  it('records the outcome at once, naming the deciding voters, when its own verdict decided it', async () => {
    start('Org3MSP');
    ledger.finalizeOutcome.resolves(finalized(accepted.view));
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
      verdictRecorded(6n, 'b1', 'Org2MSP'),
      verdictRecorded(7n, 'b1', 'Org3MSP'),
      verdictRecorded(8n, 'b1', 'Org4MSP'),
    );
    await checkpointed(8n);

    sinon.assert.calledOnceWithExactly(ledger.finalizeOutcome, 'b1', ['Org2MSP', 'Org3MSP']);
    // The events alone told it: no query of the block was needed.
    sinon.assert.notCalled(ledger.getFirstBlock);
  });

  it('records no outcome while one valid and one invalid verdict of three voters decide nothing', async () => {
    const timers = sandbox.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    start('Org3MSP');
    await opened();

    stream().push(
      firstBlockCreated(5n, 'b1', ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP']),
      verdictRecorded(6n, 'b1', 'Org2MSP', 'valid'),
      verdictRecorded(7n, 'b1', 'Org3MSP', 'invalid'),
    );
    await checkpointed(7n);
    await timers.tickAsync(60_000);

    sinon.assert.notCalled(ledger.finalizeOutcome);
    sinon.assert.notCalled(ledger.getFirstBlock);
  });

  it('sweeps the pending index on its interval and records the outcome of a block past its deadline', async () => {
    const blockId = accepted.view.block.content.id;
    const expired: FirstBlockView = {
      ...structuredClone(accepted.view),
      outcome: { ...accepted.view.outcome, status: 'expired' },
    };
    start('Org1MSP', { sweepIntervalMs: 5 });
    // What ListFirstBlocks returns for the pending index: every item labelled pending.
    ledger.listFirstBlocks.resolves({
      items: [
        pendingItem('still-pending', '2099-01-01T00:00:00.000Z'),
        pendingItem(blockId, '2020-01-01T00:00:00.000Z'),
      ],
      bookmark: '',
    });
    ledger.getFirstBlock.resolves(expired);
    ledger.finalizeOutcome.resolves(finalized(expired));

    await until(() => ledger.finalizeOutcome.called, 'the sweep finalizes');

    // Expiry is recorded by reading every verdict: no voters are named.
    sinon.assert.calledWithExactly(ledger.finalizeOutcome, blockId, undefined);
    expect(ledger.getFirstBlock.args.every(([id]) => id === blockId)).to.be.true;
  });

  it('does not sweep while it cannot reach the ledger', async () => {
    ledger = newStubbedLedger(sandbox, 'Org1MSP');
    worker = newWorker({
      ledger,
      participant: { mspId: 'Org1MSP', verify, close: () => undefined },
      checkpoint,
      metrics,
      logger: pino({ level: 'silent' }),
      concurrency: 4,
      finalizeGraceMs: 5000,
      sweepIntervalMs: 1,
      reconnectDelayMs: 1,
    });

    await until(() => ledger.ledgerId.callCount >= 3, 'it has tried to connect a few times');

    expect(worker.isHealthy()).to.be.false;
    sinon.assert.notCalled(ledger.listFirstBlocks);
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
