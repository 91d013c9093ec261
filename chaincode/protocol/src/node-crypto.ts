import { verify, X509Certificate } from 'node:crypto';
import type { CryptoPort, ParsedCertificate } from './crypto-port';

// The certificate behind each parsed one, so that isIssuedBy can hand node:crypto its own object.
const certificates = new WeakMap<ParsedCertificate, X509Certificate>();

/**
 * Parsed certificates by their PEM text, the most recently used kept. A consortium's members
 * submit with a handful of identities, and parsing a certificate is the costliest step of checking
 * a transaction's signatures; a parsed certificate is immutable, so the same text may share it.
 */
const parsedByPem = new Map<string, ParsedCertificate>();
export const parsedCertificatesKept = 256;

/** The {@link CryptoPort} on node:crypto: what the contract, the worker and the CLI use. */
export const nodeCrypto: CryptoPort = {
  parseCertificate(pem: string): ParsedCertificate {
    const cached = parsedByPem.get(pem);
    if (cached !== undefined) {
      // Most recently used last: the first key is the one to forget.
      parsedByPem.delete(pem);
      parsedByPem.set(pem, cached);
      return cached;
    }
    const parsed = parse(pem);
    parsedByPem.set(pem, parsed);
    if (parsedByPem.size > parsedCertificatesKept) {
      parsedByPem.delete(parsedByPem.keys().next().value as string);
    }
    return parsed;
  },
};

function parse(pem: string): ParsedCertificate {
  const certificate = new X509Certificate(pem);
  const key = certificate.publicKey;
  const parsed: ParsedCertificate = {
    der: new Uint8Array(certificate.raw),
    subject: certificate.subject,
    // Parsing the certificate's own dates reads no clock; only the receipt's chain check uses them.
    /* eslint-disable no-restricted-globals */
    notBefore: Date.parse(certificate.validFrom),
    notAfter: Date.parse(certificate.validTo),
    /* eslint-enable no-restricted-globals */
    isP256: key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    verify: (message, signatureDer) =>
      verify('sha256', message, { key, dsaEncoding: 'der' }, signatureDer),
    isIssuedBy(issuer) {
      const candidate = certificates.get(issuer);
      return (
        candidate !== undefined &&
        certificate.checkIssued(candidate) &&
        certificate.verify(candidate.publicKey)
      );
    },
  };
  certificates.set(parsed, certificate);
  return parsed;
}
