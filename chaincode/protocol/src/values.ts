import { canonicalJson } from './canonical-json';
import { isCanonicalDecimal, normaliseDecimalText, normaliseFiniteNumber } from './decimal';
import { newInvalidValue } from './errors';
import type { FieldType } from './field-types';
import { isFieldType } from './field-types';
import { isCanonicalTimestampText, normaliseDateText, normaliseTimestampText } from './temporal';

/** A JSON document as RFC 8785 serialises it. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A field value in its one canonical form, tagged with its type. It is plain JSON, so it can be
 * stored, sent and compared as is.
 */
export type CanonicalValue =
  | { t: 'null' }
  | { t: 'boolean'; v: boolean }
  /** Exact decimal text: no exponent, no '+', no leading or trailing zeros, '0' for zero. */
  | { t: 'number'; v: string }
  /** The string exactly as stored; no Unicode normalisation. */
  | { t: 'text'; v: string }
  /** Standard base64 with padding. */
  | { t: 'bytes'; v: string }
  /** 'YYYY-MM-DD'. */
  | { t: 'date'; v: string }
  /** UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. */
  | { t: 'timestamp'; v: string }
  /** Any JSON document but `null`, which is the `null` value. */
  | { t: 'json'; v: JsonValue };

const maxJsonDepth = 64;
const loneSurrogate = /[\uD800-\uDFFF]/u;
const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const byteaHexText = /^\\x((?:[0-9a-fA-F]{2})*)$/;
const utcMidnightSuffix = 'T00:00:00.000Z';

const booleanTexts: ReadonlyMap<string, boolean> = new Map([
  ['t', true],
  ['true', true],
  ['1', true],
  ['f', false],
  ['false', false],
  ['0', false],
]);

/** What drivers return for date and timestamp columns; recognised without the Date global. */
interface DateLike {
  getTime(): number;
  toISOString(): string;
}

/**
 * Converts a value as a database driver returns it to its canonical form. With a `type`, the
 * value is read as that type (e.g. 0/1/'t'/'f' as a boolean, a numeric string as a number);
 * without one, the type follows the JS type: null/undefined → null, boolean, number/bigint →
 * number, string → text, Uint8Array → bytes, Date → timestamp, plain object/array → json.
 *
 * @param field - names the field in error messages.
 * @throws RuleError `INVALID_VALUE: <field>: <why>` when the value has no canonical form
 * (NaN, Infinity, an invalid date, more than six fractional second digits, an unknown type).
 */
export function toCanonicalValue(raw: unknown, type?: FieldType, field?: string): CanonicalValue {
  if (type !== undefined && !isFieldType(type)) {
    throw newInvalidValue(field, `unknown type ${JSON.stringify(type)}`);
  }
  if (raw === null || raw === undefined) {
    return { t: 'null' };
  }
  const fail = (why: string): never => {
    throw newInvalidValue(field, why);
  };
  switch (type ?? inferType(raw, fail)) {
    case 'null':
      return fail(`null field has a value (${describe(raw)})`);
    case 'boolean':
      return { t: 'boolean', v: toBoolean(raw, fail) };
    case 'number':
      return { t: 'number', v: toDecimal(raw, fail) };
    case 'text':
      return { t: 'text', v: toText(raw, fail) };
    case 'bytes':
      return { t: 'bytes', v: toBase64(raw, fail) };
    case 'date':
      return { t: 'date', v: toDate(raw, fail) };
    case 'timestamp':
      return { t: 'timestamp', v: toTimestamp(raw, fail) };
    case 'json': {
      const json = toJson(raw, fail);
      return json === null ? { t: 'null' } : { t: 'json', v: json };
    }
  }
}

/** True when `value` is a canonical value exactly as {@link toCanonicalValue} produces it. */
export function isCanonicalValue(value: unknown): value is CanonicalValue {
  if (!isPlainObject(value)) {
    return false;
  }
  const keys = Object.keys(value);
  if (value.t === 'null') {
    return keys.length === 1;
  }
  if (keys.length !== 2 || !('v' in value)) {
    return false;
  }
  const v = value.v;
  switch (value.t) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'string' && isCanonicalDecimal(v);
    case 'text':
      return typeof v === 'string' && !loneSurrogate.test(v);
    case 'bytes':
      return typeof v === 'string' && isCanonicalBase64(v);
    case 'date':
      return typeof v === 'string' && 'value' in normaliseDateText(v);
    case 'timestamp':
      return typeof v === 'string' && isCanonicalTimestampText(v);
    case 'json':
      return v !== null && isJsonValue(v, 0);
    default:
      return false;
  }
}

function inferType(raw: unknown, fail: (why: string) => never): FieldType {
  switch (typeof raw) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'text';
    default:
      if (raw instanceof Uint8Array) {
        return 'bytes';
      }
      if (isDateLike(raw)) {
        return 'timestamp';
      }
      if (Array.isArray(raw) || isPlainObject(raw)) {
        return 'json';
      }
      return fail(`no field type for ${describe(raw)}`);
  }
}

function toBoolean(raw: unknown, fail: (why: string) => never): boolean {
  if (typeof raw === 'boolean') {
    return raw;
  }
  if (raw === 0 || raw === 1 || raw === 0n || raw === 1n) {
    return raw == 1;
  }
  if (typeof raw === 'string') {
    const value = booleanTexts.get(raw.toLowerCase());
    if (value !== undefined) {
      return value;
    }
  }
  return fail(`not a boolean: ${describe(raw)}`);
}

function toDecimal(raw: unknown, fail: (why: string) => never): string {
  let decimal: string | undefined;
  if (typeof raw === 'number') {
    decimal = normaliseFiniteNumber(raw);
  } else if (typeof raw === 'bigint') {
    decimal = raw.toString();
  } else if (typeof raw === 'string') {
    decimal = normaliseDecimalText(raw);
  }
  return decimal ?? fail(`not a finite decimal number: ${describe(raw)}`);
}

function toText(raw: unknown, fail: (why: string) => never): string {
  if (typeof raw !== 'string') {
    return fail(`not a string: ${describe(raw)}`);
  }
  if (loneSurrogate.test(raw)) {
    return fail('text contains a lone UTF-16 surrogate, which has no UTF-8 form');
  }
  return raw;
}

function toBase64(raw: unknown, fail: (why: string) => never): string {
  if (raw instanceof Uint8Array) {
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  }
  if (typeof raw === 'string') {
    // PostgreSQL's text form of bytea, as returned when no bytea parser is installed.
    const hex = byteaHexText.exec(raw);
    if (hex) {
      return Buffer.from(hex[1] ?? '', 'hex').toString('base64');
    }
    if (isCanonicalBase64(raw)) {
      return raw;
    }
  }
  return fail(`not bytes (Uint8Array, '\\x' hex or padded base64): ${describe(raw)}`);
}

function toDate(raw: unknown, fail: (why: string) => never): string {
  if (isDateLike(raw)) {
    const iso = isoText(raw, fail);
    // A Date at local midnight outside UTC would silently move to the previous or next day.
    if (!iso.endsWith(utcMidnightSuffix)) {
      return fail(`a Date for a date field must be at UTC midnight, got ${iso}`);
    }
    return iso.slice(0, iso.length - utcMidnightSuffix.length);
  }
  if (typeof raw !== 'string') {
    return fail(`not a date: ${describe(raw)}`);
  }
  const result = normaliseDateText(raw);
  return 'value' in result ? result.value : fail(result.error);
}

function toTimestamp(raw: unknown, fail: (why: string) => never): string {
  const text = isDateLike(raw) ? isoText(raw, fail) : raw;
  if (typeof text !== 'string') {
    return fail(`not a timestamp: ${describe(raw)}`);
  }
  const result = normaliseTimestampText(text);
  return 'value' in result ? result.value : fail(result.error);
}

function toJson(raw: unknown, fail: (why: string) => never): JsonValue {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return fail('json text does not parse');
    }
  }
  if (!isJsonValue(value, 0)) {
    return fail(
      `not a JSON document (plain objects, arrays, well-formed strings, finite numbers, booleans, null; depth <= ${maxJsonDepth})`,
    );
  }
  // A copy as JSON holds it: keys sorted, -0 as 0, nothing shared with the driver's object.
  return JSON.parse(canonicalJson(value)) as JsonValue;
}

function isJsonValue(value: unknown, depth: number): value is JsonValue {
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'string':
      return !loneSurrogate.test(value);
    case 'object':
      if (value === null) {
        return true;
      }
      if (depth >= maxJsonDepth) {
        return false;
      }
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!(index in value) || !isJsonValue(value[index], depth + 1)) {
            return false;
          }
        }
        return true;
      }
      if (!isPlainObject(value)) {
        return false;
      }
      for (const key of Object.keys(value)) {
        if (loneSurrogate.test(key) || !isJsonValue(value[key], depth + 1)) {
          return false;
        }
      }
      return true;
    default:
      return false;
  }
}

function isCanonicalBase64(text: string): boolean {
  return base64Text.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
}

function isDateLike(value: unknown): value is DateLike {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function isoText(value: DateLike, fail: (why: string) => never): string {
  return Number.isNaN(value.getTime()) ? fail('invalid Date') : value.toISOString();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value);
    case 'bigint':
      return `${value}n`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    default:
      return value === null ? 'null' : Object.prototype.toString.call(value).slice(8, -1);
  }
}
