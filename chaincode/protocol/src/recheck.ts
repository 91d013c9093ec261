import { canonicalJson } from './canonical-json';
import { newInvalidArgument } from './errors';
import {
  childPath,
  readArray,
  readInteger,
  readObject,
  readOneOf,
  readSignature,
} from './json-reader';
import type { DifferingFields } from './model';
import { LIMITS } from './model';
import { compareFieldNames, isFieldName } from './record';

/**
 * Re-verification: after a block is accepted, any participant of its snapshot may open a round in
 * which every participant of the snapshot reads the records again from its own source and
 * attests, signed, whether they still match. An attestation names the fields that differ and
 * never a value or a hash of one.
 */

/** What a participant found on reading a block's records again. */
export type AttestationResult = 'matches' | 'drifted' | 'unreadable';

/**
 * Why: `OK` for `matches`, `HASH_MISMATCH` for `drifted`, and for `unreadable` why the records
 * could not be read (a record gone, a refused read, an unreachable or unknown source, a fault).
 */
export type AttestationReason =
  | 'OK'
  | 'HASH_MISMATCH'
  | 'RECORD_NOT_FOUND'
  | 'READ_REFUSED'
  | 'SOURCE_UNAVAILABLE'
  | 'UNKNOWN_SOURCE'
  | 'INTERNAL';

/** Every {@link AttestationResult}. */
export const ATTESTATION_RESULTS: readonly AttestationResult[] = [
  'matches',
  'drifted',
  'unreadable',
];

/** The reasons of an `unreadable` attestation. */
export const UNREADABLE_REASONS: readonly AttestationReason[] = [
  'RECORD_NOT_FOUND',
  'READ_REFUSED',
  'SOURCE_UNAVAILABLE',
  'UNKNOWN_SOURCE',
  'INTERNAL',
];

/** Every {@link AttestationReason}. */
export const ATTESTATION_REASONS: readonly AttestationReason[] = [
  'OK',
  'HASH_MISMATCH',
  ...UNREADABLE_REASONS,
];

/** What a participant attests: its result, the reason, and for `drifted` the names that differ. */
export interface AttestationBody {
  result: AttestationResult;
  reason: AttestationReason;
  /**
   * For `drifted` only, and then at least one: per record (an index into the block's records),
   * the names of the fields whose hashes differ from the block's. Names only.
   */
  differingFields: DifferingFields[];
}

/** An attestation as submitted: the body and the submitter's signature over it. */
export interface AttestationInput extends AttestationBody {
  signature: string;
}

/** Names what an attestation signature is over, so that it never passes for another signature. */
export const ATTESTATION_SIGNATURE_CONTEXT = 'corroborate-attestation-v1';

/** What an attestation is about: a block as the ledger holds it, the round, and who attests. */
export interface AttestationSubject {
  readonly blockId: string;
  /** SHA-256 of the block's signed content, as stored (`contentHash`). */
  readonly contentHash: string;
  readonly round: number;
  /** The MSP id of the participant that signs and submits the attestation. */
  readonly participant: string;
}

/**
 * The exact text a participant signs for an attestation: the canonical JSON of the context
 * {@link ATTESTATION_SIGNATURE_CONTEXT}, the block (id, content hash), the round, the participant
 * and every field of the body.
 */
export function attestationSigningPayload(
  subject: AttestationSubject,
  body: AttestationBody,
): string {
  return canonicalJson({
    context: ATTESTATION_SIGNATURE_CONTEXT,
    block: { id: subject.blockId, contentHash: subject.contentHash },
    round: subject.round,
    attestation: {
      participant: subject.participant,
      result: body.result,
      reason: body.reason,
      differingFields: body.differingFields.map((entry) => ({
        record: entry.record,
        fields: [...entry.fields],
      })),
    },
  });
}

/** The largest round number the contract opens. */
export const MAX_RECHECK_ROUND = 1_000_000;

/** The reason each result allows. */
function reasonFits(result: AttestationResult, reason: AttestationReason): boolean {
  switch (result) {
    case 'matches':
      return reason === 'OK';
    case 'drifted':
      return reason === 'HASH_MISMATCH';
    case 'unreadable':
      return UNREADABLE_REASONS.includes(reason);
  }
}

/**
 * Validates untrusted JSON as an attestation as submitted. A `matches` attestation has reason
 * `OK`, a `drifted` one `HASH_MISMATCH` and at least one record with differing field names
 * (records ascending and unique, names in the rule's order), an `unreadable` one an unreadable
 * reason; only `drifted` names fields.
 *
 * @param recordCount - when given, every record index must be below it.
 * @throws RuleError `INVALID_ARGUMENT: <json path>: <why>`.
 */
export function parseAttestationInput(json: unknown, recordCount?: number): AttestationInput {
  const input = readObject(json, '', ['result', 'reason', 'differingFields', 'signature']);
  const result = readOneOf(input.result, 'result', ATTESTATION_RESULTS);
  const reason = readOneOf(input.reason, 'reason', ATTESTATION_REASONS);
  if (!reasonFits(result, reason)) {
    throw newInvalidArgument('reason', `${reason} is not a reason of a ${result} attestation`);
  }
  const maxRecords = recordCount ?? LIMITS.maxRecords;
  const entries = readArray(
    input.differingFields,
    'differingFields',
    result === 'drifted' ? 1 : 0,
    result === 'drifted' ? maxRecords : 0,
  );
  let previous = -1;
  const differingFields = entries.map((item, index): DifferingFields => {
    const path = childPath('differingFields', index);
    const entry = readObject(item, path, ['record', 'fields']);
    const record = readInteger(entry.record, childPath(path, 'record'), 0, maxRecords - 1);
    if (record <= previous) {
      throw newInvalidArgument(childPath(path, 'record'), 'records must be ascending and unique');
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
        if (position > 0 && compareFieldNames(names[position - 1] as string, name) >= 0) {
          throw newInvalidArgument(namePath, "names must be unique and in the rule's order");
        }
        return name;
      }),
    };
  });
  const signature = readSignature(input.signature, 'signature');
  return { result, reason, differingFields, signature };
}

/** A re-verification round as the ledger stores it. */
export interface RecheckRound {
  readonly blockId: string;
  /** 1, 2, …: one more than the block's previous round. */
  readonly round: number;
  /** The MSP id of the participant that asked for it. */
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly txId: string;
}

/** A participant's attestation in a round, as the ledger stores it. */
export interface Attestation {
  readonly blockId: string;
  readonly round: number;
  readonly participant: string;
  readonly result: AttestationResult;
  readonly reason: AttestationReason;
  readonly differingFields: DifferingFields[];
  /** Over {@link attestationSigningPayload}, verified with `signerCertificate` when recorded. */
  readonly signature: string;
  readonly signerCertificate: string;
  readonly recordedAt: string;
  readonly txId: string;
}

/** A round with the attestations recorded in it, in participant order of the block's snapshot. */
export interface RecheckRoundView extends RecheckRound {
  readonly attestations: Attestation[];
}

/** `GetRechecks`: every round of a block, oldest first. */
export interface RecheckHistory {
  readonly blockId: string;
  readonly rounds: RecheckRoundView[];
}

/** The subject of a stored attestation, to verify its signature. */
export function attestationSubjectOf(
  attestation: Pick<Attestation, 'blockId' | 'round' | 'participant'>,
  contentHash: string,
): AttestationSubject {
  return {
    blockId: attestation.blockId,
    contentHash,
    round: attestation.round,
    participant: attestation.participant,
  };
}

/** The round argument of `RecordAttestation`: an integer from 1 to {@link MAX_RECHECK_ROUND}. */
export function parseRecheckRound(value: unknown, path = 'round'): number {
  return readInteger(value, path, 1, MAX_RECHECK_ROUND);
}
