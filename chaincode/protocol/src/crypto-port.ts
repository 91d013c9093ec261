/**
 * The cryptography that checking signatures and certificates needs, supplied per platform so
 * that one set of rules runs everywhere: node:crypto by default (`nodeCrypto`), and a
 * browser's own in the dashboard. Synchronous, so that the checks built on it stay synchronous.
 */
export interface CryptoPort {
  /** Parses a PEM X.509 certificate; throws when `pem` is not one. */
  parseCertificate(pem: string): ParsedCertificate;
}

/** An X.509 certificate as a {@link CryptoPort} parsed it. */
export interface ParsedCertificate {
  /** Its DER encoding. */
  readonly der: Uint8Array;
  /** Its subject's distinguished name, as text for people. */
  readonly subject: string;
  /** The start and end of its validity, in milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Whether its public key is an ECDSA key on P-256. */
  readonly isP256: boolean;
  /** Whether a DER-encoded ECDSA signature over SHA-256(message) verifies with its key. */
  verify(message: Uint8Array, signatureDer: Uint8Array): boolean;
  /** Whether it names `issuer` as its issuer and carries a signature by `issuer`'s key. */
  isIssuedBy(issuer: ParsedCertificate): boolean;
}
