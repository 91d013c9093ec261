import {
  LIMITS,
  type Attestation,
  type AttestationBody,
  type AttestationReason,
  UNREADABLE_REASONS,
  resultOfReason,
  saltsOfBlock,
  verdictSubjectOf,
  type DifferingFields,
  type StoredFirstBlock,
  type VerdictBody,
  type VerdictInput,
} from '@corroborate/protocol';
import type { KeyObject } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { classify } from '../classify';
import type { Ledger } from '../fabric/ledger';
import { signAttestation, signVerdict } from '../signing';
import type { FirstBlockView, Verdict } from '@corroborate/protocol';
import type { SourceRegistry } from '../sources/source';
import { verifyFirstBlock } from './first-verification';
import { verifyAgainstSource, type SecondVerification } from './second-verification';

export interface RetryPolicy {
  /** Attempts before evidence (a mismatch, a missing record) becomes an invalid verdict. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  /** The cap of the exponential backoff between attempts. */
  readonly maxBackoffMs: number;
  /**
   * How long before a block's deadline a participant that still cannot read its source stops
   * retrying and records its abstention (`unverifiable`), so that the verdict is in before the
   * contract refuses it.
   */
  readonly abstainMarginMs: number;
  /**
   * The time budget of one attempt's reads: they are abandoned (through the abort signal every
   * connector takes) after this long, or sooner when the time left before the participant must
   * abstain runs out, and the attempt counts as an unreachable source. So no read holds a block,
   * or the worker's capacity, past the point where a verdict must be in. Default 60 000 ms.
   */
  readonly attemptBudgetMs?: number;
}

/** The attempt budget when none is configured. */
export const DEFAULT_ATTEMPT_BUDGET_MS = 60_000;

export interface ParticipantOptions {
  readonly ledger: Ledger;
  /**
   * The private key of the identity the ledger submits with: each verdict is signed with it, and
   * the contract verifies that signature with the submitter's certificate.
   */
  readonly signingKey: KeyObject;
  readonly sources: SourceRegistry;
  readonly retry: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  /** Told of each retry, for metrics and logs. */
  readonly onRetry?: (blockId: string, attempt: number, reason: string) => void;
}

export type VerificationResult =
  | { readonly kind: 'recorded'; readonly verdict: Verdict; readonly input: VerdictInput }
  | { readonly kind: 'already-recorded' }
  | { readonly kind: 'skipped'; readonly why: string };

export type RecheckResult =
  | {
      readonly kind: 'recorded';
      readonly attestation: Attestation;
      /** Records of the block whose fields differ now (0 unless drifted). */
      readonly driftedRecords: number;
    }
  | { readonly kind: 'already-recorded' }
  | { readonly kind: 'skipped'; readonly why: string };

/** One participant's side of the method: verify a first block and record its verdict. */
export interface Participant {
  readonly mspId: string;
  verify(blockId: string): Promise<VerificationResult>;
  /**
   * Re-verification: reads the records of an accepted block again from this participant's own
   * source and records its signed attestation in `round` (matches, drifted naming the fields
   * that differ, or unreadable with the reason). Every participant of the block's snapshot
   * attests, its requester included.
   */
  recheck(blockId: string, round: number): Promise<RecheckResult>;
  /**
   * Abandons the verifications in progress: their retries stop and they reject, so that their
   * events are delivered again once the worker runs again. A retry can last until a deadline
   * hours away; a worker that stops must not wait for it.
   */
  close(): void;
}

class ParticipantImpl implements Participant {
  readonly mspId: string;
  readonly #ledger: Ledger;
  readonly #signingKey: KeyObject;
  readonly #sources: SourceRegistry;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;
  readonly #onRetry: (blockId: string, attempt: number, reason: string) => void;
  readonly #closing = new AbortController();

  constructor(options: Readonly<ParticipantOptions>) {
    this.mspId = options.ledger.mspId;
    this.#ledger = options.ledger;
    this.#signingKey = options.signingKey;
    this.#sources = options.sources;
    this.#retry = options.retry;
    const signal = this.#closing.signal;
    this.#sleep = options.sleep ?? ((ms) => sleepFor(ms, undefined, { signal }));
    this.#now = options.now ?? (() => new Date());
    this.#onRetry = options.onRetry ?? (() => undefined);
  }

  close(): void {
    this.#closing.abort(new Error('the participant is closing; the block is verified on restart'));
  }

  /**
   * Verifies until the answer is final: a match at once; evidence against the record after
   * `maxAttempts` (a replica may lag); a source that cannot be read until shortly before the
   * deadline (an outage may end), after which the participant abstains. An outage is never
   * evidence, so it never becomes an invalid verdict.
   */
  async verify(blockId: string): Promise<VerificationResult> {
    let verdict: VerdictBody | undefined;
    let block: StoredFirstBlock;
    for (let attempt = 1; ; attempt++) {
      this.#assertOpen();
      // Each attempt fetches the block again (M6): a failed check is re-run on a fresh copy.
      const view = await this.#ledger.getFirstBlock(blockId);
      block = view.block;
      const skip = this.#whySkip(view);
      if (skip === 'already-recorded') return { kind: 'already-recorded' };
      if (skip) return { kind: 'skipped', why: skip };

      let retryable = true;
      const first = verifyFirstBlock(view.block);
      if (!first.ok) {
        verdict = failed('BAD_SIGNATURE', attempt);
      } else {
        const second = await verifyAgainstSource(
          this.#sources,
          view.block.content,
          this.#attemptSignal(view.block.content.deadline),
          saltsOfBlock(view.block),
        );
        this.#assertOpen();
        if (second.ok) {
          verdict = {
            result: 'valid',
            observedHash: second.observedHash,
            reason: 'OK',
            attempts: attempt,
          };
        } else {
          verdict = failed(second.reason, attempt, second.failedRecords, second.differingFields);
          retryable = second.retryable;
        }
      }
      if (verdict.result === 'valid' || !retryable) break;
      const backoff = this.#backoff(attempt);
      if (verdict.result === 'invalid' && attempt >= this.#retry.maxAttempts) break;
      if (
        verdict.result === 'unverifiable' &&
        !this.#mayRetryUnreadable(view.block.content.deadline, attempt, backoff)
      ) {
        break;
      }
      this.#onRetry(blockId, attempt, verdict.reason);
      await this.#sleep(backoff);
    }
    return this.#record(
      block,
      signVerdict(verdictSubjectOf(block, this.mspId), verdict, this.#signingKey),
    );
  }

  async recheck(blockId: string, round: number): Promise<RecheckResult> {
    this.#assertOpen();
    const view = await this.#ledger.getFirstBlock(blockId);
    const block = view.block;
    if (!block.participants.includes(this.mspId)) {
      return { kind: 'skipped', why: 'not a participant of this block' };
    }
    const history = await this.#ledger.getRechecks(blockId);
    const opened = history.rounds.find((candidate) => candidate.round === round);
    if (!opened) return { kind: 'skipped', why: `no round ${round}` };
    if (opened.attestations.some((attestation) => attestation.participant === this.mspId)) {
      return { kind: 'already-recorded' };
    }
    let second: SecondVerification;
    for (let attempt = 1; ; attempt++) {
      second = await verifyAgainstSource(
        this.#sources,
        block.content,
        this.#closing.signal,
        saltsOfBlock(block),
      );
      this.#assertOpen();
      // A record agreed on earlier and different now has drifted: retrying only helps a source
      // that could not be read and may come back.
      const drifted = second.differingFields.length > 0;
      if (second.ok || drifted || !second.retryable || attempt >= this.#retry.maxAttempts) break;
      this.#onRetry(blockId, attempt, second.reason);
      await this.#sleep(this.#backoff(attempt));
    }
    const body = attestationOf(second);
    const input = signAttestation(
      { blockId, contentHash: block.contentHash, round, participant: this.mspId },
      body,
      this.#signingKey,
    );
    for (let attempt = 1; ; attempt++) {
      this.#assertOpen();
      try {
        const committed = await this.#ledger.recordAttestation(blockId, round, input);
        return {
          kind: 'recorded',
          attestation: committed.result,
          driftedRecords: body.differingFields.length,
        };
      } catch (error) {
        const { code, retryable } = classify(error);
        if (code === 'DUPLICATE_ATTESTATION') return { kind: 'already-recorded' };
        if (!retryable || attempt >= this.#retry.maxAttempts) throw error;
        this.#onRetry(blockId, attempt, code);
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  /**
   * Whether an unreadable source may be tried again after `backoff`: only while the attempt after
   * it still ends before the deadline less the margin, and within the attempts a verdict may
   * report.
   */
  #mayRetryUnreadable(deadline: string, attempt: number, backoff: number): boolean {
    if (attempt >= LIMITS.maxAttempts) return false;
    const lastStart = Date.parse(deadline) - this.#retry.abstainMarginMs;
    return this.#now().getTime() + backoff <= lastStart;
  }

  /**
   * Aborts when the participant closes, or when this attempt's budget is spent: the configured
   * budget, or the time left until the last moment to abstain, whichever is shorter (at least
   * 1 ms, so that an attempt started late still ends).
   */
  #attemptSignal(deadline: string): AbortSignal {
    const untilAbstain = Date.parse(deadline) - this.#retry.abstainMarginMs - this.#now().getTime();
    const budget = Math.max(
      1,
      Math.min(this.#retry.attemptBudgetMs ?? DEFAULT_ATTEMPT_BUDGET_MS, untilAbstain),
    );
    return AbortSignal.any([this.#closing.signal, AbortSignal.timeout(budget)]);
  }

  #whySkip(view: FirstBlockView): string | undefined {
    if (!view.block.participants.includes(this.mspId)) return 'not a participant of this block';
    // The requester vouched for the record by signing it; only the others corroborate it.
    if (view.block.content.requester.mspId === this.mspId) return 'own request';
    if (view.verdicts.some((verdict) => verdict.participant === this.mspId)) {
      return 'already-recorded';
    }
    // The outcome is final: a verdict now would be refused (OUTCOME_RECORDED).
    if (view.outcome.recorded) return 'outcome recorded';
    // Decided by the others' verdicts and only not yet recorded: a verdict now adds nothing, and
    // a participant retrying an unreachable source would hold the block for nothing.
    if (view.outcome.status !== 'pending') return 'outcome decided';
    if (Date.parse(view.block.content.deadline) <= this.#now().getTime()) return 'deadline passed';
    return undefined;
  }

  async #record(block: StoredFirstBlock, input: VerdictInput): Promise<VerificationResult> {
    const blockId = block.content.id;
    for (let attempt = 1; ; attempt++) {
      this.#assertOpen();
      try {
        const committed = await this.#ledger.recordVerdict(blockId, input);
        return { kind: 'recorded', verdict: committed.result, input };
      } catch (error) {
        const { code, retryable } = classify(error);
        // A redelivered event or a crash between submit and checkpoint: the verdict is there.
        if (code === 'DUPLICATE_VERDICT') return { kind: 'already-recorded' };
        if (code === 'BLOCK_EXPIRED') return { kind: 'skipped', why: 'deadline passed' };
        if (code === 'OUTCOME_RECORDED') return { kind: 'skipped', why: 'outcome recorded' };
        if (!retryable || attempt >= this.#retry.maxAttempts) throw error;
        this.#onRetry(blockId, attempt, code);
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  #assertOpen(): void {
    this.#closing.signal.throwIfAborted();
  }

  #backoff(attempt: number): number {
    const exponential = this.#retry.initialBackoffMs * 2 ** Math.min(attempt - 1, 30);
    return Math.min(this.#retry.maxBackoffMs, exponential);
  }
}

/**
 * A verdict that is not valid: `invalid` on evidence, `unverifiable` on an unreadable source. It
 * carries no hash of what was read: where that differs from the block, its hash would let anyone
 * guess the values read. The names of the fields that differ say what changed.
 */
function failed(
  reason: VerdictBody['reason'],
  attempts: number,
  failedRecords: number[] = [],
  differingFields: DifferingFields[] = [],
): VerdictBody {
  const result = resultOfReason(reason);
  return {
    result,
    observedHash: '',
    reason,
    attempts,
    ...(failedRecords.length > 0 ? { failedRecords } : {}),
    ...(result === 'invalid' && differingFields.length > 0 ? { differingFields } : {}),
  };
}

/**
 * What a re-read attests: `matches` when every record hashes as in the block; `drifted`, naming
 * per record the fields whose hashes differ, when any record read differs; otherwise
 * `unreadable` with why. It never carries a value or a hash of one.
 */
export function attestationOf(second: SecondVerification): AttestationBody {
  if (second.ok) return { result: 'matches', reason: 'OK', differingFields: [] };
  if (second.differingFields.length > 0) {
    return {
      result: 'drifted',
      reason: 'HASH_MISMATCH',
      differingFields: second.differingFields.map((entry) => ({
        record: entry.record,
        fields: [...entry.fields],
      })),
    };
  }
  const reason = (UNREADABLE_REASONS as readonly string[]).includes(second.reason)
    ? (second.reason as AttestationReason)
    : 'INTERNAL';
  return { result: 'unreadable', reason, differingFields: [] };
}

export function newParticipant(options: Readonly<ParticipantOptions>): Participant {
  return new ParticipantImpl(options);
}
