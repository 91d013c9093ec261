import { ContractError } from './errors';
import type { Caller } from './identity';
import type { VerdictInput } from '@corroborate/protocol';
import type { FirstBlockMeta, Verdict } from '@corroborate/protocol';
import {
  verdictSigningPayload,
  verdictSubjectOfMeta,
  verifySignature,
} from '@corroborate/protocol';

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

/**
 * The verdict must be signed by the identity that submits it, over this block (its id, content
 * hash, snapshot and ratio) and every field it submits, so that a receipt can carry the verdict
 * as its participant's own word, checkable with no peer.
 */
export function assertVerdictSignature(
  input: VerdictInput,
  meta: FirstBlockMeta & { readonly contentHash: string },
  caller: Caller,
): void {
  const payload = verdictSigningPayload(verdictSubjectOfMeta(meta, caller.mspId), input);
  if (!verifySignature(payload, input.signature, caller.certificate)) {
    throw new ContractError(
      'BAD_VERDICT_SIGNATURE',
      `signature: does not verify over block ${meta.blockId} and this verdict with the submitter's certificate`,
    );
  }
}

export interface VerdictFacts {
  readonly blockId: string;
  readonly participant: string;
  readonly input: VerdictInput;
  /** PEM certificate of the submitting identity, which the signature verified with. */
  readonly signerCertificate: string;
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
    signature: facts.input.signature,
    signerCertificate: facts.signerCertificate,
    recordedAt: facts.recordedAt,
    txId: facts.txId,
  };
}
