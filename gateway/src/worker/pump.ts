import type { Logger } from 'pino';
import { classify } from '../classify';
import type { EventStream, Ledger, LedgerEvent } from '../fabric/ledger';
import type { DurableCheckpoint } from './checkpoint';
import { newKeyedLock, type KeyedLock } from './lock';
import type { WorkerMetrics } from './metrics';

/** Acts on one contract event. A rejection means "not done": the event is delivered again. */
export type EventHandler = (event: LedgerEvent) => Promise<void>;

/** What the pump needs of the ledger: its event stream, its height and its identity. */
export type PumpLedger = Pick<Ledger, 'events' | 'height' | 'ledgerId'>;

export type PumpMetrics = Pick<
  WorkerMetrics,
  'events' | 'failures' | 'lagBlocks' | 'lastBlock' | 'inFlight'
>;

export interface EventPumpOptions {
  readonly ledger: PumpLedger;
  readonly checkpoint: DurableCheckpoint;
  readonly handler: EventHandler;
  readonly metrics: PumpMetrics;
  readonly logger: Logger;
  /**
   * Events handled at the same time; the checkpoint still advances in ledger order. A slow event
   * holds one of these slots only: later events are admitted as earlier ones finish.
   */
  readonly concurrency: number;
  /**
   * Events kept behind the oldest unfinished one, done but not yet checkpointed (default 10 000):
   * a bound on memory while one event takes long, not on throughput.
   */
  readonly maxPending?: number;
  /** Where to start when there is no checkpoint yet (default: the first block). */
  readonly startBlock?: bigint;
  readonly reconnectDelayMs?: number;
  /**
   * Events under one key are handled one at a time, in ledger order. By default an event about a
   * first block is keyed by that block, any other by its transaction.
   */
  readonly keyOf?: (event: LedgerEvent) => string;
  /** The lock the keys are taken in: share it to serialise other work with the events. */
  readonly lock?: KeyedLock;
}

/**
 * Delivers the contract's events to a handler, at least once each, and keeps a durable
 * checkpoint of how far every event before it is done.
 */
export interface EventPump {
  /** Resolves once the pump has delivered the ledger height it saw at start. */
  readonly caughtUp: Promise<void>;
  /** Whether the event stream is open. */
  isHealthy(): boolean;
  /** Stops reading, waits for the events in hand and their checkpoint. */
  close(): Promise<void>;
}

const DEFAULT_MAX_PENDING = 10_000;

interface Slot {
  readonly event: LedgerEvent;
  /** The stream it came from: a slot of a stream already given up no longer counts. */
  readonly generation: number;
  done: boolean;
}

class EventPumpImpl implements EventPump {
  readonly caughtUp: Promise<void>;
  readonly #options: Readonly<EventPumpOptions>;
  readonly #keyOf: (event: LedgerEvent) => string;
  readonly #lock: KeyedLock;
  readonly #window: Slot[] = [];
  /** Slots of the window whose handler has not finished. */
  #unfinished = 0;
  #generation = 0;
  readonly #slotFreed: Array<() => void> = [];
  #stream: EventStream | undefined;
  #closed = false;
  /** Set when an event failed: stop admitting, and reopen the stream from the checkpoint. */
  #restarting = false;
  #lastLagUpdate = 0;
  #isCaughtUp = false;
  #healthy = false;
  #checkpointChain: Promise<void> = Promise.resolve();
  /** The latest position to save once the write under way is done. */
  #nextCheckpoint: { blockNumber: bigint; transactionId: string } | undefined;
  #checkpointing = false;
  #resolveCaughtUp: () => void = () => undefined;
  #catchUpHeight: bigint | undefined;
  readonly #loop: Promise<void>;

  constructor(options: Readonly<EventPumpOptions>) {
    this.#options = options;
    this.#keyOf = options.keyOf ?? subjectOf;
    this.#lock = options.lock ?? newKeyedLock();
    this.caughtUp = new Promise((resolve) => (this.#resolveCaughtUp = resolve));
    this.#loop = this.#run();
  }

  isHealthy(): boolean {
    return this.#healthy;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#healthy = false;
    this.#wakeAdmission();
    this.#stream?.close();
    await this.#loop;
    await this.#lock.settled();
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
      // Resume from what is durably done; events in flight are redelivered, so a handler must be
      // idempotent.
      await this.#lock.settled();
      await this.#checkpointChain;
      this.#window.length = 0;
      this.#unfinished = 0;
      this.#generation += 1;
      this.#restarting = false;
      if (!this.#closed) await sleep(this.#options.reconnectDelayMs ?? 1000);
    }
  }

  /** Starts handling an event once a slot is free; false when the stream must stop instead. */
  async #admit(event: LedgerEvent): Promise<boolean> {
    while (this.#isFull() && !this.#stopping()) {
      await new Promise<void>((resolve) => this.#slotFreed.push(resolve));
    }
    if (this.#stopping()) return false;
    const slot: Slot = { event, generation: this.#generation, done: false };
    this.#window.push(slot);
    this.#unfinished += 1;
    this.#options.metrics.inFlight.inc();
    void this.#lock
      .run(this.#keyOf(event), () => this.#options.handler(event))
      .then(
        () => this.#complete(slot),
        (error: unknown) => this.#fail(slot, error),
      );
    return true;
  }

  #isFull(): boolean {
    return (
      this.#unfinished >= this.#options.concurrency ||
      this.#window.length >= (this.#options.maxPending ?? DEFAULT_MAX_PENDING)
    );
  }

  #stopping(): boolean {
    return this.#closed || this.#restarting;
  }

  #wakeAdmission(): void {
    this.#slotFreed.splice(0).forEach((resolve) => resolve());
  }

  #complete(slot: Slot): void {
    slot.done = true;
    if (slot.generation === this.#generation) this.#unfinished -= 1;
    this.#options.metrics.inFlight.dec();
    this.#options.metrics.events.inc({ event: slot.event.name });
    let last: LedgerEvent | undefined;
    while (this.#window[0]?.done) {
      const event = this.#window.shift()?.event;
      // A checkpoint names a transaction: it may only pass one whose every event is done.
      if (event?.endsTransaction !== false) last = event;
    }
    if (last) this.#saveCheckpoint(last.blockNumber, last.transactionId);
    this.#wakeAdmission();
  }

  /**
   * Saves the checkpoint, one write at a time; positions reached while a write is under way are
   * folded into the next, so that a busy worker writes its checkpoint file once per write's
   * duration, not once per event.
   */
  #saveCheckpoint(blockNumber: bigint, transactionId: string): void {
    this.#nextCheckpoint = { blockNumber, transactionId };
    if (this.#checkpointing) return;
    this.#checkpointing = true;
    this.#checkpointChain = (async () => {
      for (let next = this.#nextCheckpoint; next; next = this.#nextCheckpoint) {
        this.#nextCheckpoint = undefined;
        try {
          await this.#options.checkpoint.save(next.blockNumber, next.transactionId);
          await this.#afterCheckpoint(next.blockNumber);
        } catch (error) {
          this.#options.logger.error({ err: error }, 'checkpoint failed');
        }
      }
      this.#checkpointing = false;
    })();
  }

  #fail(slot: Slot, error: unknown): void {
    if (this.#closed) {
      // Abandoned by close: not done, so the checkpoint stays before it and it runs again later.
      this.#options.metrics.inFlight.dec();
      this.#wakeAdmission();
      return;
    }
    const { code, message } = classify(error);
    this.#options.metrics.failures.inc({ code });
    this.#options.logger.error(
      { err: error, code, event: slot.event.name, tx: slot.event.transactionId },
      `processing failed (${message}); the event will be retried from the checkpoint`,
    );
    this.#options.metrics.inFlight.dec();
    if (slot.generation === this.#generation) this.#unfinished -= 1;
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
}

/** Events about one first block share its id as their key; other events need no lock of theirs. */
function subjectOf(event: LedgerEvent): string {
  return 'blockId' in event.payload ? event.payload.blockId : event.transactionId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts a pump: it opens the stream at once and reconnects until closed. */
export function newEventPump(options: Readonly<EventPumpOptions>): EventPump {
  return new EventPumpImpl(options);
}
