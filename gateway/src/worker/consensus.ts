import {
  countVerdicts,
  decideByCounts,
  votersOf,
  type FirstBlockView,
} from '@corroborate/protocol';

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
  return votersOf(block.participants, block.content.requester.mspId).find((participant) =>
    voters.has(participant),
  );
}

/** Whether the outcome is decided but not yet on the ledger. */
export function needsFinalizing(view: FirstBlockView): boolean {
  return !view.outcome.recorded && view.outcome.status !== 'pending';
}

/** What a worker learns of one block from the contract's events, in ledger order. */
export interface Tally {
  /** The block's whole snapshot, the requester included. */
  readonly participants: readonly string[];
  /** The snapshot without the requester: the only participants that verify and count. */
  readonly voters: readonly string[];
  readonly threshold: number;
  readonly mode: string;
  readonly valid: Set<string>;
  readonly invalid: Set<string>;
  /** Voters that abstained: they have voted, but count for neither side. */
  readonly unverifiable: Set<string>;
}

export function newTally(
  participants: readonly string[],
  requester: string,
  threshold: number,
  mode: string,
): Tally {
  return {
    participants,
    voters: votersOf(participants, requester),
    threshold,
    mode,
    valid: new Set(),
    invalid: new Set(),
    unverifiable: new Set(),
  };
}

/** In relay mode, the voter whose verdict `mspId` waits for; `undefined` for the first voter. */
export function relayPredecessorOf(voters: readonly string[], mspId: string): string | undefined {
  const position = voters.indexOf(mspId);
  return position > 0 ? voters[position - 1] : undefined;
}

export function hasVoted(tally: Tally, participant: string): boolean {
  return (
    tally.valid.has(participant) ||
    tally.invalid.has(participant) ||
    tally.unverifiable.has(participant)
  );
}

/**
 * The outcome the verdicts seen so far decide, with the participants whose verdicts decide it,
 * or `undefined` while they decide nothing (abstentions never decide anything: a block they keep
 * from acceptance is left to expire). Order does not matter: counts only grow.
 */
export function decisionOf(
  tally: Tally,
): { status: 'accepted' | 'rejected'; voters: string[] } | undefined {
  const verdicts = [
    ...[...tally.valid].map((participant) => ({ participant, result: 'valid' as const })),
    ...[...tally.invalid].map((participant) => ({ participant, result: 'invalid' as const })),
    ...[...tally.unverifiable].map((participant) => ({
      participant,
      result: 'unverifiable' as const,
    })),
  ];
  const status = decideByCounts(countVerdicts(tally.voters, tally.threshold, verdicts));
  if (status === undefined) return undefined;
  const deciding = status === 'accepted' ? tally.valid : tally.invalid;
  return { status, voters: tally.voters.filter((voter) => deciding.has(voter)) };
}

/**
 * The participants whose recorded verdicts decide a view's outcome, so that recording it reads
 * only their verdicts; `undefined` (read every verdict) for an expired block.
 */
export function decidingVoters(view: FirstBlockView): string[] | undefined {
  if (view.outcome.status !== 'accepted' && view.outcome.status !== 'rejected') return undefined;
  const wanted = view.outcome.status === 'accepted' ? 'valid' : 'invalid';
  const voters = votersOf(view.block.participants, view.block.content.requester.mspId);
  return view.verdicts
    .filter((verdict) => verdict.result === wanted && voters.includes(verdict.participant))
    .map((verdict) => verdict.participant);
}
