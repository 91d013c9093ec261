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
  /** Blocks one shared transaction (RecordVerdicts, FinalizeOutcomes) may name. */
  sharedItems: 100,
  sharedVerdictsBytes: 4 * 1024 * 1024,
  sharedOutcomesBytes: 256 * 1024,
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

/** One block's verdict in a shared RecordVerdicts transaction. */
export interface SharedVerdict {
  readonly blockId: string;
  readonly verdict: VerdictInput;
}

/** One block in a shared FinalizeOutcomes transaction; no voters reads every participant's. */
export interface SharedOutcome {
  readonly blockId: string;
  readonly voters?: string[];
}

/**
 * The items of a shared transaction: a JSON array of 1 to `limits.sharedItems` objects with a
 * `blockId` each, no block twice (a transaction reads the state as it was before it, so a second
 * item for one block would not see the first) and no other keys than `allowed`.
 */
function decodeSharedItems(
  json: string,
  maxBytes: number,
  field: string,
  allowed: readonly string[],
): Array<Record<string, unknown> & { blockId: string }> {
  const value = parseJsonArgument(json, maxBytes, field);
  if (!Array.isArray(value) || value.length < 1 || value.length > limits.sharedItems) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `${field}: must be an array of 1 to ${limits.sharedItems} items`,
    );
  }
  const seen = new Set<string>();
  return value.map((item: unknown, index) => {
    const at = `${field}[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ContractError('INVALID_ARGUMENT', `${at}: must be an object`);
    }
    const record = item as Record<string, unknown>;
    const unknownKey = Object.keys(record).find((key) => !allowed.includes(key));
    if (unknownKey !== undefined) {
      throw new ContractError('INVALID_ARGUMENT', `${at}: unknown property ${unknownKey}`);
    }
    const blockId = record.blockId;
    if (typeof blockId !== 'string') {
      throw new ContractError('INVALID_ARGUMENT', `${at}.blockId: must be a string`);
    }
    assertIdentifier(blockId, `${at}.blockId`);
    if (seen.has(blockId)) {
      throw new ContractError('INVALID_ARGUMENT', `${at}.blockId: ${blockId} is listed twice`);
    }
    seen.add(blockId);
    return { ...record, blockId };
  });
}

/** `RecordVerdicts`' argument: each verdict checked exactly as RecordVerdict's verdictJson. */
export function decodeSharedVerdicts(verdictsJson: string): SharedVerdict[] {
  const items = decodeSharedItems(verdictsJson, limits.sharedVerdictsBytes, 'verdictsJson', [
    'blockId',
    'verdict',
  ]);
  return items.map((item, index) => {
    const at = `verdictsJson[${index}].verdict`;
    if (typeof item.verdict !== 'object' || item.verdict === null || Array.isArray(item.verdict)) {
      throw new ContractError('INVALID_ARGUMENT', `${at}: must be an object`);
    }
    assertSize(JSON.stringify(item.verdict), limits.verdictBytes, at);
    try {
      return { blockId: item.blockId, verdict: parseVerdictInput(item.verdict) };
    } catch (err) {
      const refusal = toContractError(err, at);
      const detail = refusal.message.slice(refusal.code.length + 2);
      throw new ContractError(refusal.code, detail.startsWith(at) ? detail : `${at}: ${detail}`, {
        cause: err,
      });
    }
  });
}

/** `FinalizeOutcomes`' argument: voters checked exactly as FinalizeOutcome's votersJson. */
export function decodeSharedOutcomes(outcomesJson: string): SharedOutcome[] {
  const items = decodeSharedItems(outcomesJson, limits.sharedOutcomesBytes, 'outcomesJson', [
    'blockId',
    'voters',
  ]);
  return items.map((item, index) =>
    item.voters === undefined
      ? { blockId: item.blockId }
      : {
          blockId: item.blockId,
          voters: parseVoterList(item.voters, `outcomesJson[${index}].voters`),
        },
  );
}
