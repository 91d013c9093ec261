// The receipt checks' cryptography for a browser, synchronous like node:crypto's so that the
// dashboard runs the very verification the CLI runs (WebCrypto would make it asynchronous).
// Certificates are parsed with @peculiar/asn1-x509; signatures checked with @noble/curves.
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name } from '@peculiar/asn1-x509';
import { p256, p384 } from '@noble/curves/nist';
import { sha256, sha384 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import type { CryptoPort, ParsedCertificate } from '@corroborate/protocol';

const ecPublicKey = '1.2.840.10045.2.1';
// P-256 and P-384 share one type.
type Curve = typeof p256;

// The named curves as EC parameters carry them: DER OBJECT IDENTIFIERs, in hex.
const curves: Readonly<Record<string, Curve>> = {
  '06082a8648ce3d030107': p256,
  '06052b81040022': p384,
};
const signatureHashes = {
  '1.2.840.10045.4.3.2': sha256,
  '1.2.840.10045.4.3.3': sha384,
} as const;
// Attribute names as node:crypto prints them.
const attributeNames: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};

interface Parts {
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly curve: Curve | undefined;
  readonly point: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
}

const parts = new WeakMap<ParsedCertificate, Parts>();

/** The {@link CryptoPort} for a browser. */
export const browserCrypto: CryptoPort = {
  parseCertificate(pem: string): ParsedCertificate {
    const der = pemToDer(pem);
    const certificate = AsnConvert.parse(der, Certificate);
    const tbs = certificate.tbsCertificate;
    const keyInfo = tbs.subjectPublicKeyInfo;
    const parameters = keyInfo.algorithm.parameters;
    const curve =
      keyInfo.algorithm.algorithm === ecPublicKey && parameters
        ? curves[bytesToHex(new Uint8Array(parameters))]
        : undefined;
    const own: Parts = {
      tbs: firstElement(firstElementContent(der)),
      issuer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
      subject: new Uint8Array(AsnConvert.serialize(tbs.subject)),
      curve,
      point: new Uint8Array(keyInfo.subjectPublicKey),
      signatureAlgorithm: certificate.signatureAlgorithm.algorithm,
      signature: new Uint8Array(certificate.signatureValue),
    };
    const parsed: ParsedCertificate = {
      der,
      subject: nameText(tbs.subject),
      notBefore: tbs.validity.notBefore.getTime().getTime(),
      notAfter: tbs.validity.notAfter.getTime().getTime(),
      isP256: curve === p256,
      verify: (message, signatureDer) =>
        curve === p256 && verifyEcdsa(p256, own.point, sha256(message), signatureDer),
      isIssuedBy(issuer) {
        const theirs = parts.get(issuer);
        if (theirs?.curve === undefined || !equalBytes(own.issuer, theirs.subject)) return false;
        const hash = signatureHashes[own.signatureAlgorithm as keyof typeof signatureHashes];
        return (
          hash !== undefined &&
          verifyEcdsa(theirs.curve, theirs.point, hash(own.tbs), own.signature)
        );
      },
    };
    parts.set(parsed, own);
    return parsed;
  },
};

function verifyEcdsa(
  curve: Curve,
  point: Uint8Array,
  digest: Uint8Array,
  der: Uint8Array,
): boolean {
  try {
    // Fabric clients may sign with either S, as node:crypto accepts.
    return curve.verify(der, digest, point, { lowS: false, prehash: false, format: 'der' });
  } catch {
    return false;
  }
}

function pemToDer(pem: string): Uint8Array {
  const match =
    /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\r?\n?$/.exec(
      pem.trim() + '\n',
    );
  if (!match?.[1]) throw new Error('not a PEM certificate');
  const binary = atob(match[1].replace(/[\r\n]/g, ''));
  return Uint8Array.from(binary, (character) => character.charCodeAt(0));
}

/** The content of the DER element at the start of `bytes`. */
function firstElementContent(bytes: Uint8Array): Uint8Array {
  const { header, length } = elementSize(bytes);
  return bytes.subarray(header, header + length);
}

/** The whole DER element (tag, length and content) at the start of `bytes`. */
function firstElement(bytes: Uint8Array): Uint8Array {
  const { header, length } = elementSize(bytes);
  return bytes.subarray(0, header + length);
}

function elementSize(bytes: Uint8Array): { header: number; length: number } {
  const first = bytes[1];
  if (first === undefined) throw new Error('truncated DER');
  if (first < 0x80) return { header: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let index = 0; index < count; index++) {
    length = length * 256 + (bytes[2 + index] ?? 0);
  }
  return { header: 2 + count, length };
}

function nameText(name: Name): string {
  return name
    .map((rdn) =>
      rdn
        .map((attribute) => {
          const label = attributeNames[attribute.type] ?? attribute.type;
          return `${label}=${attribute.value.toString()}`;
        })
        .join('+'),
    )
    .join('\n');
}

function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}
