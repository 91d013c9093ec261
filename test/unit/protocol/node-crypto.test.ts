import { nodeCrypto } from '@corroborate/protocol';
import { expect } from 'chai';
import { parsedCertificatesKept } from '../../../chaincode/protocol/src/node-crypto';
import { newIdentity, type TestIdentity } from '../../support/identities';

describe('certificates on node:crypto', () => {
  let org1: TestIdentity;
  let org2: TestIdentity;

  before(async () => {
    org1 = await newIdentity('Org1MSP');
    org2 = await newIdentity('Org2MSP');
  });

  it('parses each certificate text once and shares the result, which the same text always gives', () => {
    const first = nodeCrypto.parseCertificate(org1.certificate);
    const again = nodeCrypto.parseCertificate(org1.certificate);
    const other = nodeCrypto.parseCertificate(org2.certificate);

    expect(again).to.equal(first);
    expect(other).not.to.equal(first);
    expect(other.subject).not.to.equal(first.subject);
  });

  it('keeps the most recently used certificates only, and parses a forgotten one afresh', () => {
    const kept = nodeCrypto.parseCertificate(org1.certificate);
    const forgotten = nodeCrypto.parseCertificate(org2.certificate);
    // Text that parses to the same certificate but is a different key: trailing blank lines.
    for (let index = 1; index <= parsedCertificatesKept; index++) {
      nodeCrypto.parseCertificate(org1.certificate);
      nodeCrypto.parseCertificate(`${org2.certificate.trimEnd()}${'\n'.repeat(index)}`);
    }

    expect(nodeCrypto.parseCertificate(org1.certificate)).to.equal(kept);
    const reparsed = nodeCrypto.parseCertificate(org2.certificate);
    expect(reparsed).not.to.equal(forgotten);
    expect(reparsed.der).to.deep.equal(forgotten.der);
  });

  it('keeps no failed parse: a malformed text is refused every time', () => {
    expect(() => nodeCrypto.parseCertificate('not a certificate')).to.throw();
    expect(() => nodeCrypto.parseCertificate('not a certificate')).to.throw();
  });
});
