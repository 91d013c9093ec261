// Calendar arithmetic done by hand rather than with Date: chaincode may not touch the Date global
// (it would invite clock reads), and integer day counts are exact and identical on every peer.
// Proleptic Gregorian calendar, years 0001..9999, as ISO 8601 and RFC 3339 write them.

const dateText = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampText =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)? ?(?:([Zz])|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)?$/;
const canonicalTimestampText = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

const secondsPerDay = 86_400;
const maxFractionDigits = 6;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The canonical text of an accepted date or timestamp, or why it was refused. */
export type TemporalResult = { value: string } | { error: string };

export function normaliseDateText(text: string): TemporalResult {
  const match = dateText.exec(text);
  if (!match) {
    return { error: 'date must be YYYY-MM-DD' };
  }
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (!isValidCivilDate(date)) {
    return { error: `no such date ${text}` };
  }
  return { value: text };
}

/**
 * Normalises timestamp text to UTC with exactly six fractional digits. Accepts a 'T' or space
 * separator, optional seconds, 0..6 fractional digits and an optional offset ('Z', '+02',
 * '+0530', '-05:00'); text without an offset is taken as UTC. More than six fractional digits
 * are refused rather than rounded, since rounding would hide a difference between sources.
 */
export function normaliseTimestampText(text: string): TemporalResult {
  const match = timestampText.exec(text);
  if (!match) {
    return { error: 'timestamp must be YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|±HH[:MM]]' };
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', , offsetSign, oh, om = '0', os = '0'] = match;
  if (fraction.length > maxFractionDigits) {
    return {
      error: `timestamp has ${fraction.length} fractional second digits, at most ${maxFractionDigits} are allowed`,
    };
  }
  const date = { year: Number(y), month: Number(mo), day: Number(d) };
  if (!isValidCivilDate(date)) {
    return { error: `no such date ${y}-${mo}-${d}` };
  }
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) {
    return { error: `no such time of day ${h}:${mi}:${s}` };
  }
  let offsetSeconds = 0;
  if (offsetSign !== undefined) {
    const offsetHour = Number(oh);
    const offsetMinute = Number(om);
    const offsetSecond = Number(os);
    if (offsetHour > 23 || offsetMinute > 59 || offsetSecond > 59) {
      return { error: `no such UTC offset ${offsetSign}${oh}:${om}` };
    }
    offsetSeconds =
      (offsetSign === '-' ? -1 : 1) * (offsetHour * 3600 + offsetMinute * 60 + offsetSecond);
  }
  const localSeconds =
    daysFromCivil(date) * secondsPerDay + hour * 3600 + minute * 60 + second - offsetSeconds;
  const days = Math.floor(localSeconds / secondsPerDay);
  const secondOfDay = localSeconds - days * secondsPerDay;
  const utc = civilFromDays(days);
  if (utc.year < 1 || utc.year > 9999) {
    return { error: 'timestamp is outside years 0001..9999 in UTC' };
  }
  const value =
    `${pad(utc.year, 4)}-${pad(utc.month, 2)}-${pad(utc.day, 2)}T` +
    `${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(Math.floor((secondOfDay % 3600) / 60), 2)}:` +
    `${pad(secondOfDay % 60, 2)}.${fraction.padEnd(maxFractionDigits, '0')}Z`;
  return { value };
}

export function isCanonicalTimestampText(text: string): boolean {
  if (!canonicalTimestampText.test(text)) {
    return false;
  }
  const result = normaliseTimestampText(text);
  return 'value' in result && result.value === text;
}

export function isValidCivilDate({ year, month, day }: CivilDate): boolean {
  return (
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month)
  );
}

function daysIn(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Days since 1970-01-01 (H. Hinnant, "chrono-compatible low-level date algorithms").
function daysFromCivil({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
