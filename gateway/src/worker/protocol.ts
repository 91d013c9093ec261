import type { FirstBlockView, LedgerEventPayloads, VerdictResult } from '@corroborate/protocol';
import { TIME_WINDOW_SECONDS, votersOf } from '@corroborate/protocol';
import type { Logger } from 'pino';
import { classify } from '../classify';
import type { Ledger, LedgerEvent } from '../fabric/ledger';
import {
  decidingVoters,
  decisionOf,
  designatedFinalizer,
  hasVoted,
  needsFinalizing,
  newTally,
  relayPredecessorOf,
  type Tally,
} from './consensus';
import { newKeyedLock, type KeyedLock } from './lock';
import type { WorkerMetrics } from './metrics';
import type { Participant } from './participant';
import type { Webhook } from './webhook';

/** What the protocol needs of the ledger facade. */
export type ProtocolLedger = Pick<
  Ledger,
  'mspId' | 'getFirstBlock' | 'finalizeOutcome' | 'listFirstBlocks'
>;

export type ProtocolMetrics = Pick<
  WorkerMetrics,
  'verdicts' | 'abstentions' | 'finalizations' | 'rechecks' | 'driftedRecords' | 'alerts'
>;

export interface ParticipantProtocolOptions {
  readonly ledger: ProtocolLedger;
  readonly participant: Participant;
  readonly metrics: ProtocolMetrics;
  readonly logger: Logger;
  /** How long a participant that is not designated waits before it records a decided outcome. */
  readonly finalizeGraceMs: number;
  /** Serialises the work on one block; share it with the event pump. */
  readonly lock?: KeyedLock;
  /**
   * How long past a block's deadline the sweep waits before it records the outcome, so that a
   * verdict submitted just before the deadline can commit first (default 2 s).
   */
  readonly expiryMarginMs?: number;
  /** The worker's clock, in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Where a drifted or unreadable attestation (anyone's) is posted, when configured. */
  readonly webhook?: Webhook;
}

/**
 * A participant's side of the method (M4–M8), driven by the contract's events: it verifies the
 * first blocks it takes part in (at once, or in relay order after its predecessor), counts the
 * verdicts, and records decided outcomes; a periodic sweep records the outcome of blocks whose
 * deadline has passed.
 */
export interface ParticipantProtocol {
  /** Acts on one event. Events of one block must arrive one at a time, in ledger order. */
  handle(event: LedgerEvent): Promise<void>;
  /**
   * Records the outcome of every pending block this participant takes part in whose deadline has
   * passed. Problems are logged, never thrown: the next sweep tries again.
   */
  sweep(): Promise<void>;
  /** Cancels the grace-period timers and waits for a sweep in progress. */
  close(): Promise<void>;
}

// Tallies of blocks still undecided; past this many, the oldest are forgotten and their
// verdicts are looked up on the ledger instead.
const talliesKept = 10_000;
const sweepPageSize = 100;

class ParticipantProtocolImpl implements ParticipantProtocol {
  readonly #options: Readonly<ParticipantProtocolOptions>;
  readonly #mspId: string;
  readonly #lock: KeyedLock;
  readonly #now: () => number;
  readonly #fallbacks = new Map<string, NodeJS.Timeout>();
  readonly #tallies = new Map<string, Tally>();
  /** Per block, the records this participant's latest attestation found drifted. */
  readonly #drifted = new Map<string, number>();
  #sweeping: Promise<void> | undefined;
  #closed = false;

  constructor(options: Readonly<ParticipantProtocolOptions>) {
    this.#options = options;
    this.#mspId = options.ledger.mspId;
    this.#lock = options.lock ?? newKeyedLock();
    this.#now = options.now ?? Date.now;
  }

  async handle(event: LedgerEvent): Promise<void> {
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
      case 'RecheckRequested':
        return this.#recheck(event.payload.blockId, event.payload.round);
      case 'AttestationRecorded':
        return this.#alert(event.payload);
      default:
        return;
    }
  }

  sweep(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    // A sweep still running when the next is due simply absorbs it.
    this.#sweeping ??= this.#sweepPending().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#fallbacks.values()) clearTimeout(timer);
    this.#fallbacks.clear();
    await this.#sweeping;
  }

  async #onFirstBlock(payload: LedgerEventPayloads['FirstBlockCreated']): Promise<void> {
    const { blockId, participants, requester, mode, threshold } = payload;
    const tally = newTally(participants, requester, threshold, mode);
    this.#remember(blockId, tally);
    // The requester's own verdict never counts (and the contract refuses it): it only tallies.
    const index = tally.voters.indexOf(this.#mspId);
    if (index < 0) return;
    // Relay mode (claim 5): only the first voter starts; each next one starts when its
    // predecessor's verdict event arrives.
    if (mode === 'relay' && index > 0) return;
    await this.#verify(blockId);
  }

  async #onVerdict(blockId: string, voter: string, result: VerdictResult): Promise<void> {
    const tally = this.#tallies.get(blockId);
    // A block created before the checkpoint this worker resumed from: ask the ledger.
    if (!tally) return this.#onVerdictFromLedger(blockId, voter);
    if (!tally.participants.includes(this.#mspId)) return;
    const decidedBefore = decisionOf(tally) !== undefined;
    tally[result].add(voter);
    const predecessor = relayPredecessorOf(tally.voters, this.#mspId);
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
    const voters = votersOf(participants, view.block.content.requester.mspId);
    const predecessor = relayPredecessorOf(voters, this.#mspId);
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
      const { input } = result;
      metrics.verdicts.inc({ result: input.result, reason: input.reason });
      const fields = {
        blockId,
        result: input.result,
        reason: input.reason,
        attempts: input.attempts,
        tx: result.verdict.txId,
      };
      if (input.result === 'unverifiable') {
        // No evidence either way: the block is left to the others, or to its deadline.
        metrics.abstentions.inc({ reason: input.reason });
        logger.warn(fields, 'abstained: the source could not be read before the deadline margin');
      } else {
        logger.info(fields, 'verdict recorded');
      }
    } else if (result.kind === 'skipped') {
      logger.debug({ blockId, why: result.why }, 'block skipped');
    }
  }

  async #recheck(blockId: string, round: number): Promise<void> {
    const { participant, metrics, logger } = this.#options;
    const result = await participant.recheck(blockId, round);
    if (result.kind !== 'recorded') {
      logger.debug({ blockId, round, result: result.kind }, 're-check not recorded');
      return;
    }
    const { attestation, driftedRecords } = result;
    metrics.rechecks.inc({ result: attestation.result });
    this.#drifted.set(blockId, driftedRecords);
    metrics.driftedRecords.set([...this.#drifted.values()].reduce((sum, n) => sum + n, 0));
    const fields = { blockId, round, result: attestation.result, reason: attestation.reason };
    if (attestation.result === 'matches') {
      logger.info(fields, 're-check: the source still matches');
    } else {
      logger.warn(
        { ...fields, differingFields: attestation.differingFields },
        `re-check: the source is ${attestation.result}`,
      );
    }
  }

  /** Posts a drifted or unreadable attestation to the webhook; a failed delivery is logged. */
  async #alert(payload: LedgerEventPayloads['AttestationRecorded']): Promise<void> {
    const { webhook, metrics, logger } = this.#options;
    if (!webhook || payload.result === 'matches') return;
    const delivered = await webhook.send({
      type: 'corroborate.recheck.alert',
      id: payload.txId,
      blockId: payload.blockId,
      round: payload.round,
      participant: payload.participant,
      result: payload.result,
      reason: payload.reason,
      differingFields: payload.differingFields ?? [],
    });
    metrics.alerts.inc({ outcome: delivered ? 'delivered' : 'failed' });
    if (!delivered) {
      logger.warn({ blockId: payload.blockId, round: payload.round }, 'drift alert not delivered');
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

  /**
   * Records the outcome. With `voters` the contract reads only their verdicts; without, it reads
   * every verdict and records whatever they and the clock decide, `expired` included.
   */
  async #finalize(blockId: string, voters: readonly string[] | undefined): Promise<void> {
    const { ledger, metrics, logger } = this.#options;
    this.#cancelFallback(blockId);
    try {
      const committed = await ledger.finalizeOutcome(blockId, voters);
      const { status, recorded, txId } = committed.result;
      // The contract answers with the outcome already recorded when another participant was
      // first; only a record made by this transaction is this participant's.
      if (recorded && txId === committed.transactionId) {
        metrics.finalizations.inc({ status });
        logger.info({ blockId, status, tx: committed.transactionId }, 'outcome recorded');
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
      void this.#lock
        .run(blockId, async () => {
          const view = await this.#options.ledger.getFirstBlock(blockId);
          if (needsFinalizing(view)) await this.#finalize(blockId, decidingVoters(view));
        })
        .catch((error: unknown) =>
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

  /**
   * A block that nobody verifies in time gets no further event, and a decided outcome whose
   * finalizer failed may never be recorded: the pending index names both. The contract lists
   * every entry of that index as `pending`, whatever its live status, so the deadline decides
   * which are due.
   */
  async #sweepPending(): Promise<void> {
    const { ledger, logger } = this.#options;
    let bookmark = '';
    for (;;) {
      let page;
      try {
        page = await ledger.listFirstBlocks('pending', sweepPageSize, bookmark);
      } catch (error) {
        logger.warn({ err: error }, 'sweep of pending blocks failed');
        return;
      }
      for (const item of page.items) {
        if (this.#closed) return;
        if (!this.#isPast(item.deadline, 0)) continue;
        await this.#lock
          .run(item.blockId, () => this.#sweepBlock(item.blockId, item.deadline))
          .catch((error: unknown) =>
            logger.warn({ err: error, blockId: item.blockId }, 'sweep could not record outcome'),
          );
      }
      if (page.items.length < sweepPageSize || !page.bookmark || this.#closed) return;
      bookmark = page.bookmark;
    }
  }

  async #sweepBlock(blockId: string, deadline: string): Promise<void> {
    const view = await this.#options.ledger.getFirstBlock(blockId);
    if (!view.block.participants.includes(this.#mspId) || !needsFinalizing(view)) return;
    // One participant is designated so that the others do not all submit the same record; they
    // step in only once the grace period has passed too.
    const wait = designatedFinalizer(view) === this.#mspId ? 0 : this.#options.finalizeGraceMs;
    if (!this.#isPast(deadline, wait)) return;
    // Past the deadline no verdict can be added, so reading every verdict cannot conflict with
    // one; the contract counts them and records accepted, rejected or expired.
    await this.#finalize(blockId, undefined);
  }

  /**
   * Whether the deadline, plus the network's time window, the margin and `extraMs`, has passed by
   * this worker's clock. The contract records `expired` only once the transaction time is past
   * the deadline plus the window, so asking any earlier would only be answered `pending`.
   */
  #isPast(deadline: string, extraMs: number): boolean {
    const margin = this.#options.expiryMarginMs ?? 2000;
    return Date.parse(deadline) + TIME_WINDOW_SECONDS * 1000 + margin + extraMs <= this.#now();
  }

  #remember(blockId: string, tally: Tally): void {
    if (this.#tallies.size >= talliesKept) {
      const oldest = this.#tallies.keys().next().value;
      if (oldest !== undefined) this.#tallies.delete(oldest);
    }
    this.#tallies.set(blockId, tally);
  }
}

/** The participant protocol of `ledger.mspId`, to hand to an event pump as its handler. */
export function newParticipantProtocol(
  options: Readonly<ParticipantProtocolOptions>,
): ParticipantProtocol {
  return new ParticipantProtocolImpl(options);
}
