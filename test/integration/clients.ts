import * as grpc from '@grpc/grpc-js';
import {
  connect,
  signers,
  type Contract,
  type Gateway,
  type Identity,
} from '@hyperledger/fabric-gateway';
import { execFile } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OrgProfile, TestNetwork } from './network';

const execFileAsync = promisify(execFile);

/** An org user's Fabric identity, read from its connection profile. */
export interface OrgUser {
  readonly mspId: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

export function loadOrgUser(profile: OrgProfile): OrgUser {
  return {
    mspId: profile.mspId,
    certificatePem: readFileSync(profile.certPath, 'utf8'),
    privateKey: createPrivateKey(readFileSync(profile.keyPath)),
  };
}

/** An org's admin (certificate OU admin), the identity governance needs. */
export function loadOrgAdmin(profile: OrgProfile): OrgUser {
  return {
    mspId: profile.mspId,
    certificatePem: readFileSync(profile.adminCertPath, 'utf8'),
    privateKey: createPrivateKey(readFileSync(profile.adminKeyPath)),
  };
}

/** A Fabric Gateway client connected to one org's peer. */
export interface GatewayClient {
  readonly contract: Contract;
  readonly gateway: Gateway;
  close(): void;
}

/**
 * Connects to `peer` (its profile gives the endpoint and TLS root) as `user`. The user is
 * usually the peer's own org, but need not be: a client may reach the network through any peer.
 */
export function newGatewayClient(
  peer: OrgProfile,
  user: { readonly mspId: string; readonly certificatePem: string; readonly privateKey: KeyObject },
): GatewayClient {
  const client = new grpc.Client(
    peer.peerEndpoint,
    grpc.credentials.createSsl(readFileSync(peer.tlsRootCertPath)),
    { 'grpc.ssl_target_name_override': peer.peerHostAlias },
  );
  const identity: Identity = {
    mspId: user.mspId,
    credentials: new TextEncoder().encode(user.certificatePem),
  };
  const gateway = connect({
    client,
    identity,
    signer: signers.newPrivateKeySigner(user.privateKey),
    evaluateOptions: () => ({ deadline: Date.now() + 30_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 60_000 }),
    submitOptions: () => ({ deadline: Date.now() + 30_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return {
    gateway,
    contract: gateway.getNetwork(peer.channel).getContract(peer.chaincode),
    close() {
      gateway.close();
      client.close();
    },
  };
}

/**
 * The stable code at the start of a chaincode error (`CODE: text`). The Gateway wraps it: the
 * peers' messages are in `details`, each as `chaincode response 500, CODE: text`.
 */
export function chaincodeErrorCode(error: unknown): string | undefined {
  for (const message of errorMessages(error)) {
    const match = /(?:^|, |message:\\?"?)([A-Z][A-Z_]{2,}): /.exec(message);
    if (match?.[1]) {
      return match[1];
    }
  }
  return undefined;
}

/** The error's message and every peer's message attached to it by the Gateway. */
export function errorMessages(error: unknown): string[] {
  if (!(error instanceof Error)) {
    return [String(error)];
  }
  const details = (error as { details?: readonly { message: string }[] }).details ?? [];
  return [...details.map((detail) => detail.message), error.message];
}

/**
 * Rethrows a failed call with every peer's message in its own message, so that a failure the
 * test did not expect says why without a debugger.
 */
export async function explained<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw new Error(errorMessages(error).join('\n'), { cause: error });
  }
}

export type PeerCliResult = { ok: true; stdout: string } | { ok: false; output: string };

/** Who the `peer` CLI signs as: the org's user (User1) or its admin. */
export type CliIdentity = 'user' | 'admin';

/** Runs Fabric's `peer` CLI as an org's user (User1) or admin against that org's peer. */
export class PeerCli {
  readonly #network: TestNetwork;

  constructor(network: TestNetwork) {
    this.#network = network;
  }

  /** `peer chaincode query` on the org's own peer; prints the transaction's result. */
  async query(
    org: string,
    args: readonly string[],
    as: CliIdentity = 'user',
  ): Promise<PeerCliResult> {
    const { channel, chaincode } = this.#network.profile;
    return this.#run(org, as, [
      'chaincode',
      'query',
      '-C',
      channel,
      '-n',
      chaincode,
      '-c',
      JSON.stringify({ Args: args }),
    ]);
  }

  /**
   * `peer chaincode invoke`, endorsed by every org's peer (more than the majority policy needs)
   * and waiting until the transaction commits.
   */
  async invoke(
    org: string,
    args: readonly string[],
    as: CliIdentity = 'user',
  ): Promise<PeerCliResult> {
    const { channel, chaincode, orderer, orgs } = this.#network.profile;
    const ordererNode = orderer.nodes[0];
    if (!ordererNode) {
      throw new Error('the network has no orderer');
    }
    const endorsers = orgs.flatMap((entry) => [
      '--peerAddresses',
      entry.peerEndpoint,
      '--tlsRootCertFiles',
      entry.tlsCaCertPath,
    ]);
    return this.#run(org, as, [
      'chaincode',
      'invoke',
      '-o',
      ordererNode.endpoint,
      '--tls',
      '--cafile',
      orderer.tlsCaCertPath,
      '-C',
      channel,
      '-n',
      chaincode,
      '-c',
      JSON.stringify({ Args: args }),
      ...endorsers,
      '--waitForEvent',
    ]);
  }

  async #run(org: string, as: CliIdentity, args: readonly string[]): Promise<PeerCliResult> {
    const entry = this.#network.profile.orgs.find((candidate) => candidate.org === org);
    if (!entry) {
      throw new Error(`the network has no ${org}`);
    }
    const env = {
      ...process.env,
      FABRIC_CFG_PATH: join(this.#network.profile.stateDir, 'config'),
      FABRIC_LOGGING_SPEC: 'warning',
      CORE_PEER_TLS_ENABLED: 'true',
      CORE_PEER_LOCALMSPID: entry.mspId,
      CORE_PEER_MSPCONFIGPATH: as === 'admin' ? entry.adminMspPath : entry.userMspPath,
      CORE_PEER_TLS_ROOTCERT_FILE: entry.tlsCaCertPath,
      CORE_PEER_ADDRESS: entry.peerEndpoint,
    };
    try {
      const { stdout } = await execFileAsync(join(this.#network.fabricBinDir, 'peer'), args, {
        env,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { ok: true, stdout };
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
    }
  }
}
