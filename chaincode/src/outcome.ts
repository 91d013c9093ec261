import { ContractError } from './errors';
import type { FirstBlockMeta, Outcome, OutcomeView, Verdict } from '@corroborate/protocol';
import type { OutcomeStatus, Tally } from '@corroborate/protocol';
import { decideOutcome } from '@corroborate/protocol';
import type { Instant } from '@corroborate/protocol';
import { deadlineOf } from './first-block';

/** Counting verdicts into an outcome: pure, no ledger access. */

/** Counts only verdicts from the block's snapshot, each participant once. */
export function tallyVerdicts(meta: FirstBlockMeta, verdicts: readonly Verdict[]): Tally {
  const counted = new Map<string, Verdict['result']>();
  for (const verdict of verdicts) {
    if (verdict.blockId === meta.blockId && meta.participants.includes(verdict.participant)) {
      counted.set(verdict.participant, verdict.result);
    }
  }
  const results = [...counted.values()];
  return {
    participants: meta.participants.length,
    threshold: meta.threshold,
    valid: results.filter((result) => result === 'valid').length,
    invalid: results.filter((result) => result === 'invalid').length,
  };
}

/** Voters named to FinalizeOutcome must come from the block's snapshot: no one else counts. */
export function assertVoters(meta: FirstBlockMeta, voters: readonly string[]): void {
  const outsider = voters.find((voter) => !meta.participants.includes(voter));
  if (outsider !== undefined) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `votersJson: ${outsider} is not a participant of block ${meta.blockId}`,
    );
  }
}

/**
 * With a voter list, only acceptance or rejection reached by the listed verdicts may be recorded.
 * Expiry is left to a call without a list: it must count every verdict, and reading them all is
 * safe once the deadline has passed because no verdict can be recorded any more.
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
    status: decideOutcome(tally, deadlineOf(meta), now),
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
    participants: outcome.participants,
    threshold: outcome.threshold,
    decidedAt: outcome.decidedAt,
    txId: outcome.txId,
  };
}
