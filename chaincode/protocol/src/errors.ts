/** Stable codes that start the message of every error the rule throws. */
export type RuleErrorCode =
  'INVALID_VALUE' | 'INVALID_ARGUMENT' | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_SCHEME';

/**
 * An input refused by the rule. The message is `<CODE>: <where>: <why>` so that callers map the
 * code, never the prose; the chaincode passes the message through unchanged.
 */
export class RuleError extends Error {
  readonly code: RuleErrorCode;

  constructor(code: RuleErrorCode, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'RuleError';
    this.code = code;
  }
}

/** Refuses a value that has no canonical form; `field` is omitted when the value is anonymous. */
export function newInvalidValue(field: string | undefined, why: string): RuleError {
  return new RuleError('INVALID_VALUE', field === undefined ? why : `${field}: ${why}`);
}

/** Refuses an argument at a JSON path such as `records[3].read.table`. */
export function newInvalidArgument(path: string, why: string): RuleError {
  return new RuleError('INVALID_ARGUMENT', `${path}: ${why}`);
}
