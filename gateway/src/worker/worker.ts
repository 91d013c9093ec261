import type { Logger } from 'pino';
import { classify } from '../errors';
import type { EventStream, Ledger, LedgerEvent } from '../fabric/ledger';
import type { FirstBlockView, LedgerEventPayloads } from '@corroborate/protocol';
import type { DurableCheckpoint } from './checkpoint';
import {
  decidingVoters,
  decisionOf,
  designatedFinalizer,
  hasVoted,
  needsFinalizing,
  newTally,
  type Tally,
} from './consensus';
import type { WorkerMetrics } from './metrics';
import type { Participant } from './participant';

export interface WorkerOptions {
  readonly ledger: Ledger;
  readonly participant: Participant;
  readonly checkpoint: DurableCheckpoint;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  /** Events processed at the same time; the checkpoint still advances in ledger order. */
  readonly concurrency: number;
  readonly finalizeGraceMs: number;
  /** How often pending blocks are swept for expiry and unrecorded outcomes. */
  readonly sweepIntervalMs?: number;
  /** Where to start when there is no checkpoint yet (default: the first block). */
  readonly startBlock?: bigint;
  readonly reconnectDelayMs?: number;
}

/** A participant's worker: follows the contract's events and acts on them. */
export interface Worker {
  /** Resolves once the worker has caught up with the ledger height it saw at start. */
  readonly caughtUp: Promise<void>;
  isHealthy(): boolean;
  close(): Promise<void>;
}

interface Slot {
  readonly event: LedgerEvent;
  done: boolean;
}

// Tallies of blocks still undecided; past this many, the oldest are forgotten and their
// verdicts are looked up on the ledger instead.
const talliesKept = 10_000;

class EventWorker implements Worker {
  readonly caughtUp: Promise<void>;
  readonly #options: WorkerOptions;
  readonly #mspId: string;
  readonly #window: Slot[] = [];
  readonly #slotFreed: Array<() => void> = [];
  readonly #blockLocks = new Map<string, Promise<unknown>>();
  readonly #fallbacks = new Map<string, NodeJS.Timeout>();
  readonly #tallies = new Map<string, Tally>();
  #stream: EventStream | undefined;
  #closed = false;
  /** Set when an event failed: stop admitting, and reopen the stream from the checkpoint. */
  #restarting = false;
  #lastLagUpdate = 0;
  #isCaughtUp = false;
  #healthy = false;
  #checkpointChain: Promise<void> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #resolveCaughtUp: () => void = () => undefined;
  #catchUpHeight: bigint | undefined;
  readonly #loop: Promise<void>;

  constructor(options: Readonly<WorkerOptions>) {
    this.#options = options;
    this.#mspId = options.ledger.mspId;
    this.caughtUp = new Promise((resolve) => (this.#resolveCaughtUp = resolve));
    this.#loop = this.#run();
    this.#sweepTimer = setInterval(() => void this.#sweep(), options.sweepIntervalMs ?? 15_000);
    this.#sweepTimer.unref();
  }

  isHealthy(): boolean {
    return this.#healthy;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#healthy = false;
    this.#wakeAdmission();
    clearInterval(this.#sweepTimer);
    for (const timer of this.#fallbacks.values()) clearTimeout(timer);
    this.#stream?.close();
    await this.#loop;
    await Promise.allSettled(this.#blockLocks.values());
    await this.#checkpointChain;
  }

  async #run(): Promise<void> {
    const { ledger, checkpoint, logger } = this.#options;
    while (!this.#closed) {
      try {
        if (await checkpoint.bindLedger(await ledger.ledgerId())) {
          logger.warn(
            'the checkpoint belongs to another ledger (the network was recreated); starting afresh',
          );
        }
        const height = await ledger.height();
        this.#catchUpHeight ??= height;
        this.#noteCaughtUp(checkpoint.getBlockNumber(), height);
        const resume = checkpoint.getBlockNumber() !== undefined;
        this.#stream = await ledger.events(
          resume ? { checkpoint } : { startBlock: this.#options.startBlock ?? 0n },
        );
        this.#healthy = true;
        logger.info(
          { block: checkpoint.getBlockNumber()?.toString(), tx: checkpoint.getTransactionId() },
          resume ? 'resuming after checkpoint' : 'listening from the first block',
        );
        for await (const event of this.#stream) {
          if (!(await this.#admit(event))) break;
        }
      } catch (error) {
        if (this.#closed) break;
        this.#healthy = false;
        logger.warn({ err: error }, 'event stream interrupted; reconnecting from the checkpoint');
      }
      // Resume from what is durably done; events in flight are redelivered and are idempotent.
      await Promise.allSettled(this.#blockLocks.values());
      await this.#checkpointChain;
      this.#window.length = 0;
      this.#restarting = false;
      if (!this.#closed) await sleep(this.#options.reconnectDelayMs ?? 1000);
    }
  }

  /** Starts processing an event once a slot is free; false when the stream must stop instead. */
  async #admit(event: LedgerEvent): Promise<boolean> {
    while (this.#window.length >= this.#options.concurrency && !this.#stopping()) {
      await new Promise<void>((resolve) => this.#slotFreed.push(resolve));
    }
    if (this.#stopping()) return false;
    const slot: Slot = { event, done: false };
    this.#window.push(slot);
    this.#options.metrics.inFlight.inc();
    void this.#withBlockLock(lockKeyOf(event), () => this.#handle(event)).then(
      () => this.#complete(slot),
      (error: unknown) => this.#fail(slot, error),
    );
    return true;
  }

  #stopping(): boolean {
    return this.#closed || this.#restarting;
  }

  #wakeAdmission(): void {
    this.#slotFreed.splice(0).forEach((resolve) => resolve());
  }

  #complete(slot: Slot): void {
    slot.done = true;
    this.#options.metrics.inFlight.dec();
    this.#options.metrics.events.inc({ event: slot.event.name });
    let last: LedgerEvent | undefined;
    while (this.#window[0]?.done) {
      last = this.#window.shift()?.event;
    }
    if (last) {
      const { blockNumber, transactionId } = last;
      this.#checkpointChain = this.#checkpointChain
        .then(() => this.#options.checkpoint.save(blockNumber, transactionId))
        .then(() => this.#afterCheckpoint(blockNumber))
        .catch((error: unknown) => this.#options.logger.error({ err: error }, 'checkpoint failed'));
    }
    this.#wakeAdmission();
  }

  #fail(slot: Slot, error: unknown): void {
    const { code, message } = classify(error);
    this.#options.metrics.failures.inc({ code });
    this.#options.logger.error(
      { err: error, code, event: slot.event.name, tx: slot.event.transactionId },
      `processing failed (${message}); the event will be retried from the checkpoint`,
    );
    this.#options.metrics.inFlight.dec();
    // The checkpoint must not pass an event that was not handled: restart the stream from it.
    this.#restarting = true;
    this.#wakeAdmission();
    this.#stream?.close();
  }

  async #afterCheckpoint(blockNumber: bigint): Promise<void> {
    const { metrics, ledger } = this.#options;
    metrics.lastBlock.set(Number(blockNumber));
    // The height costs a query to the peer: once a second is plenty for a lag gauge.
    const now = Date.now();
    if (this.#isCaughtUp && now - this.#lastLagUpdate < 1000) return;
    this.#lastLagUpdate = now;
    const height = await ledger.height();
    metrics.lagBlocks.set(Math.max(0, Number(height - 1n - blockNumber)));
    this.#noteCaughtUp(blockNumber, height);
  }

  #noteCaughtUp(processed: bigint | undefined, height: bigint): void {
    const target = this.#catchUpHeight;
    if (target === undefined) return;
    if (target <= 1n || (processed !== undefined && processed + 1n >= target) || height <= 1n) {
      this.#isCaughtUp = true;
      this.#resolveCaughtUp();
    }
  }

  async #handle(event: LedgerEvent): Promise<void> {
    switch (event.name) {
      case 'FirstBlockCreated':
        return this.#onFirstBlock(event.payload);
      case 'VerdictRecorded':
        return this.#onVerdict(
          event.payload.blockId,
          event.payload.participant,
          event.payload.result,
        );
      case 'OutcomeDecided':
        this.#cancelFallback(event.payload.blockId);
        this.#tallies.delete(event.payload.blockId);
        return;
      default:
        return;
    }
  }

  async #onFirstBlock(payload: LedgerEventPayloads['FirstBlockCreated']): Promise<void> {
    const { blockId, participants, mode, threshold } = payload;
    this.#remember(blockId, newTally(participants, threshold, mode));
    const index = participants.indexOf(this.#mspId);
    if (index < 0) return;
    // Relay mode (claim 5): only the first participant starts; each next one starts when its
    // predecessor's verdict event arrives.
    if (mode === 'relay' && index > 0) return;
    await this.#verify(blockId);
  }

  async #onVerdict(blockId: string, voter: string, result: 'valid' | 'invalid'): Promise<void> {
    const tally = this.#tallies.get(blockId);
    // A block created before the checkpoint this worker resumed from: ask the ledger.
    if (!tally) return this.#onVerdictFromLedger(blockId, voter);
    const { participants } = tally;
    if (!participants.includes(this.#mspId)) return;
    const decidedBefore = decisionOf(tally) !== undefined;
    (result === 'valid' ? tally.valid : tally.invalid).add(voter);
    const predecessor = participants[participants.indexOf(this.#mspId) - 1];
    if (tally.mode === 'relay' && voter === predecessor && !hasVoted(tally, this.#mspId)) {
      await this.#verify(blockId);
    }
    const decision = decisionOf(tally);
    if (decidedBefore || !decision) return;
    // Every worker sees the same events in the same order, so all agree on whose verdict decided
    // the outcome: that participant records it, naming the verdicts that decide it, and the
    // others only step in after a grace period.
    if (voter === this.#mspId) {
      await this.#finalize(blockId, decision.voters);
    } else {
      this.#scheduleFallback(blockId);
    }
  }

  async #onVerdictFromLedger(blockId: string, voter: string): Promise<void> {
    const view = await this.#options.ledger.getFirstBlock(blockId);
    const { participants } = view.block;
    if (!participants.includes(this.#mspId)) return;
    const predecessor = participants[participants.indexOf(this.#mspId) - 1];
    const mine = view.verdicts.some((verdict) => verdict.participant === this.#mspId);
    if (view.block.content.mode === 'relay' && voter === predecessor && !mine) {
      await this.#verify(blockId);
      return;
    }
    await this.#maybeFinalize(view);
  }

  async #verify(blockId: string): Promise<void> {
    const { participant, metrics, logger } = this.#options;
    const result = await participant.verify(blockId);
    if (result.kind === 'recorded') {
      metrics.verdicts.inc({ result: result.input.result, reason: result.input.reason });
      logger.info(
        {
          blockId,
          result: result.input.result,
          reason: result.input.reason,
          tx: result.verdict.txId,
        },
        'verdict recorded',
      );
    } else if (result.kind === 'skipped') {
      logger.debug({ blockId, why: result.why }, 'block skipped');
    }
  }

  async #maybeFinalize(view: FirstBlockView): Promise<void> {
    if (!needsFinalizing(view)) return;
    const blockId = view.block.content.id;
    if (designatedFinalizer(view) === this.#mspId) {
      await this.#finalize(blockId, decidingVoters(view));
    } else {
      this.#scheduleFallback(blockId);
    }
  }

  async #finalize(blockId: string, voters: readonly string[] | undefined): Promise<void> {
    const { ledger, metrics, logger } = this.#options;
    this.#cancelFallback(blockId);
    try {
      const committed = await ledger.finalizeOutcome(blockId, voters);
      if (committed.result.recorded) {
        metrics.finalizations.inc({ status: committed.result.status });
        logger.info(
          { blockId, status: committed.result.status, tx: committed.transactionId },
          'outcome recorded',
        );
      }
    } catch (error) {
      const { code } = classify(error);
      // Another participant recorded it at the same moment: the outcome is on the ledger.
      if (code === 'MVCC_READ_CONFLICT' || code === 'PHANTOM_READ_CONFLICT') return;
      throw error;
    }
  }

  #scheduleFallback(blockId: string): void {
    if (this.#fallbacks.has(blockId) || this.#closed) return;
    const timer = setTimeout(() => {
      this.#fallbacks.delete(blockId);
      void this.#withBlockLock(blockId, async () => {
        const view = await this.#options.ledger.getFirstBlock(blockId);
        if (needsFinalizing(view)) await this.#finalize(blockId, decidingVoters(view));
      }).catch((error: unknown) =>
        this.#options.logger.warn({ err: error, blockId }, 'fallback finalization failed'),
      );
    }, this.#options.finalizeGraceMs);
    timer.unref();
    this.#fallbacks.set(blockId, timer);
  }

  #cancelFallback(blockId: string): void {
    const timer = this.#fallbacks.get(blockId);
    if (timer) {
      clearTimeout(timer);
      this.#fallbacks.delete(blockId);
    }
  }

  /** Expired blocks get no further verdict event, so a periodic sweep records their outcome. */
  async #sweep(): Promise<void> {
    if (this.#closed || !this.#healthy) return;
    const { ledger, logger } = this.#options;
    try {
      let bookmark = '';
      do {
        const page = await ledger.listFirstBlocks('pending', 100, bookmark);
        // The pending index lists blocks whose outcome is not recorded yet; their live status
        // says which of them are decided or expired by now.
        for (const item of page.items.filter((summary) => summary.status !== 'pending')) {
          await this.#withBlockLock(item.blockId, async () => {
            const view = await ledger.getFirstBlock(item.blockId);
            if (view.block.participants.includes(this.#mspId)) await this.#maybeFinalize(view);
          });
        }
        bookmark = page.items.length > 0 ? page.bookmark : '';
      } while (bookmark && !this.#closed);
    } catch (error) {
      logger.warn({ err: error }, 'sweep of pending blocks failed');
    }
  }

  #remember(blockId: string, tally: Tally): void {
    if (this.#tallies.size >= talliesKept) {
      const oldest = this.#tallies.keys().next().value;
      if (oldest !== undefined) this.#tallies.delete(oldest);
    }
    this.#tallies.set(blockId, tally);
  }

  /** Work on one block runs one step at a time, so a worker never races itself. */
  #withBlockLock<T>(blockId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#blockLocks.get(blockId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.#blockLocks.set(blockId, settled);
    void settled.then(() => {
      if (this.#blockLocks.get(blockId) === settled) this.#blockLocks.delete(blockId);
    });
    return next;
  }
}

/** Events of one block are handled one at a time; other events need no lock of their own. */
function lockKeyOf(event: LedgerEvent): string {
  return 'blockId' in event.payload ? event.payload.blockId : event.transactionId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function newWorker(options: Readonly<WorkerOptions>): Worker {
  return new EventWorker(options);
}
