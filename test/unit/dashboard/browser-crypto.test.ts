// First: it installs the Reflect metadata API that @peculiar/x509 needs when it loads.
import {
  newAuthority,
  newIdentity,
  signPayload,
  type TestAuthority,
  type TestIdentity,
} from '../../support/identities';
import { p256 } from '@noble/curves/nist';
import { expect } from 'chai';
import {
  canonicalJson,
  certificateFingerprint,
  nodeCrypto,
  sha256Hex,
  verifySignature,
  type CryptoPort,
} from '@corroborate/protocol';
import { browserCrypto } from '../../../gateway/dashboard/src/verify/browser-crypto';
import {
  buildReceipt,
  serializeReceipt,
  verifyReceipt,
  verifyReceiptText,
  type Receipt,
} from '../../../gateway/src/receipt';
import { newFakeLedger, newScenario, type Scenario } from '../receipt/fixture';

// The dashboard verifies receipts in the browser with the CLI's own code and its own crypto:
// every answer the browser's port gives must be the one node:crypto gives.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
type Mutable = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ports: [string, CryptoPort][] = [
  ['node:crypto', nodeCrypto],
  ['browser', browserCrypto],
];

function edited(receipt: Receipt, edit: (copy: Mutable) => void): Mutable {
  const body = JSON.parse(JSON.stringify(receipt)) as Mutable;
  delete body.digest;
  edit(body);
  return { ...body, digest: sha256Hex(canonicalJson(body)) };
}

describe('the browser crypto port', () => {
  let authority: TestAuthority;
  let member: TestIdentity;
  let p384: TestIdentity;
  let scenario: Scenario;
  let receipt: Receipt;

  before(async () => {
    authority = await newAuthority('Org1MSP');
    member = await authority.issue('Org1MSP');
    p384 = await newIdentity('Org2MSP', 'requester', 'P-384');
    scenario = await newScenario();
    receipt = await buildReceipt(newFakeLedger(scenario), 'req-accounts-1', {
      proofs: [{ record: 1, field: 'name' }, { record: 2 }],
    });
  });

  it('parses certificates as node:crypto does: DER, validity and curve', () => {
    for (const pem of [member.certificate, authority.certificate, p384.certificate]) {
      const node = nodeCrypto.parseCertificate(pem);
      const browser = browserCrypto.parseCertificate(pem);
      expect(Buffer.from(browser.der).equals(Buffer.from(node.der))).to.be.true;
      expect(browser).to.include({
        notBefore: node.notBefore,
        notAfter: node.notAfter,
        isP256: node.isP256,
        subject: node.subject,
      });
      expect(certificateFingerprint(pem, browserCrypto)).to.equal(certificateFingerprint(pem));
    }
  });

  it('refuses what is not a PEM certificate', () => {
    for (const text of [
      '',
      'not a certificate',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    ]) {
      expect(() => browserCrypto.parseCertificate(text), text).to.throw();
    }
  });

  it('agrees with node:crypto on good, damaged, foreign and P-384 signatures', () => {
    const payload = canonicalJson({ id: 'order-42', amount: 7 });
    const good = signPayload(member, payload);
    const damaged = Buffer.from(good, 'base64');
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0x01;
    const cases: [string, string, string, boolean][] = [
      ['good', payload, member.certificate, true],
      ['altered payload', `${payload} `, member.certificate, false],
      ['another key', payload, authority.certificate, false],
      ['P-384 key', payload, p384.certificate, false],
    ];
    for (const [what, text, certificate, expected] of cases) {
      for (const [name, port] of ports) {
        expect(verifySignature(text, good, certificate, port), `${what}, ${name}`).to.equal(
          expected,
        );
      }
    }
    for (const [name, port] of ports) {
      expect(verifySignature(payload, damaged.toString('base64'), member.certificate, port), name)
        .to.be.false;
      expect(verifySignature(payload, signPayload(p384, payload), p384.certificate, port), name).to
        .be.false;
    }
  });

  it('accepts a signature in either S form, as node:crypto does', () => {
    const payload = canonicalJson({ id: 'order-42' });
    const signature = Buffer.from(signPayload(member, payload), 'base64');
    const parsed = p256.Signature.fromDER(signature);
    const highS = new p256.Signature(parsed.r, p256.CURVE.n - parsed.s).toDERRawBytes();
    expect(Buffer.from(highS).equals(signature)).to.be.false;
    for (const [name, port] of ports) {
      expect(
        verifySignature(payload, Buffer.from(highS).toString('base64'), member.certificate, port),
        name,
      ).to.be.true;
    }
  });

  it('tells the issuing CA from a stranger and from an impostor of the same name', async () => {
    const stranger = await newAuthority('Org9MSP');
    const impostor = await newAuthority('Org1MSP');
    for (const [name, port] of ports) {
      const certificate = port.parseCertificate(member.certificate);
      expect(certificate.isIssuedBy(port.parseCertificate(authority.certificate)), name).to.be.true;
      expect(certificate.isIssuedBy(port.parseCertificate(stranger.certificate)), name).to.be.false;
      expect(certificate.isIssuedBy(port.parseCertificate(impostor.certificate)), name).to.be.false;
    }
  });

  it('makes the receipt verifier give the same checks as on node:crypto', async () => {
    const stranger = await newAuthority('Org9MSP');
    const other = await scenario.authority.issue('Org1MSP');
    const receipts: [string, unknown][] = [
      ['as built', receipt],
      [
        'another requester certificate',
        edited(receipt, (copy) => {
          copy.block.requesterCertificate = other.certificate;
        }),
      ],
      [
        'a changed signature',
        edited(receipt, (copy) => {
          copy.block.signature = signPayload(other, 'something else');
        }),
      ],
    ];
    for (const [what, input] of receipts) {
      for (const trusted of [undefined, [scenario.authority.certificate], [stranger.certificate]]) {
        const options = trusted ? { trustedCertificates: trusted } : {};
        const node = verifyReceipt(input, options);
        const browser = verifyReceipt(input, { ...options, crypto: browserCrypto });
        const summary = (checks: typeof node.checks) =>
          checks.map((check) => `${check.name}:${String(check.ok)}`);
        expect(summary(browser.checks), what).to.deep.equal(summary(node.checks));
        expect(browser.valid, what).to.equal(node.valid);
      }
    }
    expect(verifyReceiptText(serializeReceipt(receipt), { crypto: browserCrypto }).valid).to.be
      .true;
  });
});
