import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { hasAdminRole } from '../../../chaincode/src/identity';
import { newKeyPair } from '../../support/identities';

/** A self-signed certificate with exactly this subject, given as @peculiar/x509's JSON name. */
async function certificateNamed(name: x509.JsonName): Promise<string> {
  const { webKeys } = await newKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys: webKeys,
  });
  return certificate.toString('pem');
}

describe("the caller's admin role", () => {
  it('is held by a certificate with the OU admin, as cryptogen and Fabric CA issue it to admins', async () => {
    const cryptogen = await certificateNamed([
      { C: ['US'] },
      { OU: ['admin'] },
      { CN: ['Admin@org1.example.com'] },
    ]);
    const fabricCa = await certificateNamed([{ OU: ['org1'] }, { OU: ['admin'] }, { CN: ['a'] }]);
    const multiValued = await certificateNamed([{ OU: ['admin', 'org1'] }, { CN: ['a'] }]);

    expect([cryptogen, fabricCa, multiValued].map(hasAdminRole)).to.deep.equal([true, true, true]);
  });

  it('is not held by a client, a peer, or a certificate without an OU', async () => {
    const names: x509.JsonName[] = [
      [{ OU: ['client'] }, { CN: ['User1@org1.example.com'] }],
      [{ OU: ['peer'] }, { CN: ['peer0.org1.example.com'] }],
      [{ CN: ['Admin@org1.example.com'] }, { O: ['admin'] }],
      [{ OU: ['Admin'] }, { CN: ['a'] }],
    ];

    const roles = await Promise.all(
      names.map(async (name) => hasAdminRole(await certificateNamed(name))),
    );

    expect(roles).to.deep.equal([false, false, false, false]);
  });

  it('is not read from another attribute that spells OU=admin inside its value', async () => {
    const names: x509.JsonName[] = [
      [{ CN: ['x\nOU=admin'] }, { OU: ['client'] }],
      [{ CN: ['x + OU=admin'] }, { OU: ['client'] }],
      [{ OU: ['admin+x'] }],
      [{ OU: ['client\nOU=admin'] }],
    ];

    const roles = await Promise.all(
      names.map(async (name) => hasAdminRole(await certificateNamed(name))),
    );

    expect(roles).to.deep.equal([false, false, false, false]);
  });

  it('is not held by what is no certificate', () => {
    expect(hasAdminRole('not a certificate')).to.be.false;
  });
});
