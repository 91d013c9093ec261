import { newInvalidArgument } from './errors';
import { isPlainObject } from './values';

// A small hand-written reader for untrusted JSON: the contract runs it on every first block, so it
// must be fast, deterministic and precise about where an input is wrong.

const plainKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `records[2].read` style paths; keys that are not identifiers are quoted. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  const step = plainKey.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return path === '' ? step.replace(/^\./, '') : `${path}${step}`;
}

/** A plain object with only `required` and `optional` keys, all `required` ones present. */
export function readObject(
  value: unknown,
  path: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw newInvalidArgument(path || '$', 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw newInvalidArgument(childPath(path, key), 'unknown field');
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(value, key)) {
      throw newInvalidArgument(childPath(path, key), 'is required');
    }
  }
  return value;
}

/** A plain object used as a map, with a bounded number of entries. */
export function readMap(
  value: unknown,
  path: string,
  minEntries: number,
  maxEntries: number,
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw newInvalidArgument(path, 'must be an object');
  }
  const count = Object.keys(value).length;
  if (count < minEntries || count > maxEntries) {
    throw newInvalidArgument(path, `must have ${minEntries}..${maxEntries} entries, has ${count}`);
  }
  return value;
}

export function readArray(
  value: unknown,
  path: string,
  minItems: number,
  maxItems: number,
): unknown[] {
  if (!Array.isArray(value)) {
    throw newInvalidArgument(path, 'must be an array');
  }
  if (value.length < minItems || value.length > maxItems) {
    throw newInvalidArgument(path, `must have ${minItems}..${maxItems} items, has ${value.length}`);
  }
  return value;
}

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Base64 characters of a signature at most: a DER ECDSA P-256 signature is 72 bytes. */
export const MAX_SIGNATURE_CHARS = 200;

/**
 * A signature as verdicts and attestations carry it: standard base64 of 1..
 * {@link MAX_SIGNATURE_CHARS} characters. Whether it verifies is the contract's check.
 */
export function readSignature(value: unknown, path: string): string {
  const signature = readString(value, path);
  if (
    signature.length === 0 ||
    signature.length > MAX_SIGNATURE_CHARS ||
    !base64Text.test(signature)
  ) {
    throw newInvalidArgument(
      path,
      `must be standard base64 of 1..${MAX_SIGNATURE_CHARS} characters`,
    );
  }
  return signature;
}

export function readString(
  value: unknown,
  path: string,
  pattern?: RegExp,
  description?: string,
): string {
  if (typeof value !== 'string') {
    throw newInvalidArgument(path, 'must be a string');
  }
  if (pattern !== undefined && !pattern.test(value)) {
    throw newInvalidArgument(
      path,
      `must be ${description ?? `a string matching ${String(pattern)}`}`,
    );
  }
  return value;
}

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') {
    throw newInvalidArgument(path, 'must be true or false');
  }
  return value;
}

export function readInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw newInvalidArgument(path, `must be an integer in ${min}..${max}`);
  }
  return value;
}

export function readOneOf<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw newInvalidArgument(path, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}
