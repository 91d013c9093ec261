import { canonicalJson } from './canonical-json';
import { sha256Hex } from './digest';
import { newInvalidArgument } from './errors';
import type { FirstBlockContent, VerdictBody } from './model';
import type { FirstBlockMeta, StoredFirstBlock } from './state';
import type { CryptoPort, ParsedCertificate } from './crypto-port';
import { nodeCrypto } from './node-crypto';

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A DER ECDSA P-256 signature is at most 72 bytes; anything far longer is not one.
const maxSignatureBase64Length = 200;

/** The exact text a requester signs for a first block: its canonical JSON. */
export function firstBlockSigningPayload(content: FirstBlockContent): string {
  return canonicalJson(content);
}

/** Names what a verdict signature is over, so that it can never pass for another signature. */
export const VERDICT_SIGNATURE_CONTEXT = 'corroborate-verdict-v1';

/**
 * What a verdict is about: the first block as the ledger holds it (its id, the hash of its signed
 * content, its participant snapshot and quorum ratio, which fix its voters and threshold), and the
 * participant that judges it.
 */
export interface VerdictSubject {
  readonly blockId: string;
  readonly contentHash: string;
  readonly participants: readonly string[];
  readonly quorumRatio: string;
  /** The MSP id of the participant that signs and submits the verdict. */
  readonly participant: string;
}

/** The subject of `participant`'s verdict on a stored first block. */
export function verdictSubjectOf(block: StoredFirstBlock, participant: string): VerdictSubject {
  return {
    blockId: block.content.id,
    contentHash: block.contentHash,
    participants: block.participants,
    quorumRatio: block.quorumRatio,
    participant,
  };
}

/** The same subject from a block's meta, which carries its content hash (see FirstBlockMeta). */
export function verdictSubjectOfMeta(
  meta: FirstBlockMeta & { readonly contentHash: string },
  participant: string,
): VerdictSubject {
  return {
    blockId: meta.blockId,
    contentHash: meta.contentHash,
    participants: meta.participants,
    quorumRatio: meta.quorumRatio,
    participant,
  };
}

/**
 * The exact text a participant signs for a verdict: the canonical JSON of the context
 * {@link VERDICT_SIGNATURE_CONTEXT}, the block it judges ({@link VerdictSubject}) and every field
 * of the verdict it submits but the signature. Absent `failedRecords` and `differingFields` are
 * signed as empty lists, as the ledger stores them.
 */
export function verdictSigningPayload(subject: VerdictSubject, body: VerdictBody): string {
  return canonicalJson({
    context: VERDICT_SIGNATURE_CONTEXT,
    block: {
      id: subject.blockId,
      contentHash: subject.contentHash,
      participants: [...subject.participants],
      quorumRatio: subject.quorumRatio,
    },
    verdict: {
      participant: subject.participant,
      result: body.result,
      observedHash: body.observedHash,
      reason: body.reason,
      attempts: body.attempts,
      failedRecords: body.failedRecords ?? [],
      differingFields: body.differingFields ?? [],
    },
  });
}

/**
 * SHA-256 (hex) of the certificate's DER encoding, which is how a requester is named in
 * `requester.certFingerprint`.
 *
 * @throws RuleError `INVALID_ARGUMENT` when `certPem` is not an X.509 certificate.
 */
export function certificateFingerprint(certPem: string, crypto: CryptoPort = nodeCrypto): string {
  return sha256Hex(parseCertificate(certPem, crypto).der);
}

/**
 * Verifies an ECDSA P-256 / SHA-256 signature (DER, base64) over the UTF-8 payload with the
 * certificate's public key. Both low-S and high-S signatures are accepted, as Fabric clients
 * may produce either. Only the signature is checked: certificate validity and chain are
 * Fabric's job (the submitting identity), and reading them here would depend on the clock.
 */
export function verifySignature(
  payload: string,
  signatureBase64: string,
  certPem: string,
  crypto: CryptoPort = nodeCrypto,
): boolean {
  if (
    typeof payload !== 'string' ||
    typeof signatureBase64 !== 'string' ||
    signatureBase64.length > maxSignatureBase64Length ||
    !base64Text.test(signatureBase64)
  ) {
    return false;
  }
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(certPem, crypto);
  } catch {
    return false;
  }
  if (!certificate.isP256) {
    return false;
  }
  try {
    return certificate.verify(Buffer.from(payload, 'utf8'), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

function parseCertificate(certPem: string, crypto: CryptoPort): ParsedCertificate {
  try {
    if (typeof certPem !== 'string') {
      throw new TypeError('not a string');
    }
    return crypto.parseCertificate(certPem);
  } catch {
    throw newInvalidArgument('certificate', 'not a PEM X.509 certificate');
  }
}
