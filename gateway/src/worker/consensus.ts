import type { FirstBlockView } from '../fabric/ledger';

/**
 * Which participant records a decided outcome. Every worker computes the same answer from the
 * same ledger state, so exactly one of them submits FinalizeOutcome and the others stay out of
 * its way (no conflict storm on the outcome key): for `accepted` the first participant in the
 * snapshot that voted valid, for `rejected` the first that voted invalid, for `expired` the first
 * participant of the snapshot. The others step in only after a grace period, in case it is down.
 *
 * Returns `undefined` while the block is pending or once its outcome is recorded.
 */
export function designatedFinalizer(view: FirstBlockView): string | undefined {
  const { outcome, block, verdicts } = view;
  if (outcome.recorded || outcome.status === 'pending') return undefined;
  if (outcome.status === 'expired') return block.participants[0];
  const wanted = outcome.status === 'accepted' ? 'valid' : 'invalid';
  const voters = new Set(
    verdicts.filter((verdict) => verdict.result === wanted).map((verdict) => verdict.participant),
  );
  return block.participants.find((participant) => voters.has(participant));
}

/** Whether the outcome is decided but not yet on the ledger. */
export function needsFinalizing(view: FirstBlockView): boolean {
  return !view.outcome.recorded && view.outcome.status !== 'pending';
}
