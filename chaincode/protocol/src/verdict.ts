import { isDigestHex } from './digest';
import { newInvalidArgument } from './errors';
import {
  childPath,
  readArray,
  readInteger,
  readObject,
  readOneOf,
  readString,
} from './json-reader';
import type { DifferingFields, VerdictInput } from './model';
import { compareFieldNames, isFieldName } from './record';
import { LIMITS, resultOfReason, VERDICT_REASONS, VERDICT_RESULTS } from './model';

const fields = ['result', 'observedHash', 'reason', 'attempts'] as const;

/**
 * Validates untrusted JSON as a participant's verdict and returns it typed. Each reason belongs to
 * one result ({@link resultOfReason}): a valid verdict has reason 'OK', an observed batch root and
 * no failed records; an invalid one gives its evidence; an unverifiable one (an abstention) gives
 * why it could not read, and observed nothing whole (`observedHash` ''). `observedHash` is
 * otherwise a batch root, or '' when the participant did not read every record.
 *
 * @param recordCount - when given, every failed record index must be below it.
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseVerdictInput(json: unknown, recordCount?: number): VerdictInput {
  const input = readObject(json, '', fields, ['failedRecords', 'differingFields']);
  const result = readOneOf(input.result, 'result', VERDICT_RESULTS);
  const observedHash = readString(input.observedHash, 'observedHash');
  if (observedHash !== '' && !isDigestHex(observedHash)) {
    throw newInvalidArgument('observedHash', "must be 64 lowercase hex digits or ''");
  }
  const reason = readOneOf(input.reason, 'reason', VERDICT_REASONS);
  const attempts = readInteger(input.attempts, 'attempts', 1, LIMITS.maxAttempts);
  const verdict: VerdictInput = { result, observedHash, reason, attempts };

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
  } else if (result === 'unverifiable' && observedHash !== '') {
    throw newInvalidArgument('observedHash', "must be '' for an unverifiable verdict");
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
