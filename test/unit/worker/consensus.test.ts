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
  decisionOf,
  designatedFinalizer,
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
      reason: result === 'valid' ? 'OK' : 'HASH_MISMATCH',
      attempts: 1,
      failedRecords: [],
      recordedAt: '2025-06-01T10:00:01Z',
      txId: `tx-${participant}`,
    };
  }

  /** The snapshot is Org1MSP..Org4MSP; verdicts are listed in the order they were recorded. */
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
        participants: 4,
        threshold: 2,
      },
    };
  }

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

  it('decides from a tally exactly what the counting rule decides, for every size, threshold and count', () => {
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
        ),
      )
      .filter(([n, , valid, invalid]) => valid + invalid <= n);

    fc.assert(
      fc.property(counts, ([n, threshold, valid, invalid]) => {
        const snapshot = Array.from({ length: n }, (_, index) => `Org${index + 1}MSP`);
        const tally = newTally(snapshot, threshold, 'parallel');
        snapshot.slice(0, valid).forEach((mspId) => tally.valid.add(mspId));
        snapshot.slice(valid, valid + invalid).forEach((mspId) => tally.invalid.add(mspId));
        const rule = { participants: n, threshold, valid, invalid };

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
