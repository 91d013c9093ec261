/**
 * Instants as integer nanoseconds since the Unix epoch. Chaincode may not read a clock (nor use
 * `Date`), so the transaction timestamp and the deadlines in first blocks are converted here
 * with integer calendar arithmetic, identically on every peer.
 */
export type Instant = bigint;

const nanosPerSecond = 1_000_000_000n;
const secondsPerDay = 86_400n;

/** How far after its creation a first block's deadline may lie: 30 days. */
export const maxDeadlineAhead: Instant = 30n * secondsPerDay * nanosPerSecond;

/**
 * The network's time window, in seconds: every peer refuses a proposal whose timestamp is further
 * than this from its own clock (Fabric's `peer.authentication.timewindow`, which the network
 * scripts set from this constant). A transaction's time is asserted by its client, so the
 * contract can only trust it to within this window, and every time rule allows for it.
 */
export const TIME_WINDOW_SECONDS = 60;

export const timeWindow: Instant = BigInt(TIME_WINDOW_SECONDS) * nanosPerSecond;

/**
 * The instant after which a block's undecided outcome may be recorded as expired: its deadline
 * plus the time window. A transaction time past it means, on any peer's clock, that the deadline
 * has truly passed, so no verdict honestly submitted in time can still be waiting to commit.
 */
export function expiryOf(deadline: Instant): Instant {
  return deadline + timeWindow;
}

/** How long a participant-set proposal takes approvals: 7 days from the time it was made. */
export const PROPOSAL_LIFETIME_SECONDS = 7 * 86_400;

export const proposalLifetime: Instant = BigInt(PROPOSAL_LIFETIME_SECONDS) * nanosPerSecond;

/**
 * The instant after which a proposal made at `createdAt` takes no approval. Both times are
 * client-asserted within the time window W, so a proposal stays open between its lifetime − W and
 * its lifetime + 2W of real time: the proposer may date it up to W ahead, and an approver may date
 * a late approval up to W back.
 */
export function proposalExpiryOf(createdAt: Instant): Instant {
  return createdAt + proposalLifetime;
}

const utcTimestampPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): bigint {
  const y = BigInt(month <= 2 ? year - 1 : year);
  const era = (y >= 0n ? y : y - 399n) / 400n;
  const yearOfEra = y - era * 400n;
  const m = BigInt(month);
  const dayOfYear = (153n * (m > 2n ? m - 3n : m + 9n) + 2n) / 5n + BigInt(day) - 1n;
  const dayOfEra = yearOfEra * 365n + yearOfEra / 4n - yearOfEra / 100n + dayOfYear;
  return era * 146_097n + dayOfEra - 719_468n;
}

/** The inverse of daysFromCivil. */
function civilFromDays(days: bigint): [year: bigint, month: bigint, day: bigint] {
  const z = days + 719_468n;
  const era = (z >= 0n ? z : z - 146_096n) / 146_097n;
  const dayOfEra = z - era * 146_097n;
  const yearOfEra = (dayOfEra - dayOfEra / 1460n + dayOfEra / 36_524n - dayOfEra / 146_096n) / 365n;
  const dayOfYear = dayOfEra - (365n * yearOfEra + yearOfEra / 4n - yearOfEra / 100n);
  const mp = (5n * dayOfYear + 2n) / 153n;
  const day = dayOfYear - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yearOfEra + era * 400n + (month <= 2n ? 1n : 0n);
  return [year, month, day];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses an RFC 3339 UTC timestamp (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, up to nanoseconds).
 * Returns undefined for anything else, including impossible dates and leap seconds.
 */
export function parseUtcTimestamp(text: string): Instant | undefined {
  const match = utcTimestampPattern.exec(text);
  if (!match) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const fraction = BigInt((match[7] ?? '').padEnd(9, '0'));
  const seconds =
    daysFromCivil(year, month, day) * secondsPerDay + BigInt(hour * 3600 + minute * 60 + second);
  return seconds * nanosPerSecond + fraction;
}

/** Builds an instant from a protobuf Timestamp (seconds may be a Long, a number or a bigint). */
export function instantFromTimestamp(seconds: { toString(): string }, nanos: number): Instant {
  return BigInt(seconds.toString()) * nanosPerSecond + BigInt(nanos);
}

/** Formats an instant as `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form `Date.prototype.toISOString` gives. */
export function formatInstant(instant: Instant): string {
  const totalMillis = instant >= 0n ? instant / 1_000_000n : (instant - 999_999n) / 1_000_000n;
  const millisPerDay = secondsPerDay * 1000n;
  const days =
    totalMillis >= 0n
      ? totalMillis / millisPerDay
      : (totalMillis - millisPerDay + 1n) / millisPerDay;
  const millisOfDay = totalMillis - days * millisPerDay;
  const [year, month, day] = civilFromDays(days);
  const pad = (value: bigint, width: number): string => value.toString().padStart(width, '0');
  const hours = millisOfDay / 3_600_000n;
  const minutes = (millisOfDay / 60_000n) % 60n;
  const seconds = (millisOfDay / 1000n) % 60n;
  const millis = millisOfDay % 1000n;
  return (
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T` +
    `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`
  );
}
