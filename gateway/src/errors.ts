// The error catalogue and the error that carries its codes. Nothing here loads Fabric or gRPC, so
// receipts, validation and the CLI's offline commands can use it without them; classify.ts maps
// Fabric's errors onto the catalogue.

/**
 * Every error the gateway answers with, by stable code: its HTTP status and whether the same
 * request may succeed if retried. Chaincode codes are listed too: the contract puts them at the
 * start of its error messages, and `classify` maps them here.
 */
export const errorCatalogue = {
  // Request validation and authentication.
  INVALID_REQUEST: { status: 400, retryable: false },
  INVALID_JSON: { status: 400, retryable: false },
  UNAUTHENTICATED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false },
  NOT_ACCEPTABLE: { status: 406, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  IDEMPOTENCY_KEY_REUSED: { status: 422, retryable: false },
  // Sources.
  UNKNOWN_SOURCE: { status: 400, retryable: false },
  READ_REFUSED: { status: 400, retryable: false },
  RECORD_NOT_FOUND: { status: 404, retryable: false },
  RECORD_CHANGED: { status: 409, retryable: false },
  SOURCE_UNAVAILABLE: { status: 503, retryable: true },
  INVALID_VALUE: { status: 422, retryable: false },
  // Chaincode.
  INVALID_ARGUMENT: { status: 400, retryable: false },
  ARGUMENT_COUNT: { status: 400, retryable: false },
  UNKNOWN_TRANSACTION: { status: 400, retryable: false },
  UNSUPPORTED_SCHEME: { status: 400, retryable: false },
  NOT_INITIALISED: { status: 409, retryable: false },
  ALREADY_INITIALISED: { status: 409, retryable: false },
  NOT_A_PARTICIPANT: { status: 403, retryable: false },
  NOT_AN_ADMIN: { status: 403, retryable: false },
  REQUESTER_MISMATCH: { status: 403, retryable: false },
  BAD_SIGNATURE: { status: 400, retryable: false },
  FIRST_BLOCK_EXISTS: { status: 409, retryable: false },
  DUPLICATE_FIRST_BLOCK: { status: 409, retryable: false },
  FIRST_BLOCK_NOT_FOUND: { status: 404, retryable: false },
  DUPLICATE_VERDICT: { status: 409, retryable: false },
  BAD_VERDICT_SIGNATURE: { status: 400, retryable: false },
  REQUESTER_VERDICT: { status: 403, retryable: false },
  OUTCOME_RECORDED: { status: 409, retryable: false },
  RELAY_OUT_OF_ORDER: { status: 409, retryable: true },
  BLOCK_EXPIRED: { status: 409, retryable: false },
  DEADLINE_INVALID: { status: 400, retryable: false },
  PROPOSAL_EXISTS: { status: 409, retryable: false },
  PROPOSAL_NOT_FOUND: { status: 404, retryable: false },
  PROPOSAL_CLOSED: { status: 409, retryable: false },
  PROPOSAL_EXPIRED: { status: 409, retryable: false },
  DUPLICATE_APPROVAL: { status: 409, retryable: false },
  QUORUM_RATIO_TOO_LOW: { status: 400, retryable: false },
  OUTCOME_PENDING: { status: 409, retryable: false },
  VERDICT_NOT_FOUND: { status: 409, retryable: false },
  NOT_ACCEPTED: { status: 409, retryable: false },
  RECHECK_ROUND_NOT_FOUND: { status: 404, retryable: false },
  DUPLICATE_ATTESTATION: { status: 409, retryable: false },
  BAD_ATTESTATION_SIGNATURE: { status: 400, retryable: false },
  // Ledger transport and commit.
  MVCC_READ_CONFLICT: { status: 409, retryable: true },
  PHANTOM_READ_CONFLICT: { status: 409, retryable: true },
  ENDORSEMENT_FAILED: { status: 502, retryable: true },
  COMMIT_FAILED: { status: 502, retryable: false },
  LEDGER_UNAVAILABLE: { status: 503, retryable: true },
  LEDGER_TIMEOUT: { status: 504, retryable: true },
  COMMIT_UNCONFIRMED: { status: 503, retryable: true },
  INTERNAL: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalogue, code);
}

/** An error with a stable code from {@link errorCatalogue}. */
export class CorroborateError extends Error {
  readonly code: ErrorCode;
  readonly transactionId?: string;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; transactionId?: string },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'CorroborateError';
    this.code = code;
    this.transactionId = options?.transactionId;
  }
}
