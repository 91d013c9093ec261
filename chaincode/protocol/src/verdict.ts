import { isDigestHex } from './digest';
import { newInvalidArgument } from './errors';
import {
  childPath,
  readArray,
  readInteger,
  readObject,
  readOneOf,
  MAX_SIGNATURE_CHARS,
  readSignature,
  readString,
} from './json-reader';
import type { DifferingFields, VerdictBody, VerdictInput } from './model';
import { compareFieldNames, isFieldName } from './record';
import { LIMITS, resultOfReason, VERDICT_REASONS, VERDICT_RESULTS } from './model';

const bodyFields = ['result', 'observedHash', 'reason', 'attempts'] as const;
const optionalFields = ['failedRecords', 'differingFields'] as const;
/** Base64 characters of a verdict's signature at most: a DER ECDSA P-256 signature is 72 bytes. */
export const maxVerdictSignatureChars = MAX_SIGNATURE_CHARS;

/**
 * Validates untrusted JSON as a participant's verdict, as it submits it, and returns it typed:
 * the body ({@link parseVerdictBody}) and its `signature`, standard base64 of at most
 * {@link maxVerdictSignatureChars} characters. Whether the signature verifies is the contract's
 * check, against the submitting identity.
 *
 * @param recordCount - when given, every failed record index must be below it.
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseVerdictInput(json: unknown, recordCount?: number): VerdictInput {
  const input = readObject(json, '', [...bodyFields, 'signature'], optionalFields);
  const body = readVerdictBody(input, recordCount);
  const signature = readSignature(input.signature, 'signature');
  return { ...body, signature };
}

/**
 * Validates untrusted JSON as what a verdict attests, without a signature, and returns it typed.
 * Each reason belongs to one result ({@link resultOfReason}): a valid verdict has reason 'OK', an
 * observed batch root and no failed records; an invalid one gives its evidence; an unverifiable
 * one (an abstention) gives why it could not read. Only a valid verdict carries an
 * `observedHash`: every other one has '', so that no verdict discloses a hash of values it read
 * that differ from the block's.
 *
 * @param recordCount - when given, every failed record index must be below it.
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseVerdictBody(json: unknown, recordCount?: number): VerdictBody {
  return readVerdictBody(readObject(json, '', bodyFields, optionalFields), recordCount);
}

function readVerdictBody(input: Record<string, unknown>, recordCount?: number): VerdictBody {
  const result = readOneOf(input.result, 'result', VERDICT_RESULTS);
  const observedHash = readString(input.observedHash, 'observedHash');
  if (observedHash !== '' && !isDigestHex(observedHash)) {
    throw newInvalidArgument('observedHash', "must be 64 lowercase hex digits or ''");
  }
  const reason = readOneOf(input.reason, 'reason', VERDICT_REASONS);
  const attempts = readInteger(input.attempts, 'attempts', 1, LIMITS.maxAttempts);
  const verdict: VerdictBody = { result, observedHash, reason, attempts };

  if (result === 'valid') {
    if (reason !== 'OK') {
      throw newInvalidArgument('reason', "must be 'OK' for a valid verdict");
    }
    if (observedHash === '') {
      throw newInvalidArgument('observedHash', 'is required for a valid verdict');
    }
  } else if (reason === 'OK') {
    throw newInvalidArgument('reason', `must not be 'OK' for an ${result} verdict`);
  } else if (resultOfReason(reason) !== result) {
    // An outage is no evidence: it may only abstain, and evidence may only reject.
    throw newInvalidArgument(
      'reason',
      result === 'invalid'
        ? `${reason} is no evidence against the record: it makes a verdict unverifiable, not invalid`
        : `${reason} is evidence against the record: it makes a verdict invalid, not unverifiable`,
    );
  } else if (observedHash !== '') {
    // A hash of what was read, where it differs, would be an oracle for the values read.
    throw newInvalidArgument(
      'observedHash',
      `must be '' for an ${result} verdict: only a valid verdict carries the root it observed`,
    );
  }

  if (input.failedRecords !== undefined) {
    const maxIndex = (recordCount ?? LIMITS.maxRecords) - 1;
    const items = readArray(input.failedRecords, 'failedRecords', 0, maxIndex + 1);
    if (result === 'valid' && items.length > 0) {
      throw newInvalidArgument('failedRecords', 'must be empty for a valid verdict');
    }
    let previous = -1;
    verdict.failedRecords = items.map((item, index) => {
      const path = childPath('failedRecords', index);
      const recordIndex = readInteger(item, path, 0, maxIndex);
      // Ascending and unique, so that equal verdicts have one encoding.
      if (recordIndex <= previous) {
        throw newInvalidArgument(path, 'indices must be ascending and unique');
      }
      previous = recordIndex;
      return recordIndex;
    });
  }
  if (input.differingFields !== undefined) {
    verdict.differingFields = readDifferingFields(input.differingFields, verdict.failedRecords);
  }
  return verdict;
}

/** Each entry names a failed record, ascending and once, and its fields in the rule's order. */
function readDifferingFields(value: unknown, failedRecords: number[] = []): DifferingFields[] {
  const items = readArray(value, 'differingFields', 0, failedRecords.length);
  let previous = -1;
  return items.map((item, index) => {
    const path = childPath('differingFields', index);
    const entry = readObject(item, path, ['record', 'fields']);
    const record = readInteger(entry.record, childPath(path, 'record'), 0, LIMITS.maxRecords - 1);
    if (!failedRecords.includes(record) || record <= previous) {
      throw newInvalidArgument(
        childPath(path, 'record'),
        'must be a failed record, ascending and unique',
      );
    }
    previous = record;
    const names = readArray(entry.fields, childPath(path, 'fields'), 1, LIMITS.maxFields);
    return {
      record,
      fields: names.map((name, position) => {
        const namePath = childPath(childPath(path, 'fields'), position);
        if (typeof name !== 'string' || !isFieldName(name)) {
          throw newInvalidArgument(namePath, 'must be a field name');
        }
        const before = names[position - 1];
        if (position > 0 && compareFieldNames(before as string, name) >= 0) {
          throw newInvalidArgument(namePath, "names must be unique and in the rule's order");
        }
        return name;
      }),
    };
  });
}
