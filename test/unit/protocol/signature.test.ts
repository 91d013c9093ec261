// First: it installs the Reflect metadata API that @peculiar/x509 needs when it loads.
import { newIdentity, signPayload, type TestIdentity } from '../../support/identities';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { createHash, verify, X509Certificate } from 'node:crypto';
import {
  certificateFingerprint,
  firstBlockSigningPayload,
  RuleError,
  verifySignature,
} from '@corroborate/protocol';
import type { CryptoPort, FirstBlockContent } from '@corroborate/protocol';

// Order of the P-256 group, to turn a signature into its high-S twin.
const p256Order = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

// DER ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, short-form lengths (P-256 only).
function toHighS(signatureBase64: string): string {
  const der = Buffer.from(signatureBase64, 'base64');
  const rLength = der[3] as number;
  const r = der.subarray(4, 4 + rLength);
  const sLength = der[5 + rLength] as number;
  const s = BigInt(`0x${der.subarray(6 + rLength, 6 + rLength + sLength).toString('hex')}`);
  const flipped = p256Order - s;
  let sHex = flipped.toString(16);
  sHex = sHex.length % 2 === 1 ? `0${sHex}` : sHex;
  if (parseInt(sHex.slice(0, 2), 16) >= 0x80) {
    sHex = `00${sHex}`;
  }
  const sBytes = Buffer.from(sHex, 'hex');
  const body = Buffer.concat([
    Buffer.from([0x02, r.length]),
    r,
    Buffer.from([0x02, sBytes.length]),
    sBytes,
  ]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}

const content = {
  id: 'order-42',
  scheme: 'corroborate-v1',
  mode: 'parallel',
  hashOnly: true,
  deadline: '2030-01-01T00:00:00Z',
  requester: { mspId: 'Org1MSP', certFingerprint: '0'.repeat(64) },
  interface: { sourceId: 'orders', connector: 'postgres' },
  records: [],
  batchRoot: '0'.repeat(64),
} as unknown as FirstBlockContent;

describe('signatures', () => {
  let requester: TestIdentity;
  let other: TestIdentity;
  let p384: TestIdentity;

  before(async () => {
    [requester, other, p384] = await Promise.all([
      newIdentity('Org1', 'requester'),
      newIdentity('Org1', 'requester'),
      newIdentity('Org1', 'requester', 'P-384'),
    ]);
  });

  it('verifies an ECDSA P-256 signature over the payload with the certificate key', () => {
    const payload = firstBlockSigningPayload(content);
    expect(verifySignature(payload, signPayload(requester, payload), requester.certificate)).to.be
      .true;
  });

  it('accepts a signature in either S form (low-S and high-S)', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    const highS = toHighS(signature);
    expect(highS).not.to.equal(signature);
    expect(verifySignature(payload, highS, requester.certificate)).to.be.true;
  });

  it('fails an altered payload, a signature by another key and a damaged signature', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    const altered = firstBlockSigningPayload({ ...content, id: 'order-43' });
    expect(verifySignature(altered, signature, requester.certificate)).to.be.false;
    expect(verifySignature(payload, signature, other.certificate)).to.be.false;
    const bytes = Buffer.from(signature, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x01;
    expect(verifySignature(payload, bytes.toString('base64'), requester.certificate)).to.be.false;
  });

  it('returns false rather than throwing for malformed input', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    expect(verifySignature(payload, 'not base64!', requester.certificate)).to.be.false;
    expect(verifySignature(payload, '', requester.certificate)).to.be.false;
    expect(verifySignature(payload, signature, 'not a certificate')).to.be.false;
    expect(() => certificateFingerprint('not a certificate')).to.throw(
      RuleError,
      'INVALID_ARGUMENT: certificate: not a PEM X.509 certificate',
    );
  });

  it('verifies signatures of every base64 length: no padding, one and two padding characters', () => {
    const payload = firstBlockSigningPayload(content);
    // DER signatures are 70 to 72 bytes (69 at times): written in base64 they end in '==', '='
    // or no padding at all. ECDSA's random nonce gives each within a few tries.
    const byPadding = new Map<number, string>();
    for (let attempt = 0; attempt < 2000 && byPadding.size < 3; attempt++) {
      const signature = signPayload(requester, payload);
      byPadding.set(/=*$/.exec(signature)?.[0].length ?? 0, signature);
    }
    expect([...byPadding.keys()].sort()).to.deep.equal([0, 1, 2]);
    for (const [padding, signature] of byPadding) {
      expect(verifySignature(payload, signature, requester.certificate), `${padding} '='`).to.be
        .true;
    }
  });

  it('takes the payload, signature and certificate as text only, whatever Buffer would accept', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    const asAny = (value: unknown) => value as string;
    // Each of these decodes to the same bytes, and would verify, were it not refused for its type.
    expect(verifySignature(asAny(Buffer.from(payload)), signature, requester.certificate)).to.be
      .false;
    expect(verifySignature(payload, asAny(new String(signature)), requester.certificate)).to.be
      .false;
    expect(verifySignature(payload, signature, asAny(Buffer.from(requester.certificate)))).to.be
      .false;
    expect(() => certificateFingerprint(asAny(Buffer.from(requester.certificate)))).to.throw(
      RuleError,
      'INVALID_ARGUMENT: certificate: not a PEM X.509 certificate',
    );
  });

  it('returns false when the certificate check itself throws', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    const throwing: CryptoPort = {
      parseCertificate: () => ({
        der: new Uint8Array(),
        subject: 'CN=broken',
        notBefore: 0,
        notAfter: 0,
        isP256: true,
        verify: () => {
          throw new Error('broken key');
        },
        isIssuedBy: () => false,
      }),
    };
    expect(verifySignature(payload, signature, requester.certificate, throwing)).to.be.false;
  });

  it('refuses a signature that is valid for its P-384 certificate, because the curve is not P-256', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(p384, payload);
    // The signature is good for that key: only the curve can make verifySignature refuse it.
    const publicKey = new X509Certificate(p384.certificate).publicKey;
    expect(verify('sha256', Buffer.from(payload), publicKey, Buffer.from(signature, 'base64'))).to
      .be.true;
    expect(verifySignature(payload, signature, p384.certificate)).to.be.false;
  });

  it('refuses a good signature in any but strict base64, which Buffer would still decode', () => {
    const payload = firstBlockSigningPayload(content);
    const signature = signPayload(requester, payload);
    const unpadded = signature.replace(/=+$/, '');
    const urlSafe = signature.replace(/\+/g, '-').replace(/\//g, '_');
    const variants = [`${signature.slice(0, 8)}\n${signature.slice(8)}`, ` ${signature}`, urlSafe];
    if (unpadded !== signature) variants.push(unpadded);
    for (const variant of variants) {
      if (variant === signature) continue;
      expect(Buffer.from(variant, 'base64').equals(Buffer.from(signature, 'base64'))).to.be.true;
      expect(verifySignature(payload, variant, requester.certificate), variant).to.be.false;
    }
  });

  it('signs the canonical JSON of the content, independent of key order', () => {
    const reordered = Object.fromEntries(
      Object.entries(content).reverse(),
    ) as unknown as FirstBlockContent;
    expect(firstBlockSigningPayload(reordered)).to.equal(firstBlockSigningPayload(content));
    expect(firstBlockSigningPayload(content).startsWith('{"batchRoot":')).to.be.true;
  });

  it('fingerprints a certificate as SHA-256 of its DER encoding', () => {
    const der = new x509.X509Certificate(requester.certificate).rawData;
    const expected = createHash('sha256').update(Buffer.from(der)).digest('hex');
    expect(certificateFingerprint(requester.certificate)).to.equal(expected);
    expect(certificateFingerprint(other.certificate)).not.to.equal(expected);
  });

  it('refuses to fingerprint something that is not a certificate', () => {
    expect(() =>
      certificateFingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    ).to.throw(RuleError, /^INVALID_ARGUMENT: certificate: /);
  });
});
