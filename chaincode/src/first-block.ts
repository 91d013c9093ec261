import { ContractError } from './errors';
import type { Caller } from './identity';
import type { FirstBlockContent } from '@corroborate/protocol';
import { canonicalJson } from '@corroborate/protocol';
import type {
  FirstBlockMeta,
  FirstBlockSummary,
  OutcomeView,
  ParticipantSet,
  StoredFirstBlock,
  Verdict,
} from '@corroborate/protocol';
import type { Instant } from '@corroborate/protocol';
import { maxDeadlineAhead, parseUtcTimestamp, thresholdFor, votersOf } from '@corroborate/protocol';

/** Rules for accepting a first block onto the ledger: pure, no ledger access. */

export function assertRequester(content: FirstBlockContent, caller: Caller): void {
  if (content.requester.mspId !== caller.mspId) {
    throw new ContractError(
      'REQUESTER_MISMATCH',
      `requester.mspId: ${content.requester.mspId} is not the submitting organisation ${caller.mspId}`,
    );
  }
  if (content.requester.certFingerprint !== caller.fingerprint) {
    throw new ContractError(
      'REQUESTER_MISMATCH',
      "requester.certFingerprint: does not match the submitting identity's certificate",
    );
  }
}

/** The deadline of a block's content or of its meta, which carries the same text. */
export function deadlineOf(block: { readonly deadline: string }): Instant {
  const deadline = parseUtcTimestamp(block.deadline);
  if (deadline === undefined) {
    throw new ContractError('DEADLINE_INVALID', `deadline: not an RFC 3339 UTC timestamp`);
  }
  return deadline;
}

/** A deadline must leave the participants time to verify, and not hold a vote open for ever. */
export function assertDeadline(content: FirstBlockContent, now: Instant): void {
  const deadline = deadlineOf(content);
  if (deadline <= now) {
    throw new ContractError('DEADLINE_INVALID', 'deadline: must be after the transaction time');
  }
  if (deadline - now > maxDeadlineAhead) {
    throw new ContractError(
      'DEADLINE_INVALID',
      'deadline: must be at most 30 days after the transaction time',
    );
  }
}

export interface FirstBlockFacts {
  readonly content: FirstBlockContent;
  readonly signature: string;
  /** '' for a `corroborate-v1` block, whose leaves have no salts. */
  readonly saltSeed: string;
  readonly caller: Caller;
  readonly contentHash: string;
  readonly participantSet: ParticipantSet;
  readonly createdAt: string;
  readonly txId: string;
}

/**
 * The threshold of a block the caller requests under this participant set: over its voters, the
 * snapshot without the requester (see `voterThreshold`).
 */
export function blockThreshold(set: ParticipantSet, requester: string): number {
  const threshold = thresholdFor(votersOf(set.participants, requester).length, set.quorumRatio);
  if (threshold === undefined) {
    // The stored ratio was checked when it was set; reaching this means the state is corrupt.
    throw new ContractError('INVALID_ARGUMENT', `quorumRatio: stored ratio is not valid`);
  }
  return threshold;
}

export function newStoredFirstBlock(facts: FirstBlockFacts): StoredFirstBlock {
  return {
    content: facts.content,
    signature: facts.signature,
    requesterCertificate: facts.caller.certificate,
    contentHash: facts.contentHash,
    participants: [...facts.participantSet.participants],
    threshold: blockThreshold(facts.participantSet, facts.caller.mspId),
    quorumRatio: facts.participantSet.quorumRatio,
    createdAt: facts.createdAt,
    txId: facts.txId,
    // A corroborate-v1 block stores no seed: its JSON stays what it always was.
    ...(facts.saltSeed === '' ? {} : { saltSeed: facts.saltSeed }),
  };
}

/**
 * `canonicalJson(block)`, given `payload`, the canonical JSON of `block.content` that the
 * signature was checked over: `content` sorts before every other key of a block, so the payload
 * is spliced in rather than serialised again (about 1 MB for 1000 records).
 */
export function storedFirstBlockJson(block: StoredFirstBlock, payload: string): string {
  const rest = Object.entries(block).filter(([key]) => key !== 'content');
  // Only if a key were added that sorts first would the splice be wrong: keep the bytes then.
  if (rest.some(([key]) => key < 'content')) {
    return canonicalJson(block);
  }
  const restJson = canonicalJson(Object.fromEntries(rest));
  return restJson === '{}'
    ? `{"content":${payload}}`
    : `{"content":${payload},${restJson.slice(1)}`;
}

/**
 * `canonicalJson({ block, outcome, verdicts })` with the block as its stored canonical JSON, which
 * is spliced in rather than parsed and serialised again: the keys sort block < outcome < verdicts.
 */
export function firstBlockViewJson(
  blockJson: string,
  verdicts: readonly Verdict[],
  outcome: OutcomeView,
): string {
  return `{"block":${blockJson},"outcome":${canonicalJson(outcome)},"verdicts":${canonicalJson(verdicts)}}`;
}

export function newFirstBlockMeta(block: StoredFirstBlock): FirstBlockMeta {
  return {
    blockId: block.content.id,
    requester: block.content.requester.mspId,
    mode: block.content.mode,
    sourceId: block.content.interface.sourceId,
    deadline: block.content.deadline,
    batchRoot: block.content.batchRoot,
    contentHash: block.contentHash,
    records: block.content.records.length,
    participants: [...block.participants],
    threshold: block.threshold,
    quorumRatio: block.quorumRatio,
    createdAt: block.createdAt,
  };
}

export function summariseFirstBlock(meta: FirstBlockMeta): FirstBlockSummary {
  return {
    blockId: meta.blockId,
    requester: meta.requester,
    mode: meta.mode,
    sourceId: meta.sourceId,
    records: meta.records,
    participants: meta.participants.length,
    threshold: meta.threshold,
    deadline: meta.deadline,
    createdAt: meta.createdAt,
  };
}

/**
 * Relay mode: the voter that must have recorded before this one, if any. The relay runs through
 * the voters in snapshot order; the requester records no verdict, so it is no link of it.
 */
export function relayPredecessor(meta: FirstBlockMeta, participant: string): string | undefined {
  if (meta.mode !== 'relay') {
    return undefined;
  }
  const voters = votersOf(meta.participants, meta.requester);
  const position = voters.indexOf(participant);
  return position > 0 ? voters[position - 1] : undefined;
}
