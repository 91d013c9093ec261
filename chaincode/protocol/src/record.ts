import { canonicalJson } from './canonical-json';
import { bytesToHex, digestBytes, isDigestHex, sha256Prefixed, utf8ToBytes } from './digest';
import { newInvalidArgument, newInvalidValue } from './errors';
import type { FieldType } from './field-types';
import { auditPath, LEAF_PREFIX, merkleRoot, rootFromAuditPath } from './merkle';
import type { FieldSalts } from './salt';
import { isSaltHex, SALT_BYTES } from './salt';
import type { Scheme } from './scheme';
import { SCHEME_V1, SCHEME_V2 } from './scheme';
import type { CanonicalValue } from './values';
import { isCanonicalValue, isPlainObject, toCanonicalValue } from './values';

/** A record in canonical form: field name → canonical value. */
export type CanonicalRecord = Record<string, CanonicalValue>;

/**
 * What a record hashes to under the rule: `corroborate-v1` without salts, `corroborate-v2` with
 * them. `fieldHashes` keys are in canonical (UTF-8) order.
 */
export interface RecordHashes {
  scheme: Scheme;
  recordHash: string;
  fieldHashes: Record<string, string>;
}

/**
 * Shows that one field with one value belongs to a record hash, without revealing the others.
 * Under `corroborate-v2` it discloses that one field's salt, and no other.
 */
export interface FieldProof {
  scheme: Scheme;
  name: string;
  value: CanonicalValue;
  /** The field's salt, hex: present exactly under `corroborate-v2`. */
  salt?: string;
  /** Position of the field among the record's fields in canonical order. */
  index: number;
  /** Number of fields in the record. */
  size: number;
  /** Sibling hashes from the leaf up to the root (RFC 6962 audit path), hex. */
  path: string[];
}

export const MAX_FIELDS = 256;
export const MAX_FIELD_NAME_LENGTH = 128;

const loneSurrogate = /[\uD800-\uDFFF]/u;

/**
 * Converts a row as a driver returns it to canonical form. `types` gives each field's type (see
 * `fieldTypeFromDeclared`); a field without one is typed from its JS value.
 *
 * @throws RuleError `INVALID_VALUE` for a bad field name, too few or too many fields, or a value
 * without a canonical form.
 */
export function canonicalRecord(
  raw: Record<string, unknown>,
  types?: Readonly<Record<string, FieldType>>,
): CanonicalRecord {
  if (!isPlainObject(raw)) {
    throw newInvalidValue(undefined, 'a record must be a plain object');
  }
  const names = Object.keys(raw);
  assertFieldCount(names.length);
  return Object.fromEntries(
    names.map((name) => {
      assertFieldName(name);
      const type = types !== undefined && Object.hasOwn(types, name) ? types[name] : undefined;
      return [name, toCanonicalValue(raw[name], type, name)];
    }),
  );
}

/**
 * The domain tag of a `corroborate-v2` field leaf, before its 0x00 separator: it keeps a salted
 * leaf's input from ever reading as a `corroborate-v1` one, which starts with `{`.
 */
export const FIELD_LEAF_TAG = 'corroborate-v2 field';

const fieldLeafTag = utf8ToBytes(`${FIELD_LEAF_TAG}\u0000`);

/**
 * The `corroborate-v1` leaf hash of one field:
 * SHA-256(0x00 || UTF-8(canonicalJson({ name, t, v }))), hex.
 */
export function hashField(name: string, value: CanonicalValue): string {
  return bytesToHex(fieldLeaf(name, value));
}

/**
 * The `corroborate-v2` leaf hash of one field with its salt (32 bytes, hex):
 * SHA-256(0x00 || UTF-8("corroborate-v2 field") || 0x00 || salt || UTF-8(canonicalJson({ name, t, v }))),
 * hex.
 *
 * @throws RuleError `INVALID_ARGUMENT` when `saltHex` is not 64 lowercase hex digits.
 */
export function hashSaltedField(saltHex: string, name: string, value: CanonicalValue): string {
  if (!isSaltHex(saltHex)) {
    throw newInvalidArgument('salt', 'must be 64 lowercase hex digits');
  }
  return bytesToHex(saltedFieldLeaf(digestBytes(saltHex), name, value));
}

/**
 * Hashes a canonical record: the RFC 6962 Merkle Tree Hash over its field leaf hashes, fields in
 * UTF-8 byte order of their names. Without `salts` the leaves are `corroborate-v1`'s; with the
 * record's salts (`saltsFromSeed(seed)(recordIndex)`) they are `corroborate-v2`'s.
 *
 * @throws RuleError `INVALID_VALUE` when the record is empty, too large or not canonical;
 * `INVALID_ARGUMENT` when a salt is missing or not 32 bytes.
 */
export function hashRecord(record: CanonicalRecord, salts?: FieldSalts): RecordHashes {
  const names = sortedFieldNames(record);
  const leaves = names.map((name) => leafOf(name, canonicalValueOf(record, name), salts));
  const fieldHashes: Record<string, string> = {};
  names.forEach((name, index) => {
    defineEntry(fieldHashes, name, bytesToHex(leaves[index] as Uint8Array));
  });
  return {
    scheme: salts === undefined ? SCHEME_V1 : SCHEME_V2,
    recordHash: bytesToHex(merkleRoot(leaves)),
    fieldHashes,
  };
}

/**
 * The record hash implied by field hashes alone, which is how a hash-only request is checked.
 *
 * @throws RuleError `INVALID_VALUE` for a bad field name or count, `INVALID_ARGUMENT` for a hash
 * that is not 64 lowercase hex digits.
 */
export function recordHashFromFieldHashes(fieldHashes: Readonly<Record<string, string>>): string {
  const names = sortedFieldNames(fieldHashes);
  const leaves = names.map((name) => {
    const hash = fieldHashes[name];
    if (!isDigestHex(hash)) {
      throw newInvalidArgument(`fieldHashes.${name}`, 'must be 64 lowercase hex digits');
    }
    return digestBytes(hash);
  });
  return bytesToHex(merkleRoot(leaves));
}

/**
 * Proves the field `name` of `record` against the record hash: under `corroborate-v2` when the
 * record's `salts` are given, and then the proof carries that field's salt, no other.
 */
export function proveField(record: CanonicalRecord, name: string, salts?: FieldSalts): FieldProof {
  const names = sortedFieldNames(record);
  const index = names.indexOf(name);
  if (index < 0 || !Object.hasOwn(record, name)) {
    throw newInvalidArgument('name', `the record has no field ${JSON.stringify(name)}`);
  }
  const leaves = names.map((fieldName) =>
    leafOf(fieldName, canonicalValueOf(record, fieldName), salts),
  );
  const value = canonicalValueOf(record, name);
  const path = auditPath(leaves, index).map(bytesToHex);
  if (salts === undefined) {
    return { scheme: SCHEME_V1, name, value, index, size: names.length, path };
  }
  const salt = bytesToHex(saltOf(salts, name));
  return { scheme: SCHEME_V2, name, value, salt, index, size: names.length, path };
}

/**
 * True when the proof shows its field value belongs to a record with hash `recordHash`, and, when
 * `fieldHash` is given (the field's hash as the requester signed it), that the proof's leaf is that
 * hash. A `corroborate-v1` proof carries no salt; a `corroborate-v2` proof carries its field's.
 */
export function verifyFieldProof(
  proof: FieldProof,
  recordHash: string,
  fieldHash?: string,
): boolean {
  if (!isPlainObject(proof) || !isDigestHex(recordHash)) {
    return false;
  }
  const { name, value, index, size, path } = proof;
  if (
    typeof name !== 'string' ||
    !isFieldName(name) ||
    !isCanonicalValue(value) ||
    !Number.isSafeInteger(size) ||
    size > MAX_FIELDS ||
    !Array.isArray(path) ||
    !path.every(isDigestHex)
  ) {
    return false;
  }
  let leaf: Uint8Array;
  if (proof.scheme === SCHEME_V1 && !Object.hasOwn(proof, 'salt')) {
    leaf = fieldLeaf(name, value);
  } else if (proof.scheme === SCHEME_V2 && isSaltHex(proof.salt)) {
    leaf = saltedFieldLeaf(digestBytes(proof.salt), name, value);
  } else {
    return false;
  }
  if (fieldHash !== undefined && bytesToHex(leaf) !== fieldHash) {
    return false;
  }
  const root = rootFromAuditPath(leaf, index, size, path.map(digestBytes));
  return root !== undefined && bytesToHex(root) === recordHash;
}

/** Orders field names by their UTF-8 bytes, which is the order of their Unicode code points. */
export function compareFieldNames(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) {
      return x.done && y.done ? 0 : x.done ? -1 : 1;
    }
    const difference = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
}

export function isFieldName(name: string): boolean {
  if (name.length === 0 || loneSurrogate.test(name)) {
    return false;
  }
  return Array.from(name).length <= MAX_FIELD_NAME_LENGTH;
}

function fieldLeaf(name: string, value: CanonicalValue): Uint8Array {
  return sha256Prefixed(LEAF_PREFIX, utf8ToBytes(fieldLeafJson(name, value)));
}

function saltedFieldLeaf(salt: Uint8Array, name: string, value: CanonicalValue): Uint8Array {
  return sha256Prefixed(LEAF_PREFIX, fieldLeafTag, salt, utf8ToBytes(fieldLeafJson(name, value)));
}

function leafOf(name: string, value: CanonicalValue, salts: FieldSalts | undefined): Uint8Array {
  return salts === undefined
    ? fieldLeaf(name, value)
    : saltedFieldLeaf(saltOf(salts, name), name, value);
}

function saltOf(salts: FieldSalts, name: string): Uint8Array {
  const salt = salts(name);
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES) {
    throw newInvalidArgument(`salt of ${JSON.stringify(name)}`, `must be ${SALT_BYTES} bytes`);
  }
  return salt;
}

/**
 * `canonicalJson({ name, ...value })`, written directly for every type but `json`: a first block
 * of 1000 records hashes thousands of leaves, and the generic serialiser sorts and walks each one.
 * The keys sort as name < t < v, and RFC 8785 strings are what JSON.stringify writes (the
 * serialiser calls it too). Anything not shaped exactly as a canonical value takes the generic
 * path, so the bytes never differ, whatever `hashField` is given.
 */
function fieldLeafJson(name: string, value: CanonicalValue): string {
  if (typeof name !== 'string' || !isPlainObject(value)) {
    return canonicalJson({ name, ...value });
  }
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 't' && value.t === 'null') {
    return `{"name":${JSON.stringify(name)},"t":"null"}`;
  }
  if (keys.length === 2 && keys.includes('t') && keys.includes('v')) {
    const v = (value as Record<string, unknown>).v;
    switch (value.t) {
      case 'boolean':
        if (typeof v === 'boolean') {
          return `{"name":${JSON.stringify(name)},"t":"boolean","v":${v ? 'true' : 'false'}}`;
        }
        break;
      case 'number':
      case 'text':
      case 'bytes':
      case 'date':
      case 'timestamp':
        if (typeof v === 'string') {
          return `{"name":${JSON.stringify(name)},"t":"${value.t}","v":${JSON.stringify(v)}}`;
        }
        break;
    }
  }
  return canonicalJson({ name, ...value });
}

function sortedFieldNames(fields: object): string[] {
  if (!isPlainObject(fields)) {
    throw newInvalidValue(undefined, 'a record must be a plain object');
  }
  const names = Object.keys(fields);
  assertFieldCount(names.length);
  names.forEach(assertFieldName);
  return names.sort(compareFieldNames);
}

function canonicalValueOf(record: CanonicalRecord, name: string): CanonicalValue {
  const value = record[name];
  if (!isCanonicalValue(value)) {
    throw newInvalidValue(name, 'not a canonical value (use toCanonicalValue or canonicalRecord)');
  }
  return value;
}

function assertFieldCount(count: number): void {
  if (count === 0 || count > MAX_FIELDS) {
    throw newInvalidValue(undefined, `a record has 1..${MAX_FIELDS} fields, got ${count}`);
  }
}

function assertFieldName(name: string): void {
  if (!isFieldName(name)) {
    throw newInvalidValue(
      JSON.stringify(name),
      `a field name is 1..${MAX_FIELD_NAME_LENGTH} characters of well-formed Unicode`,
    );
  }
}

// Plain assignment to '__proto__' would set the prototype instead of adding a field.
function defineEntry(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
