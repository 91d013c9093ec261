import * as grpc from '@grpc/grpc-js';
import { hash, signers } from '@hyperledger/fabric-gateway';
import { common, gateway as gatewayProtos, peer } from '@hyperledger/fabric-protos';
import { TIME_WINDOW_SECONDS } from '@corroborate/protocol';
import * as chai from 'chai';
import { readFileSync } from 'node:fs';
import { Timestamp } from 'google-protobuf/google/protobuf/timestamp_pb';
import { loadOrgUser, newGatewayClient, type GatewayClient, type OrgUser } from './clients';
import { ensureNetwork, releaseNetwork, type OrgProfile, type TestNetwork } from './network';

const { expect } = chai;

/** A whole number of seconds as Go's time.Duration prints it: 45s, 1m0s, 1m30s. */
function goDuration(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** What one peer's endorser answered a signed proposal: its response, or the gRPC refusal. */
type Answer = { status: number } | { refused: string };

/**
 * Every peer refuses a proposal whose timestamp lies outside the network's time window of its own
 * clock (Fabric's TimeWindowCheck, `peer.authentication.timewindow`, which the network sets from
 * TIME_WINDOW_SECONDS): the contract's only clock is trustworthy to within that window. The
 * proposals are built by hand, as a client that forges its time would: fabric-gateway's own
 * proposal with the channel header's timestamp moved, then signed by a real identity of the
 * channel and sent to each peer's endorser directly.
 */
describe('the time window on the network', function () {
  let network: TestNetwork | undefined;
  let gateway: GatewayClient;
  let user: OrgUser;
  const peers = new Map<string, grpc.Client>();

  before(function () {
    this.timeout(30 * 60_000);
    network = ensureNetwork();
    const org1 = network.org('org1');
    user = loadOrgUser(org1);
    gateway = newGatewayClient(org1, user);
    for (const entry of network.profile.orgs) {
      const profile: OrgProfile = network.org(entry.org);
      peers.set(
        entry.org,
        new grpc.Client(
          profile.peerEndpoint,
          grpc.credentials.createSsl(readFileSync(profile.tlsRootCertPath)),
          { 'grpc.ssl_target_name_override': profile.peerHostAlias },
        ),
      );
    }
  });

  after(function () {
    this.timeout(120_000);
    for (const client of peers.values()) {
      client.close();
    }
    gateway.close();
    releaseNetwork(network);
  });

  /**
   * A query of the contract's metadata, dated `offsetSeconds` from now and signed by Org1's user:
   * the bytes of its SignedProposal.
   */
  async function proposalDated(offsetSeconds: number): Promise<Uint8Array> {
    // fabric-gateway's proposal, unsigned: the Gateway service's ProposedTransaction around it.
    const proposed = gatewayProtos.ProposedTransaction.deserializeBinary(
      gateway.contract.newProposal('org.hyperledger.fabric:GetMetadata').getBytes(),
    );
    const proposal = peer.Proposal.deserializeBinary(
      proposed.getProposal()?.getProposalBytes_asU8() ?? new Uint8Array(),
    );
    const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
    const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    const timestamp = new Timestamp()
      .setSeconds(Math.floor(Date.now() / 1000) + offsetSeconds)
      .setNanos(0);
    channelHeader.setTimestamp(timestamp);
    header.setChannelHeader(channelHeader.serializeBinary());
    proposal.setHeader(header.serializeBinary());
    const bytes = proposal.serializeBinary();
    const signed = new peer.SignedProposal();
    signed.setProposalBytes(bytes);
    signed.setSignature(await signers.newPrivateKeySigner(user.privateKey)(hash.sha256(bytes)));
    return signed.serializeBinary();
  }

  /**
   * Sends the bytes to the peer's Endorser service as they are: a raw unary call, so that no
   * generated client re-encodes (or second-guesses) the message.
   */
  function endorse(org: string, signed: Uint8Array): Promise<Answer> {
    const client = peers.get(org);
    if (!client) throw new Error(`no endorser client for ${org}`);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        '/protos.Endorser/ProcessProposal',
        (bytes: Uint8Array) => Buffer.from(bytes),
        (buffer: Buffer) => peer.ProposalResponse.deserializeBinary(buffer),
        signed,
        { deadline: Date.now() + 30_000 },
        (error, response) => {
          resolve(
            error
              ? { refused: error.details || error.message }
              : { status: response?.getResponse()?.getStatus() ?? 0 },
          );
        },
      );
    });
  }

  async function endorseEverywhere(signed: Uint8Array): Promise<Map<string, Answer>> {
    const answers = new Map<string, Answer>();
    for (const org of peers.keys()) {
      answers.set(org, await endorse(org, signed));
    }
    return answers;
  }

  it('lets every peer endorse the hand-built proposal dated now', async function () {
    const answers = await endorseEverywhere(await proposalDated(0));

    expect([...answers.values()]).to.deep.equal([...peers.keys()].map(() => ({ status: 200 })));
  });

  for (const [title, offsetSeconds] of [
    ['10 minutes in the past', -600],
    ['10 minutes in the future', 600],
  ] as const) {
    it(`has every peer refuse a proposal dated ${title}`, async function () {
      const answers = await endorseEverywhere(await proposalDated(offsetSeconds));

      expect(answers.size).to.equal(network?.profile.orgs.length);
      for (const [org, answer] of answers) {
        expect(answer, org).to.have.property('refused');
        expect((answer as { refused: string }).refused, org).to.match(
          /request unauthorized due to incorrect timestamp/,
        );
        // The window the contract's time rules allow for, as Go prints a duration.
        expect((answer as { refused: string }).refused, org).to.include(
          `peer.authentication.timewindow ${goDuration(TIME_WINDOW_SECONDS)}`,
        );
      }
    });
  }
});
