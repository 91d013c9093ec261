import type { FirstBlockMeta, Outcome, OutcomeView, Verdict } from './state';
import type { Tally } from './threshold';
import { decideOutcome } from './threshold';
import type { Instant } from './time';
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
