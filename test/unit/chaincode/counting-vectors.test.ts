import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canStillAccept, decideByCounts, thresholdFor, votersOf } from '@corroborate/protocol';

interface CountingCase {
  readonly participants: number;
  readonly ratio: string;
  readonly voters: number;
  readonly threshold: number;
  readonly acceptWith: number | null;
  readonly rejectWith: number | null;
  readonly stallWith: number | null;
  readonly rejectWithOthersAbstaining: number | null;
}

const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../../vectors/counting.json'), 'utf8'),
) as { cases: CountingCase[] };

/** The rule as docs/security.md states it, in integers: ratio = thousandths / 1000. */
function statedThreshold(voters: number, ratio: string): number {
  const thousandths = Math.round(Number(ratio) * 1000);
  return Math.max(1, Math.ceil((voters * thousandths) / 1000));
}

describe('counting vectors', () => {
  it('cover n = 1..50 participants for each ratio', () => {
    for (const ratio of ['0.5', '0.67', '1']) {
      const sizes = vectors.cases
        .filter((each) => each.ratio === ratio)
        .map((each) => each.participants);
      expect(sizes).to.deep.equal(Array.from({ length: 50 }, (_, index) => index + 1));
    }
  });

  for (const vector of vectors.cases) {
    const {
      participants,
      ratio,
      voters,
      threshold,
      acceptWith,
      rejectWith,
      stallWith,
      rejectWithOthersAbstaining,
    } = vector;
    it(`n = ${participants}, ratio ${ratio}: ${voters} voter(s), threshold ${threshold}`, () => {
      const snapshot = Array.from({ length: participants }, (_, index) => `Org${index + 1}MSP`);
      expect(votersOf(snapshot, 'Org1MSP')).to.deep.equal(snapshot.slice(1));
      expect(voters).to.equal(participants - 1);
      expect(thresholdFor(voters, ratio)).to.equal(threshold);
      expect(statedThreshold(voters, ratio)).to.equal(threshold);

      const tally = (valid: number, invalid: number, unverifiable = 0) => ({
        participants: voters,
        threshold,
        valid,
        invalid,
        unverifiable,
      });
      const decide = (valid: number, invalid: number, unverifiable = 0) =>
        decideByCounts(tally(valid, invalid, unverifiable));
      if (acceptWith === null) {
        // Fewer voters than the threshold: a consortium of one accepts nothing.
        expect(voters).to.be.below(threshold);
        expect(decide(voters, 0)).to.be.undefined;
      } else {
        expect(acceptWith).to.equal(threshold);
        expect(decide(acceptWith, 0)).to.equal('accepted');
        expect(decide(acceptWith - 1, 0)).to.be.undefined;
      }
      if (rejectWith === null) {
        expect(decide(0, voters)).to.be.undefined;
      } else {
        expect(rejectWith).to.equal(voters - threshold + 1);
        expect(decide(0, rejectWith)).to.equal('rejected');
        expect(decide(0, rejectWith - 1)).to.be.undefined;
      }
      // Abstentions count toward neither side: every voter abstaining decides nothing.
      expect(decide(0, 0, voters)).to.be.undefined;
      if (stallWith === null) {
        expect(acceptWith).to.be.null;
      } else {
        // Past voters - threshold abstentions too few voters are left to reach the threshold:
        // the block is not rejected but can only expire.
        expect(stallWith).to.equal(voters - threshold + 1);
        expect(canStillAccept(tally(0, 0, stallWith - 1))).to.be.true;
        expect(canStillAccept(tally(0, 0, stallWith))).to.be.false;
        expect(decide(0, 0, stallWith)).to.be.undefined;
      }
      // An abstention never helps a rejection: it takes as many invalid verdicts as without.
      expect(rejectWithOthersAbstaining).to.equal(rejectWith);
      if (rejectWithOthersAbstaining !== null && rejectWithOthersAbstaining > 1) {
        const fewer = rejectWithOthersAbstaining - 1;
        expect(decide(0, fewer, voters - fewer)).to.be.undefined;
      }
    });
  }
});
