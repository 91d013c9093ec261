import { expect } from 'chai';
import fc from 'fast-check';
import {
  canStillAccept,
  computeThreshold,
  countVerdicts,
  decideByCounts,
  decideOutcome,
  defaultQuorumRatio,
  isGovernanceMajority,
  isOutcomeStatus,
  meetsMinQuorumRatio,
  minQuorumRatio,
  outcomeStatuses,
  parseQuorumRatio,
  voterThreshold,
  votersOf,
} from '@corroborate/protocol';
import type { QuorumRatio } from '@corroborate/protocol';

function ratio(text: string): QuorumRatio {
  const parsed = parseQuorumRatio(text);
  if (!parsed) {
    throw new Error(`not a ratio: ${text}`);
  }
  return parsed;
}

describe('threshold', () => {
  describe('parseQuorumRatio', () => {
    it('normalises equal ratios to one text', () => {
      expect(ratio('0.50')).to.deep.equal({ text: '0.5', numerator: 5n, denominator: 10n });
      expect(ratio('1.000').text).to.equal('1');
      expect(ratio('0.333333333').text).to.equal('0.333333333');
    });

    for (const text of [
      '0',
      '0.0',
      '1.01',
      '2',
      '-0.5',
      '.5',
      '0.5 ',
      '1e-1',
      '0.1234567891',
      '',
    ]) {
      it(`refuses ${JSON.stringify(text)}`, () => {
        expect(parseQuorumRatio(text)).to.be.undefined;
      });
    }
  });

  describe('computeThreshold', () => {
    it('is ceil(n / 2) for the default ratio and n = 1..50', () => {
      for (let n = 1; n <= 50; n++) {
        expect(computeThreshold(n, ratio('0.5')), `n = ${n}`).to.equal(Math.ceil(n / 2));
      }
    });

    it('avoids float error where n × ratio is a whole number', () => {
      // 10 × 0.3 is 3.0000000000000004 in floating point, whose ceiling would be 4.
      expect(computeThreshold(10, ratio('0.3'))).to.equal(3);
      expect(computeThreshold(100, ratio('0.07'))).to.equal(7);
      expect(computeThreshold(3, ratio('1'))).to.equal(3);
    });

    it('is the least count whose share reaches the ratio', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100 }),
          fc.integer({ min: 1, max: 1000 }),
          (n, thousandths) => {
            const threshold = computeThreshold(n, ratio((thousandths / 1000).toFixed(3)));
            // threshold / n >= ratio > (threshold - 1) / n, in integers
            expect(threshold * 1000).to.be.at.least(n * thousandths);
            expect((threshold - 1) * 1000).to.be.below(n * thousandths);
          },
        ),
      );
    });
  });

  describe('decideOutcome', () => {
    const deadline = 1_000n;

    it('accepts iff valid >= ceil(n/2) and rejects iff invalid > n - ceil(n/2), for n = 1..50', () => {
      for (let n = 1; n <= 50; n++) {
        const threshold = Math.ceil(n / 2);
        for (let valid = 0; valid <= n; valid++) {
          for (let invalid = 0; valid + invalid <= n; invalid++) {
            const status = decideOutcome(
              { participants: n, threshold, valid, invalid, unverifiable: 0 },
              deadline,
              0n,
            );
            expect(status === 'accepted', `n=${n} valid=${valid}`).to.equal(valid >= threshold);
            expect(status === 'rejected', `n=${n} invalid=${invalid}`).to.equal(
              invalid > n - threshold,
            );
          }
        }
      }
    });

    it('expires only undecided outcomes, and only after the deadline', () => {
      const undecided = { participants: 4, threshold: 2, valid: 1, invalid: 2, unverifiable: 0 };
      expect(decideOutcome(undecided, deadline, deadline)).to.equal('pending');
      expect(decideOutcome(undecided, deadline, deadline + 1n)).to.equal('expired');
      expect(decideOutcome({ ...undecided, valid: 2 }, deadline, deadline + 1n)).to.equal(
        'accepted',
      );
      expect(decideOutcome({ ...undecided, invalid: 3 }, deadline, deadline + 1n)).to.equal(
        'rejected',
      );
    });

    it('never changes a decision as more verdicts arrive', () => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 1, max: 50 })
            .chain((n) =>
              fc.tuple(fc.constant(n), fc.array(fc.boolean(), { minLength: n, maxLength: n })),
            ),
          ([n, results]) => {
            const threshold = Math.ceil(n / 2);
            let decided: string | undefined;
            let valid = 0;
            let invalid = 0;
            for (const isValid of results) {
              valid += isValid ? 1 : 0;
              invalid += isValid ? 0 : 1;
              const status = decideOutcome(
                { participants: n, threshold, valid, invalid, unverifiable: 0 },
                0n,
                0n,
              );
              if (decided !== undefined) {
                expect(status).to.equal(decided);
              } else if (status !== 'pending') {
                decided = status;
              }
            }
            expect(decided).to.be.oneOf(['accepted', 'rejected']);
          },
        ),
      );
    });
  });
  describe('abstentions', () => {
    const deadline = 1_000n;

    it('counts each voter once by its last verdict, abstentions apart, and ignores outsiders', () => {
      const tally = countVerdicts(['B', 'C', 'D', 'E'], 2, [
        { participant: 'B', result: 'valid' },
        { participant: 'C', result: 'unverifiable' },
        { participant: 'D', result: 'invalid' },
        { participant: 'E', result: 'invalid' },
        { participant: 'E', result: 'unverifiable' },
        { participant: 'A', result: 'invalid' },
      ]);
      expect(tally).to.deep.equal({
        participants: 4,
        threshold: 2,
        valid: 1,
        invalid: 1,
        unverifiable: 2,
      });
    });

    it('never rejects on abstentions: two abstentions and one invalid verdict of three voters stay pending, then expire', () => {
      const tally = { participants: 3, threshold: 2, valid: 0, invalid: 1, unverifiable: 2 };
      expect(decideByCounts(tally)).to.be.undefined;
      expect(canStillAccept(tally)).to.be.false;
      expect(decideOutcome(tally, deadline, deadline)).to.equal('pending');
      expect(decideOutcome(tally, deadline, deadline + 1n)).to.equal('expired');
    });

    it('accepts on the valid verdicts of the others while some abstain', () => {
      const tally = { participants: 3, threshold: 2, valid: 2, invalid: 0, unverifiable: 1 };
      expect(decideByCounts(tally)).to.equal('accepted');
      expect(canStillAccept(tally)).to.be.true;
    });

    it('accepts iff valid >= threshold and rejects iff invalid > voters - threshold, whatever the abstentions, for n = 1..12 and every threshold', () => {
      for (let n = 1; n <= 12; n++) {
        for (let threshold = 1; threshold <= n; threshold++) {
          for (let valid = 0; valid <= n; valid++) {
            for (let invalid = 0; valid + invalid <= n; invalid++) {
              for (let unverifiable = 0; valid + invalid + unverifiable <= n; unverifiable++) {
                const tally = { participants: n, threshold, valid, invalid, unverifiable };
                const label = JSON.stringify(tally);
                const decision = decideByCounts(tally);
                expect(decision === 'accepted', label).to.equal(valid >= threshold);
                expect(decision === 'rejected', label).to.equal(invalid > n - threshold);
                // Acceptance is reachable iff the voters not yet heard from could bring it.
                const awaiting = n - valid - invalid - unverifiable;
                expect(canStillAccept(tally), label).to.equal(valid + awaiting >= threshold);
              }
            }
          }
        }
      }
    });

    it('turns no abstention into a rejection: replacing abstentions by silence never changes the decision', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 50 }).chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 1, max: n }),
              fc.array(fc.constantFrom('valid', 'invalid', 'unverifiable'), {
                maxLength: n,
              }),
            ),
          ),
          ([n, threshold, results]) => {
            const count = (wanted: string) => results.filter((result) => result === wanted).length;
            const tally = {
              participants: n,
              threshold,
              valid: count('valid'),
              invalid: count('invalid'),
              unverifiable: count('unverifiable'),
            };
            expect(decideByCounts(tally)).to.equal(decideByCounts({ ...tally, unverifiable: 0 }));
          },
        ),
      );
    });
  });

  describe('the rules the contract builds on', () => {
    it('keeps ratios of at least one half only', () => {
      expect(
        ['0.5', '0.500000001', '0.51', '1'].map((text) => meetsMinQuorumRatio(ratio(text))),
      ).to.deep.equal([true, true, true, true]);
      expect(
        ['0.499999999', '0.25', '0.000000001'].map((text) => meetsMinQuorumRatio(ratio(text))),
      ).to.deep.equal([false, false, false]);
    });

    it('defaults to one half, which is also the lowest ratio allowed', () => {
      expect(parseQuorumRatio(defaultQuorumRatio)).to.deep.equal({
        text: '0.5',
        numerator: 5n,
        denominator: 10n,
      });
      expect(parseQuorumRatio(minQuorumRatio)).to.deep.equal(ratio('0.5'));
      expect(meetsMinQuorumRatio(ratio(defaultQuorumRatio))).to.be.true;
    });

    it('knows the four outcome statuses and nothing else', () => {
      expect(outcomeStatuses).to.deep.equal(['pending', 'accepted', 'rejected', 'expired']);
      for (const status of ['pending', 'accepted', 'rejected', 'expired']) {
        expect(isOutcomeStatus(status), status).to.be.true;
      }
      for (const status of ['', 'Pending', 'decided', 'valid', 'accepted ']) {
        expect(isOutcomeStatus(status), status).to.be.false;
      }
    });

    it('reads a ratio with no fractional digits, or only zeros, as a whole number', () => {
      expect(ratio('1')).to.deep.equal({ text: '1', numerator: 1n, denominator: 1n });
      expect(ratio('1.0')).to.deep.equal({ text: '1', numerator: 1n, denominator: 1n });
      expect(ratio('0.05')).to.deep.equal({ text: '0.05', numerator: 5n, denominator: 100n });
    });

    it('takes the requester out of the voters, keeping the snapshot order', () => {
      expect(votersOf(['Org3MSP', 'Org1MSP', 'Org2MSP'], 'Org1MSP')).to.deep.equal([
        'Org3MSP',
        'Org2MSP',
      ]);
      expect(votersOf(['Org1MSP'], 'Org1MSP')).to.deep.equal([]);
      expect(votersOf(['Org2MSP'], 'Org1MSP')).to.deep.equal(['Org2MSP']);
    });

    it('needs at least one valid verdict, however few the voters', () => {
      expect(voterThreshold(0, ratio('0.5'))).to.equal(1);
      expect(voterThreshold(1, ratio('0.5'))).to.equal(1);
      expect(voterThreshold(3, ratio('0.5'))).to.equal(2);
      expect(voterThreshold(4, ratio('1'))).to.equal(4);
    });

    it('changes the participant set on a strict majority only', () => {
      expect(isGovernanceMajority(1, 2)).to.be.false;
      expect(isGovernanceMajority(2, 4)).to.be.false;
      expect(isGovernanceMajority(2, 3)).to.be.true;
      expect(isGovernanceMajority(3, 4)).to.be.true;
      expect(isGovernanceMajority(1, 1)).to.be.true;
      expect(isGovernanceMajority(0, 0)).to.be.false;
    });

    it('decides nothing for a block without voters: no acceptance, and no rejection without an invalid verdict', () => {
      // A consortium of one: no voters, threshold 1.
      const alone = { participants: 0, threshold: 1, valid: 0, invalid: 0, unverifiable: 0 };
      expect(decideByCounts(alone)).to.equal(undefined);
      expect(canStillAccept(alone)).to.be.false;
    });

    it('accepts nothing on a threshold below one, even with valid verdicts', () => {
      const degenerate = { participants: 2, threshold: 0, valid: 0, invalid: 0, unverifiable: 0 };
      expect(decideByCounts(degenerate)).to.equal(undefined);
      expect(decideByCounts({ ...degenerate, valid: 1 })).to.equal(undefined);
      expect(canStillAccept(degenerate)).to.be.false;
    });
  });
});
