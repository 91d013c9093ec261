import type { ParticipantSet, Proposal } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import {
  adminOf,
  changeParticipants,
  initParticipants,
  members,
  mspIds,
  refusal,
} from './fixtures';
import { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('participant governance', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;
  let admin1: TestIdentity;
  let admin2: TestIdentity;
  let admin3: TestIdentity;
  let admin4: TestIdentity;
  let outsider: TestIdentity;

  before(async () => {
    ({ org1, org2 } = await members(4));
    [admin1, admin2, admin3, admin4] = (await Promise.all(mspIds(4).map(adminOf))) as [
      TestIdentity,
      TestIdentity,
      TestIdentity,
      TestIdentity,
    ];
    outsider = await adminOf('OutsiderMSP');
  });

  beforeEach(() => {
    ledger = new LedgerDouble();
  });

  afterEach(() => {
    sinon.restore();
  });

  function initAs(
    admin: TestIdentity,
    ids: readonly string[] = mspIds(3),
    ratio = '0.5',
  ): Promise<Proposal> {
    return ledger.submitJson<Proposal>(admin, 'InitParticipants', JSON.stringify(ids), ratio);
  }

  async function init(ids = mspIds(3), ratio = '0.5'): Promise<ParticipantSet> {
    await initParticipants(ledger, ids, ratio);
    return ledger.evaluateJson<ParticipantSet>(org1, 'GetParticipants');
  }

  describe('InitParticipants', () => {
    it('stores the set once the admins of a strict majority of the listed organisations asked for it', async () => {
      const first = await initAs(admin1);
      expect(first).to.include({ status: 'open', proposer: 'Org1MSP', baseVersion: 0 });
      expect(first.approvals).to.deep.equal(['Org1MSP']);
      expect(first.change).to.deep.equal({ add: mspIds(3), remove: [], quorumRatio: '0.5' });
      expect(first.expiresAt).to.equal('2025-01-08T00:00:00.000Z');
      await expect(ledger.evaluate(org2, 'GetParticipants')).to.be.rejectedWith(
        refusal('NOT_INITIALISED'),
      );
      expect(ledger.events).to.deep.equal([]);

      const second = await initAs(admin2);

      expect(second).to.include({ proposalId: first.proposalId, status: 'applied' });
      expect(second.approvals).to.deep.equal(['Org1MSP', 'Org2MSP']);
      const set = await ledger.evaluateJson<ParticipantSet>(org2, 'GetParticipants');
      expect(set).to.deep.equal({
        participants: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
        quorumRatio: '0.5',
        // Of a block one member requests: over the two others.
        threshold: 1,
        version: 1,
      });
      expect(ledger.events).to.deep.equal([
        { name: 'ParticipantsChanged', payload: set, txId: 'tx3' },
      ]);
    });

    it('does not let one of two organisations initialise the set alone', async () => {
      const alone = await initAs(admin1, mspIds(2));

      expect(alone.status).to.equal('open');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'InitParticipants', JSON.stringify(mspIds(2)), '0.5'),
        'DUPLICATE_APPROVAL',
      );
      await expect(ledger.evaluate(org1, 'GetParticipants')).to.be.rejectedWith(
        refusal('NOT_INITIALISED'),
      );
    });

    it('does not let two of four organisations initialise the set, but three of four may', async () => {
      await initAs(admin1, mspIds(4));
      const twoOfFour = await initAs(admin2, mspIds(4));

      expect(twoOfFour.status).to.equal('open');
      await expect(ledger.evaluate(org1, 'GetParticipants')).to.be.rejectedWith(
        refusal('NOT_INITIALISED'),
      );
      const threeOfFour = await initAs(admin3, mspIds(4));
      expect(threeOfFour.status).to.equal('applied');
    });

    it('refuses a user without the admin role with NOT_AN_ADMIN', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'InitParticipants', JSON.stringify(mspIds(3)), '0.5'),
        'NOT_AN_ADMIN',
      );
    });

    it("takes another organisation's approval through ApproveParticipantChange too", async () => {
      const { proposalId } = await initAs(admin1);

      const approved = await ledger.submitJson<Proposal>(
        admin3,
        'ApproveParticipantChange',
        proposalId,
      );

      expect(approved.status).to.equal('applied');
      expect(await ledger.evaluateJson(org1, 'GetParticipants')).to.include({ version: 1 });
    });

    it('counts each list and ratio apart; once one is applied the others are closed', async () => {
      const three = await initAs(admin2, mspIds(3));
      const pair = await initAs(admin2, ['Org2MSP', 'Org3MSP']);
      expect(pair.proposalId).not.to.equal(three.proposalId);
      const otherRatio = await initAs(admin2, mspIds(3), '1');
      expect(otherRatio.proposalId).not.to.equal(three.proposalId);

      expect(await initAs(admin3, ['Org2MSP', 'Org3MSP'])).to.include({ status: 'applied' });

      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', three.proposalId)).to.include({
        status: 'closed',
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin3, 'ApproveParticipantChange', three.proposalId),
        'PROPOSAL_CLOSED',
      );
    });

    it('refuses an approval after the initialisation expired, and starts a new round on request', async () => {
      const { proposalId, expiresAt } = await initAs(admin1);
      ledger.advance(7 * 86_400_000 + 1);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin2, 'ApproveParticipantChange', proposalId),
        'PROPOSAL_EXPIRED',
      );
      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', proposalId)).to.include({
        status: 'expired',
        expiresAt,
      });

      const again = await initAs(admin2);
      expect(again).to.include({ proposalId, status: 'open', proposer: 'Org2MSP' });
      expect(again.approvals).to.deep.equal(['Org2MSP']);
      expect(await initAs(admin3)).to.include({ status: 'applied' });
    });

    it("uses a ratio of 0.5 when the ratio is ''", async () => {
      const set = await init(mspIds(4), '');

      expect(set.quorumRatio).to.equal('0.5');
      expect(set.threshold).to.equal(2);
    });

    it('normalises the ratio and computes the threshold exactly', async () => {
      const set = await init(mspIds(10), '0.70');

      // Nine voters: ceil(9 × 0.7) = 7.
      expect(set.quorumRatio).to.equal('0.7');
      expect(set.threshold).to.equal(7);
    });

    it('refuses a ratio below 0.5 with QUORUM_RATIO_TOO_LOW', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'InitParticipants', JSON.stringify(mspIds(4)), '0.499999999'),
        'QUORUM_RATIO_TOO_LOW',
      );
    });

    it('refuses a second initialisation', async () => {
      await init();

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'InitParticipants', JSON.stringify(mspIds(2)), '0.5'),
        'ALREADY_INITIALISED',
      );
    });

    it('refuses a list without the caller', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'InitParticipants', JSON.stringify(mspIds(2)), '0.5'),
        'NOT_A_PARTICIPANT',
      );
    });

    it('refuses an approval of the initialisation from an organisation it does not list', async () => {
      const { proposalId } = await initAs(admin1, mspIds(3));

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin4, 'ApproveParticipantChange', proposalId),
        'NOT_A_PARTICIPANT',
      );
    });

    for (const [title, participants, ratio] of [
      ['an empty list', '[]', '0.5'],
      ['a duplicate MSP id', '["Org1MSP","Org1MSP"]', '0.5'],
      ['a malformed MSP id', '["Org1MSP","bad id"]', '0.5'],
      ['a list that is not JSON', 'Org1MSP', '0.5'],
      ['a list of more than 100 ids', JSON.stringify(mspIds(101)), '0.5'],
      ['a ratio of 0', '["Org1MSP"]', '0'],
      ['a ratio above 1', '["Org1MSP"]', '1.5'],
      ['a ratio that is not a decimal', '["Org1MSP"]', '1e-1'],
    ] as const) {
      it(`refuses ${title}`, async () => {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(admin1, 'InitParticipants', participants, ratio),
          'INVALID_ARGUMENT',
        );
      });
    }

    it('refuses an oversized list before parsing it', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'InitParticipants', `["${'a'.repeat(20_000)}"]`, '0.5'),
        'PAYLOAD_TOO_LARGE',
      );
    });
  });

  describe('GetParticipants', () => {
    it('refuses before initialisation', async () => {
      await expect(ledger.evaluate(org1, 'GetParticipants')).to.be.rejectedWith(
        refusal('NOT_INITIALISED'),
      );
    });
  });

  describe('ProposeParticipantChange and ApproveParticipantChange', () => {
    beforeEach(async () => {
      await init();
    });

    it('keeps a proposal open until a strict majority approved, then applies it', async () => {
      const proposed = await ledger.submitJson<Proposal>(
        admin1,
        'ProposeParticipantChange',
        'add-org4',
        JSON.stringify({ add: ['Org4MSP'] }),
      );
      expect(proposed).to.include({ status: 'open', proposer: 'Org1MSP', baseVersion: 1 });
      expect(proposed.approvals).to.deep.equal(['Org1MSP']);
      expect(ledger.events).to.have.length(1);

      const approved = await ledger.submitJson<Proposal>(
        admin2,
        'ApproveParticipantChange',
        'add-org4',
      );

      expect(approved).to.include({ status: 'applied', appliedVersion: 2 });
      expect(approved.approvals).to.deep.equal(['Org1MSP', 'Org2MSP']);
      const set = await ledger.evaluateJson<ParticipantSet>(org1, 'GetParticipants');
      expect(set).to.deep.equal({
        participants: ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'],
        quorumRatio: '0.5',
        threshold: 2,
        version: 2,
      });
      expect(ledger.events.at(-1)).to.deep.include({ name: 'ParticipantsChanged', payload: set });
    });

    it('applies at once when the proposer alone is a majority', async () => {
      const single = new LedgerDouble();
      await initParticipants(single, ['Org1MSP']);

      const proposal = await single.submitJson<Proposal>(
        admin1,
        'ProposeParticipantChange',
        'p1',
        JSON.stringify({ add: ['Org2MSP'], quorumRatio: '1' }),
      );

      expect(proposal.status).to.equal('applied');
      expect(await single.evaluateJson(org1, 'GetParticipants')).to.deep.equal({
        participants: ['Org1MSP', 'Org2MSP'],
        quorumRatio: '1',
        threshold: 1,
        version: 2,
      });
    });

    it('removes participants and keeps the order of the others', async () => {
      await changeParticipants(ledger, 'drop-org2', { remove: ['Org2MSP'] }, [
        'Org1MSP',
        'Org3MSP',
      ]);

      const set = await ledger.evaluateJson<ParticipantSet>(org1, 'GetParticipants');
      expect(set.participants).to.deep.equal(['Org1MSP', 'Org3MSP']);
      expect(set.threshold).to.equal(1);
    });

    it('refuses to lower the ratio below 0.5 with QUORUM_RATIO_TOO_LOW', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'ProposeParticipantChange', 'low', '{"quorumRatio":"0.000000001"}'),
        'QUORUM_RATIO_TOO_LOW',
      );
    });

    it('does not let one of two organisations remove the other', async () => {
      const pair = new LedgerDouble();
      await initParticipants(pair, mspIds(2));

      const proposal = await pair.submitJson<Proposal>(
        admin1,
        'ProposeParticipantChange',
        'drop-org2',
        '{"remove":["Org2MSP"]}',
      );

      expect(proposal.status).to.equal('open');
      expect(
        (await pair.evaluateJson<ParticipantSet>(org1, 'GetParticipants')).participants,
      ).to.deep.equal(mspIds(2));
      await expectRefusedWithoutWrites(
        pair,
        pair.submit(admin1, 'ApproveParticipantChange', 'drop-org2'),
        'DUPLICATE_APPROVAL',
      );
      // Nor may its users approve in the other organisation's stead, or again in its own.
      await expectRefusedWithoutWrites(
        pair,
        pair.submit(org1, 'ApproveParticipantChange', 'drop-org2'),
        'NOT_AN_ADMIN',
      );
    });

    it('does not let two of four organisations remove the other two, but three of four may', async () => {
      const four = new LedgerDouble();
      await initParticipants(four, mspIds(4));
      await four.submit(
        admin1,
        'ProposeParticipantChange',
        'drop',
        '{"remove":["Org3MSP","Org4MSP"]}',
      );

      const twoOfFour = await four.submitJson<Proposal>(admin2, 'ApproveParticipantChange', 'drop');

      expect(twoOfFour.status).to.equal('open');
      expect(
        (await four.evaluateJson<ParticipantSet>(org1, 'GetParticipants')).participants,
      ).to.deep.equal(mspIds(4));
      for (const admin of [admin1, admin2]) {
        await expectRefusedWithoutWrites(
          four,
          four.submit(admin, 'ApproveParticipantChange', 'drop'),
          'DUPLICATE_APPROVAL',
        );
      }
      const threeOfFour = await four.submitJson<Proposal>(
        admin3,
        'ApproveParticipantChange',
        'drop',
      );
      expect(threeOfFour.status).to.equal('applied');
    });

    it('refuses proposals and approvals from a user without the admin role with NOT_AN_ADMIN', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}'),
        'NOT_AN_ADMIN',
      );
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'ApproveParticipantChange', 'p1'),
        'NOT_AN_ADMIN',
      );
      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', 'p1')).to.include({
        status: 'open',
      });
    });

    it('takes approvals until its expiry, and refuses them after it with PROPOSAL_EXPIRED', async () => {
      const proposed = await ledger.submitJson<Proposal>(
        admin1,
        'ProposeParticipantChange',
        'p1',
        '{"add":["Org4MSP"]}',
      );
      expect(proposed).to.include({
        createdAt: '2025-01-01T00:00:00.000Z',
        expiresAt: '2025-01-08T00:00:00.000Z',
      });
      ledger.advance(7 * 86_400_000 + 1);

      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', 'p1')).to.include({
        status: 'expired',
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin2, 'ApproveParticipantChange', 'p1'),
        'PROPOSAL_EXPIRED',
      );
      expect(
        (await ledger.evaluateJson<ParticipantSet>(org1, 'GetParticipants')).participants,
      ).to.deep.equal(mspIds(3));
    });

    it('takes an approval dated exactly at its expiry', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      ledger.advance(7 * 86_400_000);

      expect(
        await ledger.submitJson<Proposal>(admin2, 'ApproveParticipantChange', 'p1'),
      ).to.include({ status: 'applied' });
    });

    it('shows a proposal with GetParticipantChange', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      const proposal = await ledger.evaluateJson<Proposal>(org2, 'GetParticipantChange', 'p1');

      expect(proposal).to.include({ proposalId: 'p1', status: 'open', proposer: 'Org1MSP' });
      expect(proposal.change).to.deep.equal({ add: ['Org4MSP'], remove: [] });
    });

    it('lists every proposal with ListParticipantChanges, each with its current status', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p2', '{"quorumRatio":"1"}');
      await ledger.submit(admin2, 'ApproveParticipantChange', 'p2');

      const proposals = await ledger.evaluateJson<Proposal[]>(org1, 'ListParticipantChanges');

      // The initialisation is a proposal too; p1 was made for the set p2 then changed.
      expect(
        proposals
          .filter(({ proposalId }) => !proposalId.startsWith('init-'))
          .map(({ proposalId, status }) => ({ proposalId, status })),
      ).to.deep.equal([
        { proposalId: 'p1', status: 'closed' },
        { proposalId: 'p2', status: 'applied' },
      ]);
      expect(proposals.every(({ expiresAt }) => typeof expiresAt === 'string')).to.be.true;
    });

    it('closes an open proposal once the set has changed under it', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await changeParticipants(ledger, 'p2', { quorumRatio: '1' }, ['Org1MSP', 'Org2MSP']);

      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', 'p1')).to.include({
        status: 'closed',
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin3, 'ApproveParticipantChange', 'p1'),
        'PROPOSAL_CLOSED',
      );
    });

    it('refuses to approve an applied proposal', async () => {
      await changeParticipants(ledger, 'p1', { add: ['Org4MSP'] }, ['Org1MSP', 'Org2MSP']);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin3, 'ApproveParticipantChange', 'p1'),
        'PROPOSAL_CLOSED',
      );
    });

    it('refuses a second approval from the same participant', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'ApproveParticipantChange', 'p1'),
        'DUPLICATE_APPROVAL',
      );
    });

    it('refuses approvals and proposals from outside the current set', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'ApproveParticipantChange', 'p1'),
        'NOT_A_PARTICIPANT',
      );
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(outsider, 'ProposeParticipantChange', 'p2', '{"add":["OutsiderMSP"]}'),
        'NOT_A_PARTICIPANT',
      );
    });

    it('refuses a proposal id that exists', async () => {
      await ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin2, 'ProposeParticipantChange', 'p1', '{"add":["Org5MSP"]}'),
        'PROPOSAL_EXISTS',
      );
    });

    it('refuses to approve or show an unknown proposal', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin2, 'ApproveParticipantChange', 'nope'),
        'PROPOSAL_NOT_FOUND',
      );
      await expect(ledger.evaluate(org2, 'GetParticipantChange', 'nope')).to.be.rejectedWith(
        refusal('PROPOSAL_NOT_FOUND'),
      );
    });

    for (const [title, change] of [
      ['an empty change', '{}'],
      ['an unknown field', '{"rename":["Org1MSP"]}'],
      ['adding a participant twice', '{"add":["Org1MSP"]}'],
      ['removing a non-participant', '{"remove":["Org9MSP"]}'],
      ['removing everyone', '{"remove":["Org1MSP","Org2MSP","Org3MSP"]}'],
      ['adding and removing the same id', '{"add":["Org4MSP"],"remove":["Org4MSP"]}'],
      ['a bad ratio', '{"quorumRatio":"0.0"}'],
      ['a change that is not JSON', 'add Org4MSP'],
    ] as const) {
      it(`refuses ${title}`, async () => {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(admin1, 'ProposeParticipantChange', 'p1', change),
          'INVALID_ARGUMENT',
        );
      });
    }

    it('refuses a malformed proposal id', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(admin1, 'ProposeParticipantChange', 'bad id', '{"add":["Org4MSP"]}'),
        'INVALID_ARGUMENT',
      );
    });
  });

  it('refuses proposals before initialisation', async () => {
    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(admin1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}'),
      'NOT_INITIALISED',
    );
  });
});
