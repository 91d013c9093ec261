import { ContractError, toContractError } from './errors';
import { parseVoterList } from './participants';
import type {
  AttestationInput,
  SignedFirstBlockContent,
  VerdictInput,
} from '@corroborate/protocol';
import {
  LIMITS,
  SCHEME_V2,
  isSaltHex,
  parseSignedFirstBlockContent,
  parseAttestationInput,
  parseRecheckRound,
  parseVerdictInput,
  saltsFromSeed,
} from '@corroborate/protocol';
import type { OutcomeStatus } from '@corroborate/protocol';
import { isOutcomeStatus, outcomeStatuses } from '@corroborate/protocol';

/**
 * Decoding of transaction arguments, with size bounds checked before any parsing so an oversized
 * argument costs the peer nothing.
 */

export const limits = {
  // The rule bounds the canonical content; the argument may carry whitespace and escapes besides.
  contentArgumentBytes: 2 * LIMITS.maxContentBytes,
  verdictBytes: 64 * 1024,
  attestationBytes: 64 * 1024,
  governanceBytes: 16 * 1024,
  votersBytes: 16 * 1024,
  signatureChars: 256,
  bookmarkChars: 1024,
  pageSize: 100,
} as const;

const identifierPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function assertSize(text: string, maxBytes: number, field: string): void {
  // Characters bound bytes from below; measure bytes only when it could matter.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new ContractError('PAYLOAD_TOO_LARGE', `${field}: larger than ${maxBytes} bytes`);
  }
}

export function parseJsonArgument(text: string, maxBytes: number, field: string): unknown {
  assertSize(text, maxBytes, field);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ContractError('INVALID_ARGUMENT', `${field}: not valid JSON`);
  }
}

/** Block and proposal ids: the form clients choose ids in, and safe inside composite keys. */
export function assertIdentifier(value: string, field: string): string {
  if (!identifierPattern.test(value)) {
    throw new ContractError('INVALID_ARGUMENT', `${field}: must match ${identifierPattern.source}`);
  }
  return value;
}

/**
 * The content and its signing payload, serialised once. `saltSeed` is the seed of a
 * `corroborate-v2` block's field salts (64 lowercase hex digits), with which its data is hashed,
 * and must be '' for a `corroborate-v1` block.
 */
export function decodeFirstBlockContent(
  contentJson: string,
  saltSeed: string,
): SignedFirstBlockContent {
  if (saltSeed !== '' && !isSaltHex(saltSeed)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      "saltSeed: must be 64 lowercase hex digits, or '' for a corroborate-v1 block",
    );
  }
  const json = parseJsonArgument(contentJson, limits.contentArgumentBytes, 'contentJson');
  let signed: SignedFirstBlockContent;
  try {
    signed = parseSignedFirstBlockContent(
      json,
      saltSeed === '' ? undefined : saltsFromSeed(saltSeed),
    );
  } catch (err) {
    throw toContractError(err, 'contentJson');
  }
  if (signed.content.scheme === SCHEME_V2 ? saltSeed === '' : saltSeed !== '') {
    throw new ContractError(
      'INVALID_ARGUMENT',
      signed.content.scheme === SCHEME_V2
        ? `saltSeed: a ${SCHEME_V2} block needs the seed of its field salts`
        : `saltSeed: must be '' for a ${signed.content.scheme} block, whose leaves have no salts`,
    );
  }
  return signed;
}

export function decodeSignature(signature: string): string {
  if (
    signature.length === 0 ||
    signature.length > limits.signatureChars ||
    !base64Pattern.test(signature)
  ) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `signature: must be standard base64 of at most ${limits.signatureChars} characters`,
    );
  }
  return signature;
}

export function decodeVerdictInput(verdictJson: string): VerdictInput {
  const json = parseJsonArgument(verdictJson, limits.verdictBytes, 'verdictJson');
  try {
    return parseVerdictInput(json);
  } catch (err) {
    throw toContractError(err, 'verdictJson');
  }
}

export function decodeAttestationInput(attestationJson: string): AttestationInput {
  const json = parseJsonArgument(attestationJson, limits.attestationBytes, 'attestationJson');
  try {
    return parseAttestationInput(json);
  } catch (err) {
    throw toContractError(err, 'attestationJson');
  }
}

export function decodeRound(round: number): number {
  try {
    return parseRecheckRound(round);
  } catch (err) {
    throw toContractError(err, 'round');
  }
}

/** `''` means no voter list: FinalizeOutcome then reads every participant's verdict. */
export function decodeVoters(votersJson: string): string[] | undefined {
  if (votersJson === '') {
    return undefined;
  }
  return parseVoterList(parseJsonArgument(votersJson, limits.votersBytes, 'votersJson'));
}

export function decodeStatus(status: string): OutcomeStatus {
  if (!isOutcomeStatus(status)) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `status: must be one of ${outcomeStatuses.join(', ')}`,
    );
  }
  return status;
}

export function decodePageSize(pageSize: number): number {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > limits.pageSize) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `pageSize: must be an integer from 1 to ${limits.pageSize}`,
    );
  }
  return pageSize;
}

export function decodeBookmark(bookmark: string): string {
  if (bookmark.length > limits.bookmarkChars) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `bookmark: longer than ${limits.bookmarkChars} characters`,
    );
  }
  return bookmark;
}
