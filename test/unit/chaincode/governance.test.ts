import type { ParticipantSet, Proposal } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import { identityOf, members, mspIds, refusal } from './fixtures';
import { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('participant governance', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;
  let org3: TestIdentity;
  let outsider: TestIdentity;

  before(async () => {
    ({ org1, org2, org3 } = await members(4));
    outsider = await identityOf('OutsiderMSP');
  });

  beforeEach(() => {
    ledger = new LedgerDouble();
  });

  afterEach(() => {
    sinon.restore();
  });

  async function init(ids = mspIds(3), ratio = '0.5'): Promise<ParticipantSet> {
    return ledger.submitJson<ParticipantSet>(org1, 'InitParticipants', JSON.stringify(ids), ratio);
  }

  describe('InitParticipants', () => {
    it('stores the set with its threshold and announces it', async () => {
      const set = await init();

      expect(set).to.deep.equal({
        participants: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
        quorumRatio: '0.5',
        // Of a block one member requests: over the two others.
        threshold: 1,
        version: 1,
      });
      expect(await ledger.evaluateJson(org2, 'GetParticipants')).to.deep.equal(set);
      expect(ledger.events).to.deep.equal([
        { name: 'ParticipantsChanged', payload: set, txId: 'tx1' },
      ]);
    });

    it("uses a ratio of 0.5 when the ratio is ''", async () => {
      const set = await init(mspIds(4), '');

      expect(set.quorumRatio).to.equal('0.5');
      expect(set.threshold).to.equal(2);
    });

    it('normalises the ratio and computes the threshold exactly', async () => {
      const set = await init(
        mspIds(10).filter((_, index) => index < 10),
        '0.70',
      );

      // Nine voters: ceil(9 × 0.7) = 7.
      expect(set.quorumRatio).to.equal('0.7');
      expect(set.threshold).to.equal(7);
    });

    it('refuses a ratio below 0.5 with QUORUM_RATIO_TOO_LOW', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'InitParticipants', JSON.stringify(mspIds(4)), '0.499999999'),
        'QUORUM_RATIO_TOO_LOW',
      );
    });

    it('refuses a second initialisation', async () => {
      await init();

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'InitParticipants', JSON.stringify(mspIds(2)), '0.5'),
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
          ledger.submit(org1, 'InitParticipants', participants, ratio),
          'INVALID_ARGUMENT',
        );
      });
    }

    it('refuses an oversized list before parsing it', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'InitParticipants', `["${'a'.repeat(20_000)}"]`, '0.5'),
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

    it('keeps a proposal open until approvals reach the threshold, then applies it', async () => {
      const proposed = await ledger.submitJson<Proposal>(
        org1,
        'ProposeParticipantChange',
        'add-org4',
        JSON.stringify({ add: ['Org4MSP'] }),
      );
      expect(proposed).to.include({ status: 'open', proposer: 'Org1MSP', baseVersion: 1 });
      expect(proposed.approvals).to.deep.equal(['Org1MSP']);
      expect(ledger.events).to.have.length(1);

      const approved = await ledger.submitJson<Proposal>(
        org2,
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

    it('applies at once when the proposer alone reaches the threshold', async () => {
      const single = new LedgerDouble();
      await single.submit(org1, 'InitParticipants', '["Org1MSP"]', '0.5');

      const proposal = await single.submitJson<Proposal>(
        org1,
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
      await ledger.submit(org1, 'ProposeParticipantChange', 'drop-org2', '{"remove":["Org2MSP"]}');
      await ledger.submit(org3, 'ApproveParticipantChange', 'drop-org2');

      const set = await ledger.evaluateJson<ParticipantSet>(org1, 'GetParticipants');
      expect(set.participants).to.deep.equal(['Org1MSP', 'Org3MSP']);
      expect(set.threshold).to.equal(1);
    });

    it('refuses to lower the ratio below 0.5 with QUORUM_RATIO_TOO_LOW', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'ProposeParticipantChange', 'low', '{"quorumRatio":"0.000000001"}'),
        'QUORUM_RATIO_TOO_LOW',
      );
    });

    it('does not let one of two organisations remove the other', async () => {
      const pair = new LedgerDouble();
      await pair.submit(org1, 'InitParticipants', JSON.stringify(mspIds(2)), '0.5');

      const proposal = await pair.submitJson<Proposal>(
        org1,
        'ProposeParticipantChange',
        'drop-org2',
        '{"remove":["Org2MSP"]}',
      );

      expect(proposal.status).to.equal('open');
      expect(
        (await pair.evaluateJson<ParticipantSet>(org1, 'GetParticipants')).participants,
      ).to.deep.equal(mspIds(2));
      await expect(pair.submit(org1, 'ApproveParticipantChange', 'drop-org2')).to.be.rejectedWith(
        refusal('DUPLICATE_APPROVAL'),
      );
    });

    it('does not let two of four organisations remove the other two, but three of four may', async () => {
      const four = new LedgerDouble();
      const org4 = await identityOf('Org4MSP');
      await four.submit(org1, 'InitParticipants', JSON.stringify(mspIds(4)), '0.5');
      await four.submit(
        org1,
        'ProposeParticipantChange',
        'drop',
        '{"remove":["Org3MSP","Org4MSP"]}',
      );

      const twoOfFour = await four.submitJson<Proposal>(org2, 'ApproveParticipantChange', 'drop');

      expect(twoOfFour.status).to.equal('open');
      expect(
        (await four.evaluateJson<ParticipantSet>(org4, 'GetParticipants')).participants,
      ).to.deep.equal(mspIds(4));
      const threeOfFour = await four.submitJson<Proposal>(org3, 'ApproveParticipantChange', 'drop');
      expect(threeOfFour.status).to.equal('applied');
    });

    it('shows a proposal with GetParticipantChange', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      const proposal = await ledger.evaluateJson<Proposal>(org3, 'GetParticipantChange', 'p1');

      expect(proposal).to.include({ proposalId: 'p1', status: 'open', proposer: 'Org1MSP' });
      expect(proposal.change).to.deep.equal({ add: ['Org4MSP'], remove: [] });
    });

    it('lists every proposal with ListParticipantChanges, each with its current status', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await ledger.submit(org1, 'ProposeParticipantChange', 'p2', '{"quorumRatio":"1"}');
      await ledger.submit(org2, 'ApproveParticipantChange', 'p2');

      const proposals = await ledger.evaluateJson<Proposal[]>(org3, 'ListParticipantChanges');

      expect(proposals.map(({ proposalId, status }) => ({ proposalId, status }))).to.deep.equal([
        { proposalId: 'p1', status: 'closed' },
        { proposalId: 'p2', status: 'applied' },
      ]);
    });

    it('closes an open proposal once the set has changed under it', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await ledger.submit(org1, 'ProposeParticipantChange', 'p2', '{"quorumRatio":"1"}');
      await ledger.submit(org2, 'ApproveParticipantChange', 'p2');

      expect(await ledger.evaluateJson(org1, 'GetParticipantChange', 'p1')).to.include({
        status: 'closed',
      });
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org3, 'ApproveParticipantChange', 'p1'),
        'PROPOSAL_CLOSED',
      );
    });

    it('refuses to approve an applied proposal', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');
      await ledger.submit(org2, 'ApproveParticipantChange', 'p1');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org3, 'ApproveParticipantChange', 'p1'),
        'PROPOSAL_CLOSED',
      );
    });

    it('refuses a second approval from the same participant', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'ApproveParticipantChange', 'p1'),
        'DUPLICATE_APPROVAL',
      );
    });

    it('refuses approvals and proposals from outside the current set', async () => {
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

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
      await ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'ProposeParticipantChange', 'p1', '{"add":["Org5MSP"]}'),
        'PROPOSAL_EXISTS',
      );
    });

    it('refuses to approve or show an unknown proposal', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'ApproveParticipantChange', 'nope'),
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
          ledger.submit(org1, 'ProposeParticipantChange', 'p1', change),
          'INVALID_ARGUMENT',
        );
      });
    }

    it('refuses a malformed proposal id', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org1, 'ProposeParticipantChange', 'bad id', '{"add":["Org4MSP"]}'),
        'INVALID_ARGUMENT',
      );
    });
  });

  it('refuses proposals before initialisation', async () => {
    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(org1, 'ProposeParticipantChange', 'p1', '{"add":["Org4MSP"]}'),
      'NOT_INITIALISED',
    );
  });
});
