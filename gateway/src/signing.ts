import {
  attestationSigningPayload,
  firstBlockSigningPayload,
  type AttestationBody,
  type AttestationInput,
  type AttestationSubject,
  verdictSigningPayload,
  type FirstBlockContent,
  type VerdictBody,
  type VerdictInput,
  type VerdictSubject,
} from '@corroborate/protocol';
import { sign, type KeyObject } from 'node:crypto';

/**
 * The requester's signature over the canonical content of a first block: ECDSA P-256 with
 * SHA-256, DER, base64 — what the contract verifies against the submitting identity.
 */
export function signFirstBlock(content: FirstBlockContent, privateKey: KeyObject): string {
  return signText(firstBlockSigningPayload(content), privateKey);
}

/**
 * A participant's verdict, signed over the block it judges and everything it attests (the
 * protocol's `verdictSigningPayload`), as `RecordVerdict` takes it. The key must be that of the
 * identity that submits the transaction: the contract verifies the signature with its certificate.
 */
export function signVerdict(
  subject: VerdictSubject,
  body: VerdictBody,
  privateKey: KeyObject,
): VerdictInput {
  return { ...body, signature: signText(verdictSigningPayload(subject, body), privateKey) };
}

/**
 * A participant's re-verification attestation, signed over the block, the round and everything it
 * attests (the protocol's `attestationSigningPayload`), as `RecordAttestation` takes it.
 */
export function signAttestation(
  subject: AttestationSubject,
  body: AttestationBody,
  privateKey: KeyObject,
): AttestationInput {
  return { ...body, signature: signText(attestationSigningPayload(subject, body), privateKey) };
}

function signText(payload: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(payload, 'utf8'), privateKey).toString('base64');
}
