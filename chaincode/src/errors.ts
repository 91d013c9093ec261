import {
  contractErrorCatalogue,
  isContractErrorCode,
  type ContractErrorCode,
} from '@corroborate/protocol';

/** The contract's refusals; their catalogue is the protocol's, shared with every client. */
export const errorCatalogue = contractErrorCatalogue;
export type ErrorCode = ContractErrorCode;

/** A refusal: the transaction fails and nothing it prepared is written. */
export class ContractError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail: string, options?: ErrorOptions) {
    super(`${code}: ${detail}`, options);
    this.name = 'ContractError';
    this.code = code;
  }
}

/**
 * The shared rule throws errors whose message also starts with a code (e.g. `INVALID_ARGUMENT:`
 * or `INVALID_VALUE:`). Keep known codes and fold the rest into INVALID_ARGUMENT, so a client only
 * ever sees codes from this catalogue.
 */
export function toContractError(err: unknown, field: string): ContractError {
  if (err instanceof ContractError) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  const match = /^([A-Z][A-Z_]*): (.*)$/s.exec(message);
  if (match?.[1] !== undefined && match[2] !== undefined && isContractErrorCode(match[1])) {
    return new ContractError(match[1], match[2], { cause: err });
  }
  const detail = match?.[2] ?? message;
  return new ContractError('INVALID_ARGUMENT', `${field}: ${detail}`, { cause: err });
}
