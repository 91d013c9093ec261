import { expect } from 'chai';
import fc from 'fast-check';
import {
  decideByCounts,
  decideOutcome,
  type FirstBlockView,
  type OutcomeView,
  type Verdict,
} from '@corroborate/protocol';
import {
  decidingVoters,
  decisionOf,
  designatedFinalizer,
  hasVoted,
  needsFinalizing,
  newTally,
} from '../../../gateway/src/worker/consensus';
import { newScenario, type Scenario } from '../receipt/fixture';

describe('consensus', () => {
  let scenario: Scenario;

  before(async () => {
    scenario = await newScenario();
  });

  function verdict(participant: string, result: Verdict['result']): Verdict {
    return {
      blockId: 'req-accounts-1',
      participant,
      result,
      observedHash: '',
      reason: { valid: 'OK', invalid: 'HASH_MISMATCH', unverifiable: 'SOURCE_UNAVAILABLE' }[
        result
      ] as Verdict['reason'],
      attempts: 1,
      failedRecords: [],
      recordedAt: '2025-06-01T10:00:01Z',
      txId: `tx-${participant}`,
    };
  }

  /**
   * The snapshot is Org1MSP..Org5MSP, Org1MSP the requester; verdicts are listed in the order
   * they were recorded.
   */
  function viewWith(
    status: OutcomeView['status'],
    verdicts: Verdict[],
    recorded = false,
  ): FirstBlockView {
    return {
      block: scenario.view.block,
      verdicts,
      outcome: {
        status,
        recorded,
        valid: verdicts.filter((each) => each.result === 'valid').length,
        invalid: verdicts.filter((each) => each.result === 'invalid').length,
        unverifiable: verdicts.filter((each) => each.result === 'unverifiable').length,
        participants: 4,
        threshold: 2,
      },
    };
  }

  it('accepts a block of four organisations on two of its three voters, never on its requester', () => {
    const snapshot = ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'];
    const tally = newTally(snapshot, 'Org1MSP', 2, 'parallel');
    expect(tally.voters).to.deep.equal(['Org2MSP', 'Org3MSP', 'Org4MSP']);

    // A verdict of the requester, were one ever seen, does not count.
    tally.valid.add('Org1MSP');
    tally.valid.add('Org2MSP');
    expect(decisionOf(tally)).to.be.undefined;

    tally.valid.add('Org4MSP');
    expect(decisionOf(tally)).to.deep.equal({
      status: 'accepted',
      voters: ['Org2MSP', 'Org4MSP'],
    });
  });

  it('rejects a block of four organisations once two of its three voters found it invalid', () => {
    const tally = newTally(['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'], 'Org1MSP', 2, 'parallel');
    tally.invalid.add('Org3MSP');
    expect(decisionOf(tally)).to.be.undefined;
    tally.invalid.add('Org2MSP');
    expect(decisionOf(tally)).to.deep.equal({
      status: 'rejected',
      voters: ['Org2MSP', 'Org3MSP'],
    });
  });

  it('decides nothing on abstentions: two of three voters abstaining and one invalid leave the block undecided', () => {
    const tally = newTally(['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'], 'Org1MSP', 2, 'parallel');
    tally.unverifiable.add('Org2MSP');
    tally.invalid.add('Org3MSP');
    tally.unverifiable.add('Org4MSP');

    expect(decisionOf(tally)).to.be.undefined;
    expect(tally.voters.every((voter) => hasVoted(tally, voter))).to.be.true;
  });

  it('accepts on two valid voters of three while the third abstains, naming only the valid ones', () => {
    const tally = newTally(['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'], 'Org1MSP', 2, 'parallel');
    tally.unverifiable.add('Org2MSP');
    tally.valid.add('Org3MSP');
    tally.valid.add('Org4MSP');

    expect(decisionOf(tally)).to.deep.equal({
      status: 'accepted',
      voters: ['Org3MSP', 'Org4MSP'],
    });
  });

  it('designates the first valid voter in snapshot order, not in recording order, for an accepted block', () => {
    const view = viewWith('accepted', [
      verdict('Org4MSP', 'valid'),
      verdict('Org1MSP', 'invalid'),
      verdict('Org3MSP', 'valid'),
    ]);

    expect(designatedFinalizer(view)).to.equal('Org3MSP');
    expect(needsFinalizing(view)).to.be.true;
  });

  it('designates the first invalid voter in snapshot order for a rejected block', () => {
    const view = viewWith('rejected', [
      verdict('Org3MSP', 'invalid'),
      verdict('Org1MSP', 'valid'),
      verdict('Org2MSP', 'invalid'),
    ]);

    expect(designatedFinalizer(view)).to.equal('Org2MSP');
    expect(needsFinalizing(view)).to.be.true;
  });

  it('designates the first participant of the snapshot for an expired block, voter or not', () => {
    const view = viewWith('expired', [verdict('Org3MSP', 'valid')]);

    expect(designatedFinalizer(view)).to.equal('Org1MSP');
    expect(needsFinalizing(view)).to.be.true;
  });

  it('designates nobody while the block is pending', () => {
    const view = viewWith('pending', [verdict('Org2MSP', 'valid')]);

    expect(designatedFinalizer(view)).to.be.undefined;
    expect(needsFinalizing(view)).to.be.false;
  });

  it('designates nobody once the outcome is recorded', () => {
    for (const status of ['accepted', 'rejected', 'expired'] as const) {
      const view = viewWith(
        status,
        [verdict('Org1MSP', 'valid'), verdict('Org2MSP', 'invalid')],
        true,
      );

      expect(designatedFinalizer(view), status).to.be.undefined;
      expect(needsFinalizing(view), status).to.be.false;
    }
  });

  it('designates a voter of the deciding kind only, and nobody for a pending block with verdicts', () => {
    // Org2 voted first in the snapshot, but invalid: the accepted block is Org3's to record.
    const accepted = viewWith('accepted', [
      verdict('Org2MSP', 'invalid'),
      verdict('Org3MSP', 'valid'),
      verdict('Org4MSP', 'valid'),
    ]);
    expect(designatedFinalizer(accepted)).to.equal('Org3MSP');
    const rejected = viewWith('rejected', [
      verdict('Org2MSP', 'valid'),
      verdict('Org3MSP', 'invalid'),
      verdict('Org4MSP', 'invalid'),
      verdict('Org5MSP', 'invalid'),
    ]);
    expect(designatedFinalizer(rejected)).to.equal('Org3MSP');
    const pending = viewWith('pending', [
      verdict('Org2MSP', 'invalid'),
      verdict('Org3MSP', 'valid'),
    ]);
    expect(designatedFinalizer(pending)).to.be.undefined;
  });

  it("names the deciding voters of a view, in recording order, never the requester's verdict", () => {
    const verdicts = [
      verdict('Org4MSP', 'valid'),
      verdict('Org1MSP', 'valid'),
      verdict('Org2MSP', 'invalid'),
      verdict('Org5MSP', 'unverifiable'),
      verdict('Org3MSP', 'valid'),
    ];
    expect(decidingVoters(viewWith('accepted', verdicts))).to.deep.equal(['Org4MSP', 'Org3MSP']);
    expect(
      decidingVoters(
        viewWith('rejected', [
          verdict('Org3MSP', 'invalid'),
          verdict('Org1MSP', 'invalid'),
          verdict('Org4MSP', 'valid'),
          verdict('Org2MSP', 'invalid'),
        ]),
      ),
    ).to.deep.equal(['Org3MSP', 'Org2MSP']);
    // Expiry is recorded by reading every verdict; a pending block is recorded by no one.
    expect(decidingVoters(viewWith('expired', verdicts))).to.be.undefined;
    expect(decidingVoters(viewWith('pending', verdicts))).to.be.undefined;
  });

  it('gives every participant the same answer, whatever order it read the verdicts in', () => {
    const verdicts = [
      verdict('Org2MSP', 'valid'),
      verdict('Org4MSP', 'valid'),
      verdict('Org1MSP', 'invalid'),
    ];

    const answers = new Set(
      [verdicts, [...verdicts].reverse(), [verdicts[1], verdicts[2], verdicts[0]]].map((order) =>
        designatedFinalizer(
          viewWith(
            'accepted',
            order.filter((each) => each !== undefined),
          ),
        ),
      ),
    );

    expect([...answers]).to.deep.equal(['Org2MSP']);
  });

  it('decides from a tally exactly what the counting rule decides, for every size, threshold and count, abstentions included', () => {
    const before = 1n;
    const after = 2n;
    const counts = fc
      .integer({ min: 1, max: 40 })
      .chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.integer({ min: 0, max: n }),
          fc.integer({ min: 0, max: n }),
          fc.integer({ min: 0, max: n }),
          fc.integer({ min: 0, max: n }),
        ),
      )
      .filter(([n, , valid, invalid, unverifiable]) => valid + invalid + unverifiable <= n);

    fc.assert(
      fc.property(counts, ([n, threshold, valid, invalid, unverifiable]) => {
        // n voters and a requester, Org0MSP, first in the snapshot.
        const voters = Array.from({ length: n }, (_, index) => `Org${index + 1}MSP`);
        const tally = newTally(['Org0MSP', ...voters], 'Org0MSP', threshold, 'parallel');
        voters.slice(0, valid).forEach((mspId) => tally.valid.add(mspId));
        voters.slice(valid, valid + invalid).forEach((mspId) => tally.invalid.add(mspId));
        voters
          .slice(valid + invalid, valid + invalid + unverifiable)
          .forEach((mspId) => tally.unverifiable.add(mspId));
        const rule = { participants: n, threshold, valid, invalid, unverifiable };

        const decision = decisionOf(tally);

        expect(decision?.status).to.equal(decideByCounts(rule));
        // Before its deadline a block is what the counts make it, pending while they decide nothing.
        expect(decision?.status ?? 'pending').to.equal(decideOutcome(rule, after, before));
        if (decision) {
          const voters = decision.status === 'accepted' ? tally.valid : tally.invalid;
          expect(decision.voters).to.have.members([...voters]);
        }
      }),
    );
  });
});
