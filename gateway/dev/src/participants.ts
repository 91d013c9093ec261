import {
  classify,
  loadConnectionProfile,
  newAdminLedger,
  newGatewayClient,
  openFabricConnection,
  type ProposalView,
} from '@corroborate/gateway';
import type { LocalNetwork } from './demo';

/** What initialising a consortium's participant set needs of each member: its gateway and key. */
export interface GovernedMember {
  readonly mspId: string;
  readonly gatewayUrl: string;
  readonly apiKey: string;
}

/**
 * Initialises the participant set with every member, as a consortium does: each member's admin
 * posts the same list through its own gateway (which submits with the member's Fabric admin
 * identity) until a strict majority of them has, and the set is applied. A set initialised
 * earlier is left as it is; so is an approval a member gave before (a run cut short and started
 * again). Answers whether this call applied the set.
 */
export async function initialiseParticipants(
  members: readonly GovernedMember[],
  quorumRatio = '0.5',
  fetchOptions: { readonly timeoutMs?: number } = {},
): Promise<boolean> {
  const participants = members.map((member) => member.mspId);
  for (const member of members) {
    const client = newGatewayClient({
      url: member.gatewayUrl,
      apiKey: member.apiKey,
      timeoutMs: fetchOptions.timeoutMs ?? 120_000,
    });
    const answer = await client.send('POST', '/v1/admin/participants', {
      body: { participants, quorumRatio },
    });
    const code = (answer.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (code === 'ALREADY_INITIALISED') return false;
    if (code === 'DUPLICATE_APPROVAL') continue;
    if (answer.status !== 200) {
      throw new Error(
        `initialising the participant set through ${member.mspId}'s gateway: ${answer.status} ${answer.text}`,
      );
    }
    if ((answer.body as ProposalView).status === 'applied') return true;
  }
  throw new Error('the participant set was not initialised: fewer than a majority approved');
}

/**
 * The same, straight through the contract with each organisation's admin identity from the
 * connection profiles `network up` wrote: for a harness that runs fewer gateways than a majority.
 */
export async function initialiseNetworkParticipants(
  network: LocalNetwork,
  quorumRatio = '0.5',
): Promise<boolean> {
  const participants = network.orgs.map((org) => org.mspId);
  for (const org of network.orgs) {
    const connection = await openFabricConnection(await loadConnectionProfile(org.profile), {
      withAdmin: true,
    });
    try {
      const ledger = newAdminLedger(connection);
      if (!ledger) throw new Error(`the connection profile ${org.profile} names no admin identity`);
      const proposal = await ledger.initParticipants(participants, quorumRatio);
      if (proposal.status === 'applied') return true;
    } catch (error) {
      const { code } = classify(error);
      if (code === 'ALREADY_INITIALISED') return false;
      if (code !== 'DUPLICATE_APPROVAL') throw error;
    } finally {
      connection.close();
    }
  }
  throw new Error('the participant set was not initialised: fewer than a majority approved');
}
