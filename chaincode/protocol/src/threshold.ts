import type { Instant } from './time';

/** The agreement level when none is given: at least half of all participants. */
export const defaultQuorumRatio = '0.5';

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
  const numerator = BigInt(whole) * denominator + BigInt(fraction === '' ? '0' : fraction);
  if (numerator <= 0n || numerator > denominator) {
    return undefined;
  }
  return {
    text: fraction === '' ? whole : `${whole}.${fraction}`,
    numerator,
    denominator,
  };
}

/** ceil(participants × ratio), computed on integers. */
export function computeThreshold(participants: number, ratio: QuorumRatio): number {
  const product = BigInt(participants) * ratio.numerator;
  return Number((product + ratio.denominator - 1n) / ratio.denominator);
}

/**
 * The counts an outcome is decided from: every participant of the snapshot, its threshold, and the
 * verdicts so far.
 */
export interface Tally {
  readonly participants: number;
  readonly threshold: number;
  readonly valid: number;
  readonly invalid: number;
}

/** What the counts alone decide, or `undefined` while they decide nothing. */
export type Decision = 'accepted' | 'rejected';

/**
 * The decision verdict counts reach, whatever order they arrived in. Accepted and rejected
 * exclude each other (valid + invalid <= participants) and each is final once reached: more
 * verdicts only add to the count that decided it. A threshold below 1 accepts nothing.
 */
export function decideByCounts(tally: Tally): Decision | undefined {
  if (tally.threshold > 0 && tally.valid >= tally.threshold) {
    return 'accepted';
  }
  if (tally.invalid > tally.participants - tally.threshold) {
    return 'rejected';
  }
  return undefined;
}

/** The outcome from counts and time alone, so it never depends on the order verdicts arrived in. */
export function decideOutcome(tally: Tally, deadline: Instant, now: Instant): OutcomeStatus {
  return decideByCounts(tally) ?? (now > deadline ? 'expired' : 'pending');
}

/**
 * The threshold for a number of participants and a ratio given as text, or `undefined` when the
 * text is not a valid ratio (see {@link parseQuorumRatio}).
 */
export function thresholdFor(participants: number, ratioText: string): number | undefined {
  const ratio = parseQuorumRatio(ratioText);
  return ratio === undefined ? undefined : computeThreshold(participants, ratio);
}
