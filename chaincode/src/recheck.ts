import { ContractError } from './errors';
import type { Caller } from './identity';
import type {
  Attestation,
  AttestationInput,
  FirstBlockMeta,
  RecheckHistory,
  RecheckRound,
} from '@corroborate/protocol';
import { attestationSigningPayload, verifySignature } from '@corroborate/protocol';

/** Rules for re-verification rounds and attestations: pure, no ledger access. */

/**
 * The attestation must be signed by the identity that submits it, over this block (id, content
 * hash), this round and every field it submits, so that it stands as its participant's own word.
 */
export function assertAttestationSignature(
  input: AttestationInput,
  subject: { readonly blockId: string; readonly contentHash: string; readonly round: number },
  caller: Caller,
): void {
  const payload = attestationSigningPayload({ ...subject, participant: caller.mspId }, input);
  if (!verifySignature(payload, input.signature, caller.certificate)) {
    throw new ContractError(
      'BAD_ATTESTATION_SIGNATURE',
      `signature: does not verify over block ${subject.blockId}, round ${subject.round} and this attestation with the submitter's certificate`,
    );
  }
}

/** A drifted record must be one of the block's. */
export function assertAttestationFitsBlock(input: AttestationInput, meta: FirstBlockMeta): void {
  const outside = input.differingFields.find((entry) => entry.record >= meta.records);
  if (outside !== undefined) {
    throw new ContractError(
      'INVALID_ARGUMENT',
      `differingFields: record ${outside.record} is outside the block's ${meta.records} records`,
    );
  }
}

export interface AttestationFacts {
  readonly blockId: string;
  readonly round: number;
  readonly participant: string;
  readonly input: AttestationInput;
  readonly signerCertificate: string;
  readonly recordedAt: string;
  readonly txId: string;
}

export function newAttestation(facts: AttestationFacts): Attestation {
  return {
    blockId: facts.blockId,
    round: facts.round,
    participant: facts.participant,
    result: facts.input.result,
    reason: facts.input.reason,
    differingFields: facts.input.differingFields,
    signature: facts.input.signature,
    signerCertificate: facts.signerCertificate,
    recordedAt: facts.recordedAt,
    txId: facts.txId,
  };
}

/** Rounds with their attestations, each round's in the order of the block's snapshot. */
export function recheckHistory(
  meta: FirstBlockMeta,
  rounds: readonly RecheckRound[],
  attestations: readonly Attestation[],
): RecheckHistory {
  const order = (participant: string): number => meta.participants.indexOf(participant);
  return {
    blockId: meta.blockId,
    rounds: [...rounds]
      .sort((a, b) => a.round - b.round)
      .map((round) => ({
        ...round,
        attestations: attestations
          .filter((attestation) => attestation.round === round.round)
          .sort((a, b) => order(a.participant) - order(b.participant)),
      })),
  };
}
