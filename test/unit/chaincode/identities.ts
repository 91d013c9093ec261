import './quiet-fabric-logs';
// @peculiar/x509 needs the Reflect metadata polyfill, which fabric-contract-api installs.
import 'fabric-contract-api';
import * as x509 from '@peculiar/x509';
import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync, sign, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

/** A Fabric-like client identity: an organisation's MSP id and a real P-256 key and certificate. */
export interface TestIdentity {
  readonly mspId: string;
  readonly privateKey: KeyObject;
  readonly certificate: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function newIdentity(
  mspId: string,
  commonName = `user1@${mspId}`,
): Promise<TestIdentity> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      ecdsa,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      ecdsa,
      true,
      ['verify'],
    ),
  };
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}, O=${mspId}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    signingAlgorithm: ecdsa,
    keys,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { mspId, privateKey, certificate: certificate.toString('pem') };
}

/** What a client does: an ECDSA P-256 / SHA-256 signature, DER, base64. */
export function signPayload(identity: TestIdentity, payload: string): string {
  return sign('sha256', Buffer.from(payload, 'utf8'), identity.privateKey).toString('base64');
}
