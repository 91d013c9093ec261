import {
  batchRoot,
  canonicalJson,
  canonicalRecord,
  certificateFingerprint,
  firstBlockSigningPayload,
  hashRecord,
  verdictSigningPayload,
  type FirstBlockContent,
  type StoredFirstBlock,
  type VerdictBody,
  type Mode,
  type OutcomeView,
  type ParticipantSet,
  type Proposal,
} from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { randomBytes, sign } from 'node:crypto';
import {
  chaincodeErrorCode,
  explained,
  loadOrgAdmin,
  loadOrgUser,
  newGatewayClient,
  type GatewayClient,
  type OrgUser,
} from './clients';
import { ensureNetwork, releaseNetwork, type TestNetwork } from './network';

chai.use(chaiAsPromised);
const { expect } = chai;

const utf8 = new TextDecoder();
const orgs = ['org1', 'org2', 'org3'] as const;
type Org = (typeof orgs)[number];

// The set contract.test.ts initialises and the end-to-end suite, which runs next on the same
// network, counts on: whatever this file changes, it puts back.
const consortium = ['Org1MSP', 'Org2MSP', 'Org3MSP'];
const consortiumRatio = '0.5';

function parse<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}

function uniqueId(purpose: string): string {
  return `lc-${purpose}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A one-record first block requested by `requester`, signed as a client does. */
function newFirstBlock(
  id: string,
  requester: OrgUser,
  mode: Mode,
): { content: FirstBlockContent; signature: string } {
  const data = canonicalRecord({ id: 7, name: 'Grace Hopper', balance: '0.10' });
  const hashes = hashRecord(data);
  const content: FirstBlockContent = {
    id,
    scheme: 'corroborate-v1',
    mode,
    hashOnly: false,
    deadline: new Date(Date.now() + 15 * 60_000).toISOString(),
    requester: {
      mspId: requester.mspId,
      certFingerprint: certificateFingerprint(requester.certificatePem),
    },
    interface: { sourceId: 'customers', connector: 'sqlite' },
    records: [
      {
        read: {
          kind: 'sql',
          table: 'customers',
          key: { id: 7 },
          columns: ['balance', 'id', 'name'],
        },
        recordHash: hashes.recordHash,
        fieldHashes: hashes.fieldHashes,
        data,
      },
    ],
    batchRoot: batchRoot([hashes.recordHash]),
  };
  const signature = sign('sha256', Buffer.from(firstBlockSigningPayload(content), 'utf8'), {
    key: requester.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
  return { content, signature };
}

function validVerdict(content: FirstBlockContent): VerdictBody {
  return { result: 'valid', observedHash: content.batchRoot, reason: 'OK', attempts: 1 };
}

function invalidVerdict(): VerdictBody {
  return {
    result: 'invalid',
    observedHash: '',
    reason: 'RECORD_NOT_FOUND',
    attempts: 3,
    failedRecords: [0],
  };
}

describe('the lifecycle on the network: governance, rejection and relay order', function () {
  let network: TestNetwork | undefined;
  const users = new Map<Org, OrgUser>();
  const clients = new Map<Org, GatewayClient>();
  // Governance is for each org's admin: a second client per org, signing as its admin.
  const adminClients = new Map<Org, GatewayClient>();

  function user(org: Org): OrgUser {
    const found = users.get(org);
    if (!found) throw new Error(`no user for ${org}`);
    return found;
  }

  function client(org: Org): GatewayClient {
    const found = clients.get(org);
    if (!found) throw new Error(`no gateway client for ${org}`);
    return found;
  }

  function admin(org: Org): GatewayClient {
    const found = adminClients.get(org);
    if (!found) throw new Error(`no admin client for ${org}`);
    return found;
  }

  /** RecordVerdict's argument as `org`'s worker makes it: signed over the stored block. */
  async function signedVerdict(org: Org, id: string, body: VerdictBody): Promise<string> {
    const { block } = await evaluate<{ block: StoredFirstBlock }>(org, 'GetFirstBlock', id);
    const signer = user(org);
    const payload = verdictSigningPayload(
      {
        blockId: id,
        contentHash: block.contentHash,
        participants: block.participants,
        quorumRatio: block.quorumRatio,
        participant: signer.mspId,
      },
      body,
    );
    const signature = sign('sha256', Buffer.from(payload, 'utf8'), {
      key: signer.privateKey,
      dsaEncoding: 'der',
    }).toString('base64');
    return canonicalJson({ ...body, signature });
  }

  async function submit<T>(org: Org, name: string, ...args: string[]): Promise<T> {
    return parse<T>(await explained(client(org).contract.submitTransaction(name, ...args)));
  }

  async function submitAsAdmin<T>(org: Org, name: string, ...args: string[]): Promise<T> {
    return parse<T>(await explained(admin(org).contract.submitTransaction(name, ...args)));
  }

  async function participantsNow(): Promise<string[]> {
    return (await evaluate<ParticipantSet>('org3', 'GetParticipants')).participants;
  }

  async function evaluate<T>(org: Org, name: string, ...args: string[]): Promise<T> {
    return parse<T>(await explained(client(org).contract.evaluateTransaction(name, ...args)));
  }

  async function expectRefusal(promise: Promise<unknown>, code: string): Promise<void> {
    const error: unknown = await expect(promise).to.be.rejected;
    expect(chaincodeErrorCode(error), String(error)).to.equal(code);
  }

  async function createFirstBlock(purpose: string, mode: Mode): Promise<FirstBlockContent> {
    const { content, signature } = newFirstBlock(uniqueId(purpose), user('org1'), mode);
    await submit('org1', 'CreateFirstBlock', canonicalJson(content), signature, '');
    return content;
  }

  /**
   * Puts the consortium's set back if it differs, by a proposal from the first of its orgs still
   * in the set and the approvals of the others there, each with its admin.
   */
  async function restoreConsortium(): Promise<void> {
    const set = await evaluate<ParticipantSet>('org1', 'GetParticipants');
    const add = consortium.filter((mspId) => !set.participants.includes(mspId));
    const remove = set.participants.filter((mspId) => !consortium.includes(mspId));
    const ratioDiffers = set.quorumRatio !== consortiumRatio;
    if (add.length === 0 && remove.length === 0 && !ratioDiffers) return;
    const voters = orgs.filter((org) => set.participants.includes(user(org).mspId));
    const [proposer, ...approvers] = voters;
    if (!proposer)
      throw new Error(`the participant set is ${canonicalJson(set)}; restore it by hand`);
    const proposalId = uniqueId('restore');
    const proposal = await submitAsAdmin<Proposal>(
      proposer,
      'ProposeParticipantChange',
      proposalId,
      canonicalJson({
        ...(add.length > 0 ? { add } : {}),
        ...(remove.length > 0 ? { remove } : {}),
        ...(ratioDiffers ? { quorumRatio: consortiumRatio } : {}),
      }),
    );
    for (const org of approvers) {
      if (proposal.status === 'applied') break;
      const approved = await submitAsAdmin<Proposal>(org, 'ApproveParticipantChange', proposalId);
      if (approved.status === 'applied') break;
    }
  }

  before(async function () {
    // A first run builds Fabric (minutes on two cores) before the network can start.
    this.timeout(30 * 60_000);
    network = ensureNetwork();
    for (const org of orgs) {
      const profile = network.org(org);
      users.set(org, loadOrgUser(profile));
      clients.set(org, newGatewayClient(profile, user(org)));
      adminClients.set(org, newGatewayClient(profile, loadOrgAdmin(profile)));
    }
    const set = await evaluate<ParticipantSet>('org1', 'GetParticipants');
    expect(set.participants, 'the participant set contract.test.ts initialised').to.deep.equal(
      consortium,
    );
  });

  after(async function () {
    this.timeout(180_000);
    try {
      await restoreConsortium();
    } finally {
      for (const gatewayClient of [...clients.values(), ...adminClients.values()]) {
        gatewayClient.close();
      }
      releaseNetwork(network);
    }
  });

  describe('a participant-set change', function () {
    let before: ParticipantSet;
    const raise = uniqueId('raise');
    const restore = uniqueId('restore');

    it("refuses a proposal from an org's user, who has no admin role, with NOT_AN_ADMIN", async function () {
      await expectRefusal(
        client('org1').contract.submitTransaction(
          'ProposeParticipantChange',
          uniqueId('as-user'),
          canonicalJson({ quorumRatio: '1' }),
        ),
        'NOT_AN_ADMIN',
      );
    });

    it('stays open with the proposer as its only approval', async function () {
      before = await evaluate<ParticipantSet>('org2', 'GetParticipants');
      // The set's threshold is that of a block one member requests: over the two other members.
      expect(before).to.include({ quorumRatio: consortiumRatio, threshold: 1 });
      const proposal = await submitAsAdmin<Proposal>(
        'org1',
        'ProposeParticipantChange',
        raise,
        canonicalJson({ quorumRatio: '1' }),
      );
      expect(proposal).to.include({ status: 'open', proposer: 'Org1MSP' });
      expect(proposal.approvals).to.deep.equal(['Org1MSP']);
      const stored = await evaluate<Proposal>('org3', 'GetParticipantChange', raise);
      expect(stored).to.include({ status: 'open', baseVersion: before.version });
      // A deadline from its transaction time: seven days to collect a majority.
      expect(Date.parse(stored.expiresAt) - Date.parse(stored.createdAt)).to.equal(7 * 86_400_000);
      const unchanged = await evaluate<ParticipantSet>('org3', 'GetParticipants');
      expect(unchanged).to.deep.equal(before);
    });

    it('refuses a second approval from the proposer', async function () {
      await expectRefusal(
        admin('org1').contract.submitTransaction('ApproveParticipantChange', raise),
        'DUPLICATE_APPROVAL',
      );
    });

    it("refuses an approval from another org's user, who has no admin role, with NOT_AN_ADMIN", async function () {
      await expectRefusal(
        client('org2').contract.submitTransaction('ApproveParticipantChange', raise),
        'NOT_AN_ADMIN',
      );
      expect(await evaluate<Proposal>('org1', 'GetParticipantChange', raise)).to.include({
        status: 'open',
      });
    });

    it('is applied by a majority: a second organisation of three', async function () {
      const applied = await submitAsAdmin<Proposal>('org2', 'ApproveParticipantChange', raise);
      expect(applied).to.include({ status: 'applied', appliedVersion: before.version + 1 });
      expect(applied.approvals).to.deep.equal(['Org1MSP', 'Org2MSP']);
      const after = await evaluate<ParticipantSet>('org3', 'GetParticipants');
      expect(after).to.deep.include({
        participants: consortium,
        quorumRatio: '1',
        threshold: 2,
        version: before.version + 1,
      });
    });

    it('refuses an approval once applied', async function () {
      await expectRefusal(
        admin('org3').contract.submitTransaction('ApproveParticipantChange', raise),
        'PROPOSAL_CLOSED',
      );
    });

    it('is changed back by a strict majority again, whatever ratio it set', async function () {
      const proposal = await submitAsAdmin<Proposal>(
        'org3',
        'ProposeParticipantChange',
        restore,
        canonicalJson({ quorumRatio: consortiumRatio }),
      );
      expect(proposal.status).to.equal('open');
      expect(proposal.approvals).to.deep.equal(['Org3MSP']);
      const second = await submitAsAdmin<Proposal>('org1', 'ApproveParticipantChange', restore);
      expect(second.status, 'two approvals of three members').to.equal('applied');
      const restored = await evaluate<ParticipantSet>('org1', 'GetParticipants');
      expect(restored).to.deep.include({
        participants: consortium,
        quorumRatio: consortiumRatio,
        threshold: 1,
        version: before.version + 2,
      });
    });
  });

  // Org4MSP is named in the contract's set though it has no peer on this channel: it never
  // approves, so the three orgs with peers stand for a minority and a majority of four.
  describe('a minority of the participants, with four and then two of them', function () {
    const remove = uniqueId('two-of-four');
    const alone = uniqueId('one-of-two');

    it('is four once two of three admins add a fourth organisation', async function () {
      const add = uniqueId('add-org4');
      await submitAsAdmin(
        'org1',
        'ProposeParticipantChange',
        add,
        canonicalJson({ add: ['Org4MSP'] }),
      );
      const applied = await submitAsAdmin<Proposal>('org2', 'ApproveParticipantChange', add);
      expect(applied.status).to.equal('applied');
      expect(await participantsNow()).to.deep.equal([...consortium, 'Org4MSP']);
    });

    it('does not let two of four organisations remove the other two', async function () {
      const proposal = await submitAsAdmin<Proposal>(
        'org1',
        'ProposeParticipantChange',
        remove,
        canonicalJson({ remove: ['Org3MSP', 'Org4MSP'] }),
      );
      expect(proposal.status).to.equal('open');
      const twoOfFour = await submitAsAdmin<Proposal>('org2', 'ApproveParticipantChange', remove);
      expect(twoOfFour.status).to.equal('open');
      expect(twoOfFour.approvals).to.deep.equal(['Org1MSP', 'Org2MSP']);
      // The two have nothing more to give: each org approves once, and only through its admin.
      for (const org of ['org1', 'org2'] as const) {
        await expectRefusal(
          admin(org).contract.submitTransaction('ApproveParticipantChange', remove),
          'DUPLICATE_APPROVAL',
        );
      }
      expect(await participantsNow()).to.deep.equal([...consortium, 'Org4MSP']);
    });

    it('is two once a third of four approves the removal', async function () {
      const threeOfFour = await submitAsAdmin<Proposal>('org3', 'ApproveParticipantChange', remove);
      expect(threeOfFour.status).to.equal('applied');
      expect(await participantsNow()).to.deep.equal(['Org1MSP', 'Org2MSP']);
    });

    it('does not let one of two organisations remove the other', async function () {
      const proposal = await submitAsAdmin<Proposal>(
        'org1',
        'ProposeParticipantChange',
        alone,
        canonicalJson({ remove: ['Org2MSP'] }),
      );
      expect(proposal.status).to.equal('open');
      await expectRefusal(
        admin('org1').contract.submitTransaction('ApproveParticipantChange', alone),
        'DUPLICATE_APPROVAL',
      );
      await expectRefusal(
        client('org1').contract.submitTransaction('ApproveParticipantChange', alone),
        'NOT_AN_ADMIN',
      );
      expect(await participantsNow()).to.deep.equal(['Org1MSP', 'Org2MSP']);
    });

    it('is three again once both of two admins add the third back', async function () {
      const back = uniqueId('add-org3');
      await submitAsAdmin(
        'org1',
        'ProposeParticipantChange',
        back,
        canonicalJson({ add: ['Org3MSP'] }),
      );
      const applied = await submitAsAdmin<Proposal>('org2', 'ApproveParticipantChange', back);
      expect(applied.status).to.equal('applied');
      expect(await participantsNow()).to.deep.equal(consortium);
      // The one-of-two proposal was made against a set that is gone.
      expect(await evaluate<Proposal>('org1', 'GetParticipantChange', alone)).to.include({
        status: 'closed',
      });
    });
  });

  describe("a first block rejected by both of the requester's two voters", function () {
    let content: FirstBlockContent;

    before(async function () {
      content = await createFirstBlock('rejected', 'parallel');
    });

    it('is not decided by one invalid verdict: a voter list of one is refused', async function () {
      await submit(
        'org2',
        'RecordVerdict',
        content.id,
        await signedVerdict('org2', content.id, invalidVerdict()),
      );
      await expectRefusal(
        client('org2').contract.submitTransaction(
          'FinalizeOutcome',
          content.id,
          canonicalJson(['Org2MSP']),
        ),
        'OUTCOME_PENDING',
      );
      const outcome = await evaluate<OutcomeView>('org1', 'GetOutcome', content.id);
      expect(outcome).to.include({ status: 'pending', recorded: false, invalid: 1 });
    });

    it('is recorded as rejected from the voter list that decides it', async function () {
      await submit(
        'org3',
        'RecordVerdict',
        content.id,
        await signedVerdict('org3', content.id, invalidVerdict()),
      );
      const outcome = await submit<OutcomeView>(
        'org3',
        'FinalizeOutcome',
        content.id,
        canonicalJson(['Org2MSP', 'Org3MSP']),
      );
      expect(outcome).to.include({ status: 'rejected', recorded: true, valid: 0, invalid: 2 });
      const read = await evaluate<OutcomeView>('org2', 'GetOutcome', content.id);
      expect(read).to.deep.equal(outcome);
    });

    it("keeps its outcome, and refuses the requester's own verdict", async function () {
      await expectRefusal(
        client('org1').contract.submitTransaction(
          'RecordVerdict',
          content.id,
          await signedVerdict('org1', content.id, validVerdict(content)),
        ),
        'REQUESTER_VERDICT',
      );
      const outcome = await evaluate<OutcomeView>('org1', 'GetOutcome', content.id);
      expect(outcome).to.include({ status: 'rejected', recorded: true, invalid: 2, valid: 0 });
    });
  });

  describe('a relay first block', function () {
    let content: FirstBlockContent;

    before(async function () {
      content = await createFirstBlock('relay', 'relay');
    });

    it('refuses a verdict before its predecessor among the voters has recorded one', async function () {
      // The requester Org1 does not vote: Org2 is the first voter, Org3 the second.
      await expectRefusal(
        client('org3').contract.submitTransaction(
          'RecordVerdict',
          content.id,
          await signedVerdict('org3', content.id, validVerdict(content)),
        ),
        'RELAY_OUT_OF_ORDER',
      );
      const view = await evaluate<{ verdicts: unknown[] }>('org1', 'GetFirstBlock', content.id);
      expect(view.verdicts).to.deep.equal([]);
    });

    it('takes the verdicts in voter order', async function () {
      for (const org of ['org2', 'org3'] as const) {
        await submit(
          org,
          'RecordVerdict',
          content.id,
          await signedVerdict(org, content.id, validVerdict(content)),
        );
      }
      const view = await evaluate<{ verdicts: { participant: string }[] }>(
        'org2',
        'GetFirstBlock',
        content.id,
      );
      expect(view.verdicts.map((verdict) => verdict.participant)).to.have.members([
        'Org2MSP',
        'Org3MSP',
      ]);
    });
  });
});
