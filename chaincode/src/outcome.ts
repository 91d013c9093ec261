import { ContractError } from './errors';
import type { FirstBlockMeta, Outcome, OutcomeView, Verdict } from '@corroborate/protocol';
import type { OutcomeStatus, Tally } from '@corroborate/protocol';
import { countVerdicts, decideOutcome, expiryOf, votersOf } from '@corroborate/protocol';
import type { Instant } from '@corroborate/protocol';
import { deadlineOf } from './first-block';

/** Counting verdicts into an outcome: pure, no ledger access. */

/**
 * Counts only verdicts of the block's voters (its snapshot without the requester), each voter
 * once: a verdict of the requester, recorded by an older contract, never counts.
 */
export function tallyVerdicts(meta: FirstBlockMeta, verdicts: readonly Verdict[]): Tally {
  return countVerdicts(
    votersOf(meta.participants, meta.requester),
    meta.threshold,
    verdicts.filter((verdict) => verdict.blockId === meta.blockId),
  );
}

/** Voters named to FinalizeOutcome must be the block's voters: no one else counts. */
export function assertVoters(meta: FirstBlockMeta, voters: readonly string[]): void {
  const eligible = votersOf(meta.participants, meta.requester);
  const outsider = voters.find((voter) => !eligible.includes(voter));
  if (outsider !== undefined) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `votersJson: ${outsider} is not a voter of block ${meta.blockId}`,
    );
  }
}

/**
 * The block's outcome by counts and the transaction time: `expired` only once that time is past
 * the deadline plus the network's time window, so a client that sets its clock ahead cannot
 * expire a block while verdicts submitted before the deadline may still be on their way.
 */
export function decideBlockOutcome(
  meta: FirstBlockMeta,
  tally: Tally,
  now: Instant,
): OutcomeStatus {
  return decideOutcome(tally, expiryOf(deadlineOf(meta)), now);
}

/**
 * With a voter list, only acceptance or rejection reached by the listed verdicts may be recorded.
 * Expiry is left to a call without a list: it must count every verdict, and reading them all is
 * safe once the deadline plus the time window has passed because no verdict can be recorded
 * any more.
 */
export function assertDecidedByVoters(
  status: OutcomeStatus,
  blockId: string,
): asserts status is 'accepted' | 'rejected' {
  if (status !== 'accepted' && status !== 'rejected') {
    throw new ContractError(
      'OUTCOME_PENDING',
      `votersJson: the listed verdicts do not decide block ${blockId}`,
    );
  }
}

export function viewLiveOutcome(meta: FirstBlockMeta, tally: Tally, now: Instant): OutcomeView {
  return {
    status: decideBlockOutcome(meta, tally, now),
    recorded: false,
    ...tally,
  };
}

export function viewRecordedOutcome(outcome: Outcome): OutcomeView {
  return {
    status: outcome.status,
    recorded: true,
    valid: outcome.valid,
    invalid: outcome.invalid,
    // Recorded before abstentions existed, an outcome counted none.
    unverifiable: outcome.unverifiable ?? 0,
    participants: outcome.participants,
    threshold: outcome.threshold,
    decidedAt: outcome.decidedAt,
    txId: outcome.txId,
  };
}
