import type { DifferingFields, VerdictInput } from '@corroborate/protocol';
import { classify } from '../classify';
import type { Ledger } from '../fabric/ledger';
import type { FirstBlockView, Verdict } from '@corroborate/protocol';
import type { SourceRegistry } from '../sources/source';
import { verifyFirstBlock } from './first-verification';
import { verifyAgainstSource } from './second-verification';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface ParticipantOptions {
  readonly ledger: Ledger;
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

/** One participant's side of the method: verify a first block and record its verdict. */
export interface Participant {
  readonly mspId: string;
  verify(blockId: string): Promise<VerificationResult>;
}

class ParticipantImpl implements Participant {
  readonly mspId: string;
  readonly #ledger: Ledger;
  readonly #sources: SourceRegistry;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => Date;
  readonly #onRetry: (blockId: string, attempt: number, reason: string) => void;

  constructor(options: Readonly<ParticipantOptions>) {
    this.mspId = options.ledger.mspId;
    this.#ledger = options.ledger;
    this.#sources = options.sources;
    this.#retry = options.retry;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? (() => new Date());
    this.#onRetry = options.onRetry ?? (() => undefined);
  }

  async verify(blockId: string): Promise<VerificationResult> {
    let verdict: VerdictInput | undefined;
    for (let attempt = 1; ; attempt++) {
      // Each attempt fetches the block again (M6): a failed check is re-run on a fresh copy.
      const view = await this.#ledger.getFirstBlock(blockId);
      const skip = this.#whySkip(view);
      if (skip === 'already-recorded') return { kind: 'already-recorded' };
      if (skip) return { kind: 'skipped', why: skip };

      const first = verifyFirstBlock(view.block);
      if (!first.ok) {
        verdict = invalid('BAD_SIGNATURE', '', attempt);
      } else {
        const second = await verifyAgainstSource(this.#sources, view.block.content);
        if (second.ok) {
          verdict = {
            result: 'valid',
            observedHash: second.observedHash,
            reason: 'OK',
            attempts: attempt,
          };
        } else {
          verdict = invalid(
            second.reason,
            second.observedHash,
            attempt,
            second.failedRecords,
            second.differingFields,
          );
          if (!second.retryable) break;
        }
      }
      if (verdict.result === 'valid' || attempt >= this.#retry.maxAttempts) break;
      this.#onRetry(blockId, attempt, verdict.reason);
      await this.#sleep(this.#backoff(attempt));
    }
    return this.#record(blockId, verdict);
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
    if (Date.parse(view.block.content.deadline) <= this.#now().getTime()) return 'deadline passed';
    return undefined;
  }

  async #record(blockId: string, input: VerdictInput): Promise<VerificationResult> {
    for (let attempt = 1; ; attempt++) {
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

  #backoff(attempt: number): number {
    const exponential = this.#retry.initialBackoffMs * 2 ** (attempt - 1);
    return Math.min(this.#retry.maxBackoffMs, exponential);
  }
}

function invalid(
  reason: VerdictInput['reason'],
  observedHash: string,
  attempts: number,
  failedRecords: number[] = [],
  differingFields: DifferingFields[] = [],
): VerdictInput {
  return {
    result: 'invalid',
    observedHash,
    reason,
    attempts,
    ...(failedRecords.length > 0 ? { failedRecords } : {}),
    ...(differingFields.length > 0 ? { differingFields } : {}),
  };
}

export function newParticipant(options: Readonly<ParticipantOptions>): Participant {
  return new ParticipantImpl(options);
}
