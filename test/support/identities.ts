// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A Fabric-like client identity: an organisation's MSP id and a real EC key and certificate. */
export interface TestIdentity {
  readonly mspId: string;
  readonly privateKey: KeyObject;
  readonly certificate: string;
}

/** An organisation's CA: its root certificate, and members it issues. */
export interface TestAuthority {
  readonly certificate: string;
  issue(mspId: string): Promise<TestIdentity>;
  /** A TLS server certificate naming these addresses (IP or DNS), as an organisation's CA issues one. */
  issueServer(names: readonly string[]): Promise<TestServerCredentials>;
}

/** A TLS server's certificate and its private key, both PEM. */
export interface TestServerCredentials {
  readonly certificate: string;
  readonly privateKey: string;
}

/** Fabric uses P-256; P-384 is there to test that other curves are refused. */
export type Curve = 'P-256' | 'P-384';

/** One key pair twice: node KeyObjects to sign with, and the webcrypto keys @peculiar/x509 wants. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly webKeys: webcrypto.CryptoKeyPair;
}

const curves = {
  'P-256': { nodeName: 'prime256v1', hash: 'SHA-256' },
  'P-384': { nodeName: 'secp384r1', hash: 'SHA-384' },
} as const;

function ecdsa(curve: Curve): webcrypto.EcKeyImportParams & webcrypto.EcdsaParams {
  return { name: 'ECDSA', namedCurve: curve, hash: curves[curve].hash };
}

const validity = {
  notBefore: new Date('2020-01-01T00:00:00Z'),
  notAfter: new Date('2040-01-01T00:00:00Z'),
};

export async function newKeyPair(curve: Curve = 'P-256'): Promise<TestKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: curves[curve].nodeName,
  });
  const webKeys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ format: 'der', type: 'pkcs8' }),
      ecdsa(curve),
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      ecdsa(curve),
      true,
      ['verify'],
    ),
  };
  return { privateKey, publicKey, webKeys };
}

/**
 * A member of `mspId` with a self-signed certificate, as a test that needs no CA uses it. Its
 * organisational unit is its NodeOU role, as an organisation's CA issues it: `client` for a user,
 * `admin` for an administrator.
 */
export async function newIdentity(
  mspId: string,
  commonName = `user1@${mspId}`,
  curve: Curve = 'P-256',
  organizationalUnit = 'client',
): Promise<TestIdentity> {
  const { privateKey, webKeys } = await newKeyPair(curve);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}, OU=${organizationalUnit}, O=${mspId}`,
    ...validity,
    signingAlgorithm: ecdsa(curve),
    keys: webKeys,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { mspId, privateKey, certificate: certificate.toString('pem') };
}

/** An organisation's CA, as cryptogen makes one: a self-signed P-256 root that issues members. */
export async function newAuthority(mspId: string): Promise<TestAuthority> {
  const { webKeys } = await newKeyPair();
  const name = `CN=ca.${mspId}, O=${mspId}`;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name,
    ...validity,
    signingAlgorithm: ecdsa('P-256'),
    keys: webKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  let serial = 1;
  return {
    certificate: root.toString('pem'),
    async issue(memberMspId: string): Promise<TestIdentity> {
      const member = await newKeyPair();
      serial += 1;
      const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: serial.toString(16).padStart(2, '0'),
        subject: `CN=user1@${memberMspId}, O=${memberMspId}`,
        issuer: name,
        ...validity,
        signingAlgorithm: ecdsa('P-256'),
        publicKey: member.webKeys.publicKey,
        signingKey: webKeys.privateKey,
        extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
      });
      return {
        mspId: memberMspId,
        privateKey: member.privateKey,
        certificate: certificate.toString('pem'),
      };
    },
    async issueServer(names: readonly string[]): Promise<TestServerCredentials> {
      const server = await newKeyPair();
      serial += 1;
      const certificate = await x509.X509CertificateGenerator.create({
        serialNumber: serial.toString(16).padStart(2, '0'),
        subject: `CN=${names[0] ?? 'server'}, O=${mspId}`,
        issuer: name,
        ...validity,
        signingAlgorithm: ecdsa('P-256'),
        publicKey: server.webKeys.publicKey,
        signingKey: webKeys.privateKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(
            names.map((value) =>
              /^[\d.]+$/.test(value) ? { type: 'ip', value } : { type: 'dns', value },
            ),
          ),
        ],
      });
      return {
        certificate: certificate.toString('pem'),
        privateKey: server.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      };
    },
  };
}

/** What a client does: an ECDSA / SHA-256 signature, DER, base64. */
export function signPayload(identity: TestIdentity, payload: string): string {
  return sign('sha256', Buffer.from(payload, 'utf8'), identity.privateKey).toString('base64');
}
