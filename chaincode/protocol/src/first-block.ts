import { batchRoot } from './batch';
import { canonicalJson } from './canonical-json';
import { isDigestHex } from './digest';
import { newInvalidArgument, RuleError } from './errors';
import {
  childPath,
  readArray,
  readBoolean,
  readMap,
  readObject,
  readOneOf,
  readString,
} from './json-reader';
import type {
  FirstBlockContent,
  FirstBlockRecord,
  KeyValue,
  ReadParameter,
  SourceInterface,
} from './model';
import { CONNECTOR_KINDS, LIMITS, MODES } from './model';
import type { CanonicalRecord } from './record';
import { hashRecord, isFieldName, recordHashFromFieldHashes } from './record';
import type { BlockSalts, FieldSalts } from './salt';
import { SCHEMES, SCHEME_V2, isScheme } from './scheme';
import { normaliseTimestampText } from './temporal';
import { isCanonicalValue } from './values';

const blockId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const sourceId = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const mspId = /^[\x21-\x7e]{1,128}$/;
const deadline = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
// Relative to the source's base URL: no scheme or authority, no way out of the base path.
const httpPath = /^\/(?!\/)[^\s\\#]*$/;
const jsonPointer = /^(?:\/(?:[^~/]|~[01])*)*$/;

const hexDescription = '64 lowercase hex digits';

/**
 * Validates untrusted JSON as the content of a first block and returns it typed, without
 * changing any value (its canonical JSON is what the requester signed). Besides shape and bounds
 * it checks that the hashes agree: each record's data hashes to its recordHash and fieldHashes,
 * the fieldHashes give the recordHash, and the record hashes give the batchRoot.
 *
 * A `corroborate-v2` block with data needs its `salts` (`saltsFromSeed(block.saltSeed)`) for the
 * data to be hashed; a hash-only one, or a `corroborate-v1` one, needs none.
 *
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>` (`saltSeed: …` for a `corroborate-v2`
 * block with data given no salts); `UNSUPPORTED_SCHEME` for another scheme; `PAYLOAD_TOO_LARGE`
 * when the canonical content exceeds `LIMITS.maxContentBytes`.
 */
export function parseFirstBlockContent(json: unknown, salts?: BlockSalts): FirstBlockContent {
  return parseSignedFirstBlockContent(json, salts).content;
}

/** First block content with its canonical JSON, which is the payload its requester signed. */
export interface SignedFirstBlockContent {
  readonly content: FirstBlockContent;
  /** `firstBlockSigningPayload(content)`. */
  readonly payload: string;
}

/**
 * {@link parseFirstBlockContent}, also returning the content's canonical JSON: the size check
 * writes it anyway, and the contract needs it again to check the signature and store the block,
 * which would otherwise serialise about 1 MB more than once per 1000-record block.
 *
 * @throws RuleError as {@link parseFirstBlockContent} does.
 */
export function parseSignedFirstBlockContent(
  json: unknown,
  salts?: BlockSalts,
): SignedFirstBlockContent {
  const input = readObject(json, '', [
    'id',
    'scheme',
    'mode',
    'hashOnly',
    'deadline',
    'requester',
    'interface',
    'records',
    'batchRoot',
  ]);
  if (!isScheme(input.scheme)) {
    throw new RuleError(
      'UNSUPPORTED_SCHEME',
      `scheme: must be one of ${SCHEMES.map((scheme) => `'${scheme}'`).join(', ')}`,
    );
  }
  const scheme = input.scheme;
  const requester = readObject(input.requester, 'requester', ['mspId', 'certFingerprint']);
  const source = readObject(input.interface, 'interface', ['sourceId', 'connector']);
  const hashOnly = readBoolean(input.hashOnly, 'hashOnly');
  const content: FirstBlockContent = {
    id: readString(input.id, 'id', blockId, `1..128 of [A-Za-z0-9._:-], starting alphanumeric`),
    scheme,
    mode: readOneOf(input.mode, 'mode', MODES),
    hashOnly,
    deadline: readDeadline(input.deadline),
    requester: {
      mspId: readString(requester.mspId, 'requester.mspId', mspId, '1..128 printable ASCII'),
      certFingerprint: readDigest(requester.certFingerprint, 'requester.certFingerprint'),
    },
    interface: {
      sourceId: readString(
        source.sourceId,
        'interface.sourceId',
        sourceId,
        '1..64 of [a-z0-9_-], starting with [a-z0-9]',
      ),
      connector: readOneOf(source.connector, 'interface.connector', CONNECTOR_KINDS),
    },
    records: [],
    batchRoot: readDigest(input.batchRoot, 'batchRoot'),
  };
  content.records = readArray(input.records, 'records', 1, LIMITS.maxRecords).map((record, index) =>
    readRecord(record, childPath('records', index), hashOnly, content.interface),
  );

  // Size before hashes: hashing is the expensive part, and the shape is bounded by now.
  const payload = canonicalJson(content);
  const size = Buffer.byteLength(payload, 'utf8');
  if (size > LIMITS.maxContentBytes) {
    throw new RuleError(
      'PAYLOAD_TOO_LARGE',
      `content: canonical JSON is ${size} bytes, at most ${LIMITS.maxContentBytes} are allowed`,
    );
  }
  if (scheme === SCHEME_V2 && !hashOnly && salts === undefined) {
    throw newInvalidArgument(
      'saltSeed',
      `a ${SCHEME_V2} block with data needs its salt seed for its hashes to be checked`,
    );
  }
  content.records.forEach((record, index) => {
    assertRecordHashes(
      record,
      childPath('records', index),
      scheme === SCHEME_V2 ? salts?.(index) : undefined,
    );
  });
  if (batchRoot(content.records.map((record) => record.recordHash)) !== content.batchRoot) {
    throw newInvalidArgument('batchRoot', 'does not match the record hashes');
  }
  return { content, payload };
}

function readRecord(
  value: unknown,
  path: string,
  hashOnly: boolean,
  source: SourceInterface,
): FirstBlockRecord {
  const input = readObject(value, path, ['read', 'recordHash', 'fieldHashes'], ['data']);
  const record: FirstBlockRecord = {
    read: readRead(input.read, childPath(path, 'read'), source),
    recordHash: readDigest(input.recordHash, childPath(path, 'recordHash')),
    fieldHashes: readFieldHashes(input.fieldHashes, childPath(path, 'fieldHashes')),
  };
  const dataPath = childPath(path, 'data');
  if (hashOnly) {
    if (input.data !== undefined) {
      throw newInvalidArgument(dataPath, 'must be absent when hashOnly is true');
    }
  } else {
    if (input.data === undefined) {
      throw newInvalidArgument(dataPath, 'is required when hashOnly is false');
    }
    record.data = readData(input.data, dataPath);
  }
  return record;
}

function readRead(value: unknown, path: string, source: SourceInterface): ReadParameter {
  const kind = readOneOf(
    readObject(value, path, ['kind'], ['table', 'key', 'columns', 'path', 'pointer']).kind,
    childPath(path, 'kind'),
    ['sql', 'http'],
  );
  const expectedKind = source.connector === 'http' ? 'http' : 'sql';
  if (kind !== expectedKind) {
    throw newInvalidArgument(
      childPath(path, 'kind'),
      `must be '${expectedKind}' for connector '${source.connector}'`,
    );
  }
  if (kind === 'http') {
    const input = readObject(value, path, ['kind', 'path', 'pointer']);
    const readPath = readString(
      input.path,
      childPath(path, 'path'),
      httpPath,
      "a path starting with a single '/', without whitespace, '\\' or '#'",
    );
    if (readPath.length > LIMITS.maxPathLength || readPath.includes('..')) {
      throw newInvalidArgument(
        childPath(path, 'path'),
        `must be at most ${LIMITS.maxPathLength} characters and contain no '..'`,
      );
    }
    const pointer = readString(
      input.pointer,
      childPath(path, 'pointer'),
      jsonPointer,
      'a JSON Pointer (RFC 6901)',
    );
    if (pointer.length > LIMITS.maxPointerLength) {
      throw newInvalidArgument(
        childPath(path, 'pointer'),
        `must be at most ${LIMITS.maxPointerLength} characters`,
      );
    }
    return { kind, path: readPath, pointer };
  }
  const input = readObject(value, path, ['kind', 'table', 'key', 'columns']);
  const table = readIdentifier(input.table, childPath(path, 'table'));
  const keyPath = childPath(path, 'key');
  const keyInput = readMap(input.key, keyPath, 1, LIMITS.maxKeyColumns);
  for (const [column, keyValue] of Object.entries(keyInput)) {
    readIdentifier(column, childPath(keyPath, column));
    readKeyValue(keyValue, childPath(keyPath, column));
  }
  // The validated input itself, not a copy: assigning a '__proto__' column would drop it.
  const key = keyInput as Record<string, KeyValue>;
  const columnsPath = childPath(path, 'columns');
  const columns = readArray(input.columns, columnsPath, 1, LIMITS.maxColumns).map((column, index) =>
    readIdentifier(column, childPath(columnsPath, index)),
  );
  if (new Set(columns).size !== columns.length) {
    throw newInvalidArgument(columnsPath, 'must not repeat a column');
  }
  return { kind, table, key, columns };
}

function readKeyValue(value: unknown, path: string): void {
  if (
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.length <= LIMITS.maxKeyTextLength)
  ) {
    return;
  }
  throw newInvalidArgument(
    path,
    `must be a boolean, a finite number or a string of at most ${LIMITS.maxKeyTextLength} characters`,
  );
}

function readFieldHashes(value: unknown, path: string): Record<string, string> {
  const input = readMap(value, path, 1, LIMITS.maxFields);
  for (const [name, hash] of Object.entries(input)) {
    assertFieldName(name, path);
    readDigest(hash, childPath(path, name));
  }
  return input as Record<string, string>;
}

function readData(value: unknown, path: string): CanonicalRecord {
  const input = readMap(value, path, 1, LIMITS.maxFields);
  for (const [name, fieldValue] of Object.entries(input)) {
    assertFieldName(name, path);
    if (!isCanonicalValue(fieldValue)) {
      throw newInvalidArgument(childPath(path, name), 'is not a canonical value');
    }
  }
  return input as CanonicalRecord;
}

function assertRecordHashes(
  record: FirstBlockRecord,
  path: string,
  salts: FieldSalts | undefined,
): void {
  if (record.data !== undefined) {
    const hashes = hashRecord(record.data, salts);
    if (hashes.recordHash !== record.recordHash) {
      throw newInvalidArgument(childPath(path, 'recordHash'), 'does not match data');
    }
    const names = Object.keys(record.fieldHashes);
    const expected = Object.keys(hashes.fieldHashes);
    if (names.length !== expected.length) {
      throw newInvalidArgument(childPath(path, 'fieldHashes'), 'do not name the fields of data');
    }
    for (const name of names) {
      if (record.fieldHashes[name] !== hashes.fieldHashes[name]) {
        throw newInvalidArgument(
          childPath(childPath(path, 'fieldHashes'), name),
          'does not match data',
        );
      }
    }
    return;
  }
  if (recordHashFromFieldHashes(record.fieldHashes) !== record.recordHash) {
    throw newInvalidArgument(childPath(path, 'recordHash'), 'does not match fieldHashes');
  }
}

function readDeadline(value: unknown): string {
  const text = readString(
    value,
    'deadline',
    deadline,
    "RFC 3339 UTC 'YYYY-MM-DDTHH:MM:SS[.ffffff]Z'",
  );
  if ('error' in normaliseTimestampText(text)) {
    throw newInvalidArgument('deadline', 'is not a valid date and time');
  }
  return text;
}

function readDigest(value: unknown, path: string): string {
  if (!isDigestHex(value)) {
    throw newInvalidArgument(path, `must be ${hexDescription}`);
  }
  return value;
}

function readIdentifier(value: unknown, path: string): string {
  return readString(value, path, identifier, 'an SQL identifier [A-Za-z_][A-Za-z0-9_]{0,62}');
}

function assertFieldName(name: string, path: string): void {
  if (!isFieldName(name)) {
    throw newInvalidArgument(
      childPath(path, name),
      `a field name is 1..${LIMITS.maxFieldNameLength} characters of well-formed Unicode`,
    );
  }
}
