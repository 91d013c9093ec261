import * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  type Gateway,
  type Identity,
  type Signer,
} from '@hyperledger/fabric-gateway';
import { p256 } from '@noble/curves/p256';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** What a member's client needs to reach its peer, as written by `network up` per organisation. */
export interface ConnectionProfile {
  readonly org: string;
  readonly mspId: string;
  readonly peerEndpoint: string;
  readonly peerHostAlias: string;
  readonly tlsRootCertPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  /**
   * The organisation's admin identity (certificate OU `admin`), which the gateway's admin routes
   * submit governance with. Optional: without it those routes submit with the identity above,
   * and the contract refuses them (`NOT_AN_ADMIN`).
   */
  readonly adminCertPath?: string;
  readonly adminKeyPath?: string;
  readonly channel: string;
  readonly chaincode: string;
}

/** A member's Fabric identity: its certificate and its private key. */
export interface MemberIdentity {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

export async function loadConnectionProfile(path: string): Promise<ConnectionProfile> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ConnectionProfile>;
  const required = [
    'org',
    'mspId',
    'peerEndpoint',
    'peerHostAlias',
    'tlsRootCertPath',
    'certPath',
    'keyPath',
    'channel',
    'chaincode',
  ] as const;
  const missing = required.filter((field) => typeof parsed[field] !== 'string');
  if (missing.length > 0) {
    throw new Error(`connection profile ${path} lacks ${missing.join(', ')}`);
  }
  const admin = (['adminCertPath', 'adminKeyPath'] as const).filter(
    (field) => parsed[field] !== undefined,
  );
  if (admin.some((field) => typeof parsed[field] !== 'string') || admin.length === 1) {
    throw new Error(
      `connection profile ${path}: adminCertPath and adminKeyPath are file paths, both or neither`,
    );
  }
  return parsed as ConnectionProfile;
}

/** The member's client identity (`certPath`, `keyPath`), or its admin identity. */
export async function loadMemberIdentity(
  profile: ConnectionProfile,
  role: 'client' | 'admin' = 'client',
): Promise<MemberIdentity> {
  const certPath = role === 'admin' ? profile.adminCertPath : profile.certPath;
  const keyPath = role === 'admin' ? profile.adminKeyPath : profile.keyPath;
  if (certPath === undefined || keyPath === undefined) {
    throw new Error(`the connection profile of ${profile.mspId} names no ${role} identity`);
  }
  const [certificatePem, keyPem] = await Promise.all([
    readFile(certPath, 'utf8'),
    readFile(keyPath, 'utf8'),
  ]);
  return { mspId: profile.mspId, certificatePem, privateKey: createPrivateKey(keyPem) };
}

export async function newGrpcClient(profile: ConnectionProfile): Promise<grpc.Client> {
  const tlsRootCert = await readFile(profile.tlsRootCertPath);
  const credentials = grpc.credentials.createSsl(tlsRootCert);
  return new grpc.Client(profile.peerEndpoint, credentials, {
    'grpc.ssl_target_name_override': profile.peerHostAlias,
    'grpc.keepalive_time_ms': 120_000,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.max_send_message_length': 100 * 1024 * 1024,
  });
}

/**
 * A signer built on node:crypto. The Gateway is connected with `hash.none`, so the signer gets
 * the whole message and OpenSSL hashes and signs it in one native call — much cheaper than the
 * pure-JS signer. Fabric refuses high-S ECDSA signatures, so S is normalised to the low half.
 */
export function newNodeCryptoSigner(privateKey: KeyObject): Signer {
  return (message: Uint8Array): Promise<Uint8Array> => {
    const der = sign('sha256', message, privateKey);
    return Promise.resolve(p256.Signature.fromDER(der).normalizeS().toDERRawBytes());
  };
}

/** A Gateway that signs as one of the member's identities. */
export interface SigningGateway {
  readonly gateway: Gateway;
  readonly identity: MemberIdentity;
}

export interface FabricConnection {
  readonly gateway: Gateway;
  readonly client: grpc.Client;
  readonly identity: MemberIdentity;
  readonly profile: ConnectionProfile;
  /** The same connection signing as the member's admin, when its profile names one. */
  readonly admin?: SigningGateway;
  close(): void;
}

/**
 * Opens one gRPC connection to the member's peer and a Gateway over it, shared by all callers.
 * With `withAdmin` and an admin identity in the profile, a second Gateway over the same
 * connection signs as the admin; without `withAdmin` the admin's key is never read.
 */
export async function openFabricConnection(
  profile: ConnectionProfile,
  options: Readonly<{ withAdmin?: boolean }> = {},
): Promise<FabricConnection> {
  const withAdmin = options.withAdmin === true && profile.adminCertPath !== undefined;
  const [identity, adminIdentity, client] = await Promise.all([
    loadMemberIdentity(profile),
    withAdmin ? loadMemberIdentity(profile, 'admin') : undefined,
    newGrpcClient(profile),
  ]);
  const gateway = connectAs(client, identity);
  const admin = adminIdentity && {
    gateway: connectAs(client, adminIdentity),
    identity: adminIdentity,
  };
  return {
    gateway,
    client,
    identity,
    profile,
    ...(admin ? { admin } : {}),
    close: () => {
      gateway.close();
      admin?.gateway.close();
      client.close();
    },
  };
}

function connectAs(client: grpc.Client, identity: MemberIdentity): Gateway {
  const fabricIdentity: Identity = {
    mspId: identity.mspId,
    credentials: new TextEncoder().encode(identity.certificatePem),
  };
  return connect({
    client,
    identity: fabricIdentity,
    signer: newNodeCryptoSigner(identity.privateKey),
    hash: hash.none,
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
}
