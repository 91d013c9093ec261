import { ContractError } from './errors';
import type { VerdictInput } from '@corroborate/protocol';
import type { FirstBlockMeta, Verdict } from '@corroborate/protocol';

/** Rules for a participant's verdict on a block: pure, no ledger access. */

/** A verdict must make sense for the block it is about, so counts cannot be skewed by nonsense. */
export function assertVerdictFitsBlock(input: VerdictInput, meta: FirstBlockMeta): void {
  if (input.result === 'valid' && input.observedHash !== meta.batchRoot) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      "observedHash: a valid verdict must carry the block's batchRoot",
    );
  }
  const records = meta.records;
  const outside = (input.failedRecords ?? []).find((index) => index >= records);
  if (outside !== undefined) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `failedRecords: index ${outside} is outside the block's ${records} records`,
    );
  }
}

export interface VerdictFacts {
  readonly blockId: string;
  readonly participant: string;
  readonly input: VerdictInput;
  readonly recordedAt: string;
  readonly txId: string;
}

export function newVerdict(facts: VerdictFacts): Verdict {
  return {
    blockId: facts.blockId,
    participant: facts.participant,
    result: facts.input.result,
    observedHash: facts.input.observedHash,
    reason: facts.input.reason,
    attempts: facts.input.attempts,
    failedRecords: [...(facts.input.failedRecords ?? [])],
    ...(facts.input.differingFields?.length
      ? { differingFields: facts.input.differingFields }
      : {}),
    recordedAt: facts.recordedAt,
    txId: facts.txId,
  };
}
