import type { VerdictResult } from './model';
import type { Instant } from './time';

/** The agreement level when none is given: at least half of a block's voters. */
export const defaultQuorumRatio = '0.5';

/**
 * The lowest ratio the participant set may have: below one half, the members that agree with a
 * requester could be a minority of the others.
 */
export const minQuorumRatio = '0.5';

/** A block's status: pending until the counts or the deadline decide it. */
export type OutcomeStatus = 'pending' | 'accepted' | 'rejected' | 'expired';

/** Every {@link OutcomeStatus}. */
export const outcomeStatuses: readonly OutcomeStatus[] = [
  'pending',
  'accepted',
  'rejected',
  'expired',
];

/** True when `value` is an {@link OutcomeStatus}. */
export function isOutcomeStatus(value: string): value is OutcomeStatus {
  return (outcomeStatuses as readonly string[]).includes(value);
}

/** A decimal ratio held exactly as numerator / 10^scale, so no float rounding moves a threshold. */
export interface QuorumRatio {
  readonly text: string;
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const ratioPattern = /^(0|1)(?:\.(\d{1,9}))?$/;

/**
 * Parses a decimal ratio in (0, 1] with at most 9 fractional digits. The text is normalised
 * (no trailing fractional zeros), so `'0.50'` and `'0.5'` are the same ratio and store the same.
 * Returns undefined when the text is not such a ratio.
 */
export function parseQuorumRatio(text: string): QuorumRatio | undefined {
  const match = ratioPattern.exec(text);
  if (!match) {
    return undefined;
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const denominator = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole) * denominator + BigInt(`0${fraction}`);
  if (numerator <= 0n || numerator > denominator) {
    return undefined;
  }
  return {
    text: fraction === '' ? whole : `${whole}.${fraction}`,
    numerator,
    denominator,
  };
}

/** ceil(count × ratio), computed on integers. */
export function computeThreshold(count: number, ratio: QuorumRatio): number {
  const product = BigInt(count) * ratio.numerator;
  return Number((product + ratio.denominator - 1n) / ratio.denominator);
}

/** Whether a ratio is at least {@link minQuorumRatio}. */
export function meetsMinQuorumRatio(ratio: QuorumRatio): boolean {
  // numerator / denominator >= 1 / 2, in integers
  return ratio.numerator * 2n >= ratio.denominator;
}

/**
 * The voters of a block: its participant snapshot without the requester, in snapshot order. The
 * requester vouches for its record by signing the first block; only the others corroborate it,
 * so its own verdict never counts.
 */
export function votersOf(snapshot: readonly string[], requester: string): string[] {
  return snapshot.filter((participant) => participant !== requester);
}

/**
 * The number of valid verdicts that accepts a block with `voters` voters: `ceil(ratio × voters)`
 * and at least 1, so a block without voters (a consortium of one) can never be accepted.
 */
export function voterThreshold(voters: number, ratio: QuorumRatio): number {
  return Math.max(1, computeThreshold(voters, ratio));
}

/**
 * Counts the verdicts of a block's voters, each voter once (its last verdict in the list): a
 * verdict of the requester or of anyone outside the snapshot is not counted.
 */
export function countVerdicts(
  voters: readonly string[],
  threshold: number,
  verdicts: Iterable<{ readonly participant: string; readonly result: VerdictResult }>,
): Tally {
  const counted = new Map<string, VerdictResult>();
  for (const verdict of verdicts) {
    if (voters.includes(verdict.participant)) {
      counted.set(verdict.participant, verdict.result);
    }
  }
  const results = [...counted.values()];
  const count = (wanted: VerdictResult) => results.filter((result) => result === wanted).length;
  return {
    participants: voters.length,
    threshold,
    valid: count('valid'),
    invalid: count('invalid'),
    unverifiable: count('unverifiable'),
  };
}

/**
 * The counts an outcome is decided from: the block's voters (its snapshot without the
 * requester), their threshold, and the verdicts so far. `valid + invalid + unverifiable` never
 * exceeds `participants`: each voter records one verdict.
 */
export interface Tally {
  /** The number of voters: the block's participants other than the requester. */
  readonly participants: number;
  readonly threshold: number;
  readonly valid: number;
  readonly invalid: number;
  /** Abstentions: voters that could not read their source. They count for neither side. */
  readonly unverifiable: number;
}

/** What the counts alone decide, or `undefined` while they decide nothing. */
export type Decision = 'accepted' | 'rejected';

/**
 * The decision verdict counts reach, whatever order they arrived in:
 *
 * - `accepted` once `valid >= threshold` (a threshold below 1 accepts nothing);
 * - `rejected` once `invalid > 0` and `invalid > participants - threshold`: the invalid verdicts
 *   alone leave too few voters to reach the threshold, whatever the others record;
 * - nothing otherwise. Abstentions (`unverifiable`) count toward neither: when they are what
 *   makes the threshold unreachable, the block is not rejected but stays pending until it
 *   expires (see {@link canStillAccept}).
 *
 * Accepted and rejected exclude each other (valid + invalid <= participants) and each is final
 * once reached: more verdicts only add to the count that decided it.
 */
export function decideByCounts(tally: Tally): Decision | undefined {
  if (tally.threshold > 0 && tally.valid >= tally.threshold) {
    return 'accepted';
  }
  // Rejection takes a negative verdict: a block with fewer voters than its threshold (a
  // consortium of one has none) can never be accepted, but stays pending until it expires. So
  // does one that abstentions keep below the threshold: an outage is not evidence.
  if (tally.invalid > 0 && tally.invalid > tally.participants - tally.threshold) {
    return 'rejected';
  }
  return undefined;
}

/**
 * Whether the block can still be accepted: its valid verdicts plus the voters that have recorded
 * nothing yet reach the threshold. False for an undecided block means it can only expire (or,
 * on more invalid verdicts, be rejected); true for an accepted one.
 */
export function canStillAccept(tally: Tally): boolean {
  const awaiting = tally.participants - tally.valid - tally.invalid - tally.unverifiable;
  return tally.threshold > 0 && tally.valid + Math.max(0, awaiting) >= tally.threshold;
}

/**
 * The outcome from counts and time alone, so it never depends on the order verdicts arrived in.
 * `expiresAt` is the instant after which an undecided block is expired: for a block on the
 * ledger that is its deadline plus the network's time window ({@link expiryOf}).
 */
export function decideOutcome(tally: Tally, expiresAt: Instant, now: Instant): OutcomeStatus {
  return decideByCounts(tally) ?? (now > expiresAt ? 'expired' : 'pending');
}

/**
 * The threshold for a number of voters and a ratio given as text (see {@link voterThreshold}),
 * or `undefined` when the text is not a valid ratio (see {@link parseQuorumRatio}).
 */
export function thresholdFor(voters: number, ratioText: string): number | undefined {
  const ratio = parseQuorumRatio(ratioText);
  return ratio === undefined ? undefined : voterThreshold(voters, ratio);
}

/**
 * Whether approvals from `approvals` distinct current participants change the participant set:
 * a strict majority of them, whatever the quorum ratio.
 */
export function isGovernanceMajority(approvals: number, participants: number): boolean {
  return approvals * 2 > participants;
}
