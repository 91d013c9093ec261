import type { Logger } from 'pino';
import type { Ledger } from '../fabric/ledger';
import type { DurableCheckpoint } from './checkpoint';
import { newKeyedLock } from './lock';
import type { WorkerMetrics } from './metrics';
import type { Participant } from './participant';
import { newParticipantProtocol } from './protocol';
import { newEventPump } from './pump';
import { newRecheckSchedule } from './schedule';
import type { Webhook } from './webhook';

export interface WorkerOptions {
  readonly ledger: Ledger;
  readonly participant: Participant;
  readonly checkpoint: DurableCheckpoint;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  /** Events processed at the same time; the checkpoint still advances in ledger order. */
  readonly concurrency: number;
  /** How long a participant that is not designated waits before it records a decided outcome. */
  readonly finalizeGraceMs: number;
  /** How often pending blocks are swept for expiry and unrecorded outcomes (default 15 s). */
  readonly sweepIntervalMs?: number;
  /** How long past a deadline the sweep waits before it records the outcome (default 2 s). */
  readonly expiryMarginMs?: number;
  /** Where to start when there is no checkpoint yet (default: the first block). */
  readonly startBlock?: bigint;
  readonly reconnectDelayMs?: number;
  /** Per source id, seconds between scheduled re-checks of its accepted blocks (none: off). */
  readonly recheckIntervalSeconds?: Readonly<Record<string, number>>;
  /** Where drift alerts are posted, when configured. */
  readonly webhook?: Webhook;
}

/** A participant's worker: follows the contract's events and acts on them. */
export interface Worker {
  /** Resolves once the worker has caught up with the ledger height it saw at start. */
  readonly caughtUp: Promise<void>;
  /** Whether the worker is connected to the ledger's event stream. */
  isHealthy(): boolean;
  close(): Promise<void>;
}

/**
 * A worker is the event pump with the participant protocol as its handler. Both take the same
 * per-block lock, so a grace-period record or a sweep never races the events of its block.
 */
export function newWorker(options: Readonly<WorkerOptions>): Worker {
  const lock = newKeyedLock();
  const protocol = newParticipantProtocol({
    ledger: options.ledger,
    participant: options.participant,
    metrics: options.metrics,
    logger: options.logger,
    finalizeGraceMs: options.finalizeGraceMs,
    lock,
    expiryMarginMs: options.expiryMarginMs,
    ...(options.webhook ? { webhook: options.webhook } : {}),
  });
  const pump = newEventPump({
    ledger: options.ledger,
    checkpoint: options.checkpoint,
    handler: (event) => protocol.handle(event),
    metrics: options.metrics,
    logger: options.logger,
    concurrency: options.concurrency,
    lock,
    startBlock: options.startBlock,
    reconnectDelayMs: options.reconnectDelayMs,
  });
  // While the stream is down the ledger is most likely unreachable too: the sweep waits for it.
  const sweepTimer = setInterval(() => {
    if (pump.isHealthy()) void protocol.sweep();
  }, options.sweepIntervalMs ?? 15_000);
  sweepTimer.unref();
  const intervals = options.recheckIntervalSeconds ?? {};
  const shortest = Math.min(...Object.values(intervals));
  let scheduleTimer: NodeJS.Timeout | undefined;
  if (Number.isFinite(shortest)) {
    const schedule = newRecheckSchedule({
      ledger: options.ledger,
      intervalSeconds: intervals,
      logger: options.logger,
    });
    // Looked at ten times per shortest interval, at most every 10 s, at least every 5 min.
    const every = Math.min(300_000, Math.max(10_000, (shortest * 1000) / 10));
    scheduleTimer = setInterval(() => {
      if (pump.isHealthy()) void schedule.run();
    }, every);
    scheduleTimer.unref();
  }

  return {
    caughtUp: pump.caughtUp,
    isHealthy: () => pump.isHealthy(),
    close: async () => {
      // A verification may be retrying an unreachable source until a deadline far ahead; its
      // event is delivered again when the worker restarts.
      options.participant.close();
      clearInterval(sweepTimer);
      clearInterval(scheduleTimer);
      await protocol.close();
      await pump.close();
    },
  };
}
