// The one place where Fabric's and gRPC's errors become catalogue codes; routes and the worker
// classify through it, so nothing else needs to know Fabric's error types.
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  EndorseError,
  GatewayError,
  StatusCode as TxValidationCode,
} from '@hyperledger/fabric-gateway';
import { CorroborateError, errorCatalogue, isErrorCode, type ErrorCode } from './errors';

export interface Classification {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly message: string;
  readonly transactionId?: string;
}

const chaincodeCodePattern = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+): ?(.*)$/s;
const unavailableGrpcCodes: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

/**
 * Maps any error to its code, HTTP status and retryability. Chaincode errors are recognised by the
 * stable code their message starts with, never by their prose; a peer that cannot be reached is
 * 503, not 500.
 */
export function classify(error: unknown): Classification {
  if (error instanceof CorroborateError) {
    return describe(error.code, error.message, error.transactionId);
  }
  if (error instanceof CommitError) {
    const validation = commitValidationCode(error.code);
    return describe(validation, error.message, error.transactionId);
  }
  if (error instanceof GatewayError) {
    const transactionId = error instanceof EndorseError ? error.transactionId : undefined;
    for (const text of [...error.details.map((detail) => detail.message), error.message]) {
      const match = chaincodeCodePattern.exec(text);
      if (match?.[1] && isErrorCode(match[1])) {
        return describe(match[1], `${match[1]}: ${match[2] ?? ''}`.trim(), transactionId);
      }
    }
    if (unavailableGrpcCodes.has(error.code)) {
      return describe('LEDGER_UNAVAILABLE', 'the Fabric peer cannot be reached', transactionId);
    }
    if (error.code === (GrpcStatus.DEADLINE_EXCEEDED as number)) {
      return describe('LEDGER_TIMEOUT', 'the Fabric peer did not answer in time', transactionId);
    }
    return describe('ENDORSEMENT_FAILED', error.message, transactionId);
  }
  if (isCodedError(error) && isErrorCode(error.code)) {
    return describe(error.code, error.message);
  }
  return describe('INTERNAL', 'internal error');
}

function describe(code: ErrorCode, message: string, transactionId?: string): Classification {
  const { status, retryable } = errorCatalogue[code];
  return { code, status, retryable, message, ...(transactionId ? { transactionId } : {}) };
}

// The two validation failures that a retry can cure: another transaction changed what this one read.
function commitValidationCode(code: number): ErrorCode {
  if (code === TxValidationCode.MVCC_READ_CONFLICT) return 'MVCC_READ_CONFLICT';
  if (code === TxValidationCode.PHANTOM_READ_CONFLICT) return 'PHANTOM_READ_CONFLICT';
  return 'COMMIT_FAILED';
}

function isCodedError(error: unknown): error is { code: string; message: string } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof error.message === 'string'
  );
}
