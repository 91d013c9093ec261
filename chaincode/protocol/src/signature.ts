import { canonicalJson } from './canonical-json';
import { sha256Hex } from './digest';
import { newInvalidArgument } from './errors';
import type { FirstBlockContent } from './model';
import type { CryptoPort, ParsedCertificate } from './crypto-port';
import { nodeCrypto } from './node-crypto';

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// A DER ECDSA P-256 signature is at most 72 bytes; anything far longer is not one.
const maxSignatureBase64Length = 200;

/** The exact text a requester signs for a first block: its canonical JSON. */
export function firstBlockSigningPayload(content: FirstBlockContent): string {
  return canonicalJson(content);
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
