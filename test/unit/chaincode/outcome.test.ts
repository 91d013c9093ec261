import type { OutcomeView, StoredFirstBlock } from '@corroborate/protocol';
import type { FirstBlockContent } from '@corroborate/protocol';
import { TIME_WINDOW_SECONDS } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import fc from 'fast-check';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import {
  changeParticipants,
  initParticipants,
  invalidVerdict,
  members,
  mspIds,
  newSignedFirstBlock,
  refusal,
  unverifiableVerdict,
  validVerdict,
} from './fixtures';
import { compositeKey as key, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

const windowMs = TIME_WINDOW_SECONDS * 1000;

describe('FinalizeOutcome', () => {
  let ledger: LedgerDouble;
  let orgs: TestIdentity[];
  let org1: TestIdentity;
  let org2: TestIdentity;
  let org3: TestIdentity;
  let content: FirstBlockContent;

  before(async () => {
    ({ orgs, org1, org2, org3 } = await members(50));
  });

  async function setUp(participants: number, ratio = '0.5'): Promise<void> {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(participants), ratio);
    const signed = newSignedFirstBlock(org1);
    await ledger.submit(
      org1,
      'CreateFirstBlock',
      signed.contentJson,
      signed.signature,
      signed.saltSeed,
    );
    content = signed.content;
  }

  function finalize(by: TestIdentity = org1, votersJson = ''): Promise<OutcomeView> {
    return ledger.submitJson<OutcomeView>(by, 'FinalizeOutcome', 'block-1', votersJson);
  }

  function finalizeWith(...voters: string[]): Promise<OutcomeView> {
    return finalize(org1, JSON.stringify(voters));
  }

  function reads(): unknown[] {
    return ledger.lastStub?.getState.getCalls().map((call) => call.args[0]) ?? [];
  }

  function outcomeEvents(): unknown[] {
    return ledger.events.filter((event) => event.name === 'OutcomeDecided');
  }

  // Four participants: Org1 requests, so Org2, Org3 and Org4 vote and two of them decide.
  beforeEach(async () => {
    await setUp(4);
  });

  afterEach(() => {
    sinon.restore();
  });

  it('writes nothing while the outcome is pending', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    const before = ledger.snapshot();

    const view = await finalize();

    expect(view).to.deep.equal({
      status: 'pending',
      recorded: false,
      valid: 1,
      invalid: 0,
      unverifiable: 0,
      participants: 3,
      threshold: 2,
    });
    expect(ledger.lastStub?.putState.called).to.be.false;
    expect(ledger.lastStub?.setEvent.called).to.be.false;
    expect(ledger.snapshot()).to.deep.equal(before);
  });

  it('records acceptance once valid verdicts reach the threshold, with one event', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

    const view = await finalize();

    expect(view).to.deep.equal({
      status: 'accepted',
      recorded: true,
      valid: 2,
      invalid: 0,
      unverifiable: 0,
      participants: 3,
      threshold: 2,
      decidedAt: '2025-01-01T00:00:00.000Z',
      txId: 'tx7',
    });
    expect(outcomeEvents()).to.deep.equal([
      {
        name: 'OutcomeDecided',
        txId: 'tx7',
        payload: {
          blockId: 'block-1',
          status: 'accepted',
          valid: 2,
          invalid: 0,
          unverifiable: 0,
          txId: 'tx7',
        },
      },
    ]);
    expect(await ledger.evaluateJson(org3, 'GetOutcome', 'block-1')).to.deep.equal(view);
  });

  it('records rejection once acceptance has become impossible', async () => {
    await ledger.recordVerdict(org2, 'block-1', invalidVerdict());
    await ledger.recordVerdict(org3, 'block-1', invalidVerdict('RECORD_NOT_FOUND'));

    expect(await finalize()).to.include({ status: 'rejected', valid: 0, invalid: 2 });
  });

  describe('with abstentions', () => {
    it('never rejects on two abstentions and one invalid verdict: the block stays pending, then expires', async () => {
      await ledger.recordVerdict(org2, 'block-1', unverifiableVerdict());
      await ledger.recordVerdict(org3, 'block-1', invalidVerdict());
      await ledger.recordVerdict(
        orgs[3] as TestIdentity,
        'block-1',
        unverifiableVerdict('UNKNOWN_SOURCE'),
      );
      const before = ledger.snapshot();

      // Every voter has spoken and acceptance is out of reach, yet nothing is rejected.
      expect(await finalize()).to.deep.equal({
        status: 'pending',
        recorded: false,
        valid: 0,
        invalid: 1,
        unverifiable: 2,
        participants: 3,
        threshold: 2,
      });
      expect(ledger.snapshot()).to.deep.equal(before);
      await expectRefusedWithoutWrites(
        ledger,
        finalizeWith('Org2MSP', 'Org3MSP', 'Org4MSP'),
        'OUTCOME_PENDING',
      );
      expect(outcomeEvents()).to.be.empty;

      ledger.advance(86_400_000 + windowMs + 1);
      const expired = await finalize();

      expect(expired).to.include({
        status: 'expired',
        recorded: true,
        valid: 0,
        invalid: 1,
        unverifiable: 2,
      });
      expect(outcomeEvents()).to.deep.equal([
        {
          name: 'OutcomeDecided',
          txId: expired.txId,
          payload: {
            blockId: 'block-1',
            status: 'expired',
            valid: 0,
            invalid: 1,
            unverifiable: 2,
            txId: expired.txId,
          },
        },
      ]);
    });

    it('accepts on the valid verdicts of the others while one voter abstains', async () => {
      await ledger.recordVerdict(org2, 'block-1', unverifiableVerdict());
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      await ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', validVerdict(content));

      expect(await finalize()).to.include({
        status: 'accepted',
        recorded: true,
        valid: 2,
        invalid: 0,
        unverifiable: 1,
      });
    });

    it('rejects only on invalid verdicts: two of three voters, with the third abstaining', async () => {
      await ledger.recordVerdict(org2, 'block-1', unverifiableVerdict());
      await ledger.recordVerdict(org3, 'block-1', invalidVerdict());
      await ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', invalidVerdict());

      expect(await finalizeWith('Org3MSP', 'Org4MSP')).to.include({
        status: 'rejected',
        invalid: 2,
        unverifiable: 0,
      });
    });

    it('serves an outcome recorded before abstentions existed with no abstention', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      await finalizeWith('Org2MSP', 'Org3MSP');
      const outcomeKey = key('outcome', 'block-1');
      const stored = JSON.parse(Buffer.from(ledger.world.get(outcomeKey) ?? []).toString()) as {
        unverifiable?: number;
      };
      delete stored.unverifiable;
      ledger.world.set(outcomeKey, Buffer.from(JSON.stringify(stored)));

      expect(await ledger.evaluateJson(org1, 'GetOutcome', 'block-1')).to.include({
        status: 'accepted',
        recorded: true,
        unverifiable: 0,
      });
    });
  });

  it('records expiry after the deadline when neither count decided', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    ledger.advance(86_400_000 + windowMs + 1);

    expect(await finalize()).to.include({ status: 'expired', recorded: true, valid: 1 });
  });

  it('records no expiry until the deadline plus the time window has passed', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    // A transaction time this far past the deadline may still be a client's clock set ahead.
    ledger.advance(86_400_000 + windowMs);

    expect(await finalize()).to.include({ status: 'pending', recorded: false });
    expect(ledger.lastStub?.putState.called).to.be.false;
    expect(outcomeEvents()).to.be.empty;
  });

  it('refuses FinalizeOutcome from an organisation outside the snapshot', async () => {
    const outsider = orgs[4] as TestIdentity;
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

    await expectRefusedWithoutWrites(ledger, finalize(outsider), 'NOT_A_PARTICIPANT');
  });

  it('never accepts the block of a consortium of one: it has no voter', async () => {
    await setUp(1);
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org1, 'block-1', validVerdict(content)),
      'REQUESTER_VERDICT',
    );
    expect(await finalize()).to.include({ status: 'pending', participants: 0, threshold: 1 });
  });

  it('keeps an acceptance reached before the deadline when finalised after it', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
    ledger.advance(5 * 86_400_000);

    expect(await finalize()).to.include({ status: 'accepted' });
  });

  it('returns the recorded outcome again without writing or announcing it twice', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
    const first = await finalize();
    await expect(
      ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', invalidVerdict()),
    ).to.be.rejectedWith(refusal('OUTCOME_RECORDED'));

    const second = await finalize(org2);

    expect(second).to.deep.equal(first);
    expect(ledger.lastStub?.putState.called).to.be.false;
    expect(ledger.lastStub?.setEvent.called).to.be.false;
    expect(outcomeEvents()).to.have.length(1);
  });

  it('moves the block from pending to its decided status in the listing, with when', async () => {
    await ledger.recordVerdict(org2, 'block-1', invalidVerdict());
    await ledger.recordVerdict(org3, 'block-1', invalidVerdict());
    await finalize();

    const pending = await ledger.evaluateJson<{ items: unknown[] }>(
      org1,
      'ListFirstBlocks',
      'pending',
      '10',
      '',
    );
    const rejected = await ledger.evaluateJson<{
      items: { blockId: string; status: string; decidedAt?: string }[];
    }>(org1, 'ListFirstBlocks', 'rejected', '10', '');
    const outcome = await ledger.evaluateJson<{ decidedAt: string }>(org1, 'GetOutcome', 'block-1');
    expect(pending.items).to.be.empty;
    expect(rejected.items.map((item) => [item.blockId, item.status, item.decidedAt])).to.deep.equal(
      [['block-1', 'rejected', outcome.decidedAt]],
    );
  });

  it('reads the meta and every verdict key, never the full block, without a voter list', async () => {
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));

    await finalize();
    const fromFinalize = reads();
    await ledger.evaluate(org1, 'GetOutcome', 'block-1');

    for (const read of [fromFinalize, reads()]) {
      expect(read).to.have.members([
        key('blockmeta', 'block-1'),
        key('outcome', 'block-1'),
        // The voters' verdicts: the requester Org1 records none.
        ...mspIds(4)
          .slice(1)
          .map((mspId) => key('verdict', 'block-1', mspId)),
      ]);
    }
  });

  it('serves a block stored before the meta key existed from the block itself', async () => {
    ledger.world.delete(key('blockmeta', 'block-1'));
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

    expect(await ledger.evaluateJson(org1, 'GetOutcome', 'block-1')).to.include({
      status: 'accepted',
      recorded: false,
    });
    expect(await finalizeWith('Org2MSP', 'Org3MSP')).to.include({
      status: 'accepted',
      recorded: true,
      valid: 2,
    });
  });

  it('refuses an unknown block', async () => {
    await expect(ledger.submit(org1, 'FinalizeOutcome', 'block-9', '')).to.be.rejectedWith(
      refusal('FIRST_BLOCK_NOT_FOUND'),
    );
    await expectRefusedWithoutWrites(
      ledger,
      ledger.submit(org1, 'FinalizeOutcome', 'block-9', '["Org1MSP"]'),
      'FIRST_BLOCK_NOT_FOUND',
    );
    await expect(ledger.evaluate(org1, 'GetOutcome', 'block-9')).to.be.rejectedWith(
      refusal('FIRST_BLOCK_NOT_FOUND'),
    );
  });

  it("keeps a block's snapshot and threshold when the participant set changes", async () => {
    await changeParticipants(ledger, 'grow', { add: ['Org5MSP', 'Org6MSP'] }, mspIds(3));
    await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
    await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

    const view = await ledger.evaluateJson<{ block: StoredFirstBlock }>(
      org1,
      'GetFirstBlock',
      'block-1',
    );
    expect(view.block.participants).to.deep.equal(mspIds(4));
    expect(view.block.threshold).to.equal(2);
    // `participants` of an outcome counts the voters: the snapshot without the requester.
    expect(await finalize()).to.include({ status: 'accepted', participants: 3, threshold: 2 });
    await expect(
      ledger.recordVerdict(orgs[4] as TestIdentity, 'block-1', validVerdict(content)),
    ).to.be.rejectedWith(refusal('NOT_A_PARTICIPANT'));
  });

  it('uses the decided threshold of a non-default ratio', async () => {
    // Nine voters: ceil(9 × 0.7) = 7.
    await setUp(10, '0.7');
    for (const org of orgs.slice(1, 8)) {
      await ledger.recordVerdict(org, 'block-1', validVerdict(content));
    }

    expect(await finalize()).to.include({ status: 'accepted', threshold: 7 });
  });

  describe('with a voter list', () => {
    it('records acceptance from the listed verdicts, reading only their keys', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      await ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', validVerdict(content));

      const view = await finalizeWith('Org2MSP', 'Org4MSP');

      // Counts among the verdicts read: Org3's verdict was not needed and is not counted.
      expect(view).to.include({ status: 'accepted', recorded: true, valid: 2, invalid: 0 });
      expect(reads()).to.have.members([
        key('blockmeta', 'block-1'),
        key('outcome', 'block-1'),
        key('verdict', 'block-1', 'Org2MSP'),
        key('verdict', 'block-1', 'Org4MSP'),
      ]);
      expect(outcomeEvents()).to.deep.equal([
        {
          name: 'OutcomeDecided',
          txId: 'tx8',
          payload: {
            blockId: 'block-1',
            status: 'accepted',
            valid: 2,
            invalid: 0,
            unverifiable: 0,
            txId: 'tx8',
          },
        },
      ]);
      expect(await ledger.evaluateJson(org2, 'GetOutcome', 'block-1')).to.deep.equal(view);
    });

    it('records rejection once the listed negative verdicts make acceptance impossible', async () => {
      await ledger.recordVerdict(org2, 'block-1', invalidVerdict());
      await ledger.recordVerdict(org3, 'block-1', invalidVerdict('RECORD_NOT_FOUND'));

      expect(await finalizeWith('Org3MSP', 'Org2MSP')).to.include({
        status: 'rejected',
        valid: 0,
        invalid: 2,
      });
    });

    it('refuses with OUTCOME_PENDING when the listed verdicts do not decide', async () => {
      await ledger.recordVerdict(org2, 'block-1', invalidVerdict());
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      await ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', validVerdict(content));

      await expectRefusedWithoutWrites(
        ledger,
        finalizeWith('Org2MSP', 'Org3MSP'),
        'OUTCOME_PENDING',
      );
    });

    it("leaves expiry to a call without a list, which reads every participant's verdict", async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      ledger.advance(86_400_000 + windowMs + 1);

      await expectRefusedWithoutWrites(ledger, finalizeWith('Org2MSP'), 'OUTCOME_PENDING');
      expect(await finalize()).to.include({ status: 'expired', recorded: true, valid: 1 });
    });

    it('records an acceptance the listed verdicts reached before the deadline after it', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      ledger.advance(5 * 86_400_000);

      expect(await finalizeWith('Org2MSP', 'Org3MSP')).to.include({ status: 'accepted' });
    });

    it('refuses with VERDICT_NOT_FOUND a listed participant that has not recorded', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));

      await expectRefusedWithoutWrites(
        ledger,
        finalizeWith('Org2MSP', 'Org3MSP'),
        'VERDICT_NOT_FOUND',
      );
    });

    for (const [title, votersJson] of [
      ['a voter outside the snapshot', '["Org2MSP","Org9MSP"]'],
      ['the requester, whose verdict never counts', '["Org2MSP","Org1MSP"]'],
      ['a duplicate voter', '["Org2MSP","Org3MSP","Org2MSP"]'],
      ['an empty list', '[]'],
      ['a list that is not JSON', 'Org2MSP'],
      ['a JSON value that is not a list', '{"voters":["Org2MSP"]}'],
      ['an entry that is not an MSP id', '["Org2MSP",42]'],
    ] as const) {
      it(`refuses ${title} with INVALID_ARGUMENT`, async () => {
        await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
        await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

        await expectRefusedWithoutWrites(ledger, finalize(org1, votersJson), 'INVALID_ARGUMENT');
      });
    }

    it('refuses an oversized list before parsing it', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        finalize(org1, ' '.repeat(16 * 1024 + 1)),
        'PAYLOAD_TOO_LARGE',
      );
    });

    it('refuses a participant who joined the set after the block was created', async () => {
      const org5 = orgs[4] as TestIdentity;
      await changeParticipants(ledger, 'grow', { add: ['Org5MSP'] }, mspIds(3));
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));

      await expectRefusedWithoutWrites(
        ledger,
        finalize(org1, '["Org2MSP","Org5MSP"]'),
        'INVALID_ARGUMENT',
      );
      // Nor may the newcomer record the outcome of a block it is no participant of.
      await expectRefusedWithoutWrites(ledger, finalize(org5), 'NOT_A_PARTICIPANT');
    });

    it('returns the recorded outcome to any later call without writing or announcing', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      const first = await finalizeWith('Org2MSP', 'Org3MSP');

      for (const votersJson of ['["Org4MSP"]', '["Org2MSP","Org3MSP"]', '']) {
        expect(await finalize(org2, votersJson)).to.deep.equal(first);
        expect(ledger.lastStub?.putState.called).to.be.false;
        expect(ledger.lastStub?.setEvent.called).to.be.false;
      }
      expect(outcomeEvents()).to.have.length(1);
    });

    it('refuses a verdict after the outcome with OUTCOME_RECORDED, leaving the counts', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
      const recorded = await finalizeWith('Org2MSP', 'Org3MSP');

      await expectRefusedWithoutWrites(
        ledger,
        ledger.recordVerdict(orgs[3] as TestIdentity, 'block-1', invalidVerdict()),
        'OUTCOME_RECORDED',
      );

      const view = await ledger.evaluateJson<{ verdicts: unknown[]; outcome: OutcomeView }>(
        org1,
        'GetFirstBlock',
        'block-1',
      );
      expect(view.verdicts).to.have.length(2);
      expect(view.outcome).to.deep.equal(recorded);
      expect(view.outcome).to.include({ valid: 2 });
    });
  });

  it('decides by counts alone, in any order, abstentions counting for neither side, for 1 to 50 participants, announcing once', async function () {
    // Hundreds of transactions through the contract dispatcher: generous on a loaded machine.
    this.timeout(180_000);
    const scenario = fc.integer({ min: 1, max: 50 }).chain((participants) =>
      fc.record({
        participants: fc.constant(participants),
        withVoters: fc.boolean(),
        results: fc.array(
          fc.constantFrom<'valid' | 'invalid' | 'unverifiable' | 'none'>(
            'valid',
            'invalid',
            'unverifiable',
            'none',
          ),
          {
            minLength: participants,
            maxLength: participants,
          },
        ),
        order: fc.shuffledSubarray(
          Array.from({ length: participants }, (_, index) => index),
          { minLength: participants, maxLength: participants },
        ),
      }),
    );

    await fc.assert(
      fc.asyncProperty(scenario, async ({ participants, withVoters, results, order }) => {
        await setUp(participants);
        // Org1 requests; the others vote, and the threshold is at least 1.
        const voterCount = participants - 1;
        const threshold = Math.max(1, Math.ceil(voterCount / 2));
        const valid = results.slice(1).filter((result) => result === 'valid').length;
        const invalid = results.slice(1).filter((result) => result === 'invalid').length;
        // A worker finalises after every verdict, naming the verdicts recorded so far or none;
        // the first decisive call records the outcome.
        const voters: string[] = [];
        for (const index of order) {
          const result = results[index];
          if (result === 'none' || index === 0) {
            continue;
          }
          const org = orgs[index] as TestIdentity;
          const verdict =
            result === 'valid'
              ? validVerdict(content)
              : result === 'invalid'
                ? invalidVerdict()
                : unverifiableVerdict();
          // Once the outcome is recorded, later verdicts are refused: it is final.
          const recorded = outcomeEvents().length > 0;
          const submitted = ledger.recordVerdict(org, 'block-1', verdict);
          if (recorded) {
            await expect(submitted).to.be.rejectedWith(refusal('OUTCOME_RECORDED'));
            continue;
          }
          await submitted;
          voters.push(org.mspId);
          if (!withVoters) {
            await finalize();
            continue;
          }
          await finalize(org1, JSON.stringify(voters)).catch((error: unknown) => {
            expect(String(error)).to.match(/OUTCOME_PENDING: /);
          });
        }

        const outcome = await ledger.evaluateJson<OutcomeView>(org1, 'GetOutcome', 'block-1');
        const expected =
          valid >= threshold
            ? 'accepted'
            : invalid > 0 && invalid > voterCount - threshold
              ? 'rejected'
              : 'pending';
        expect(outcome.status).to.equal(expected);
        expect(outcome.threshold).to.equal(threshold);
        expect(outcomeEvents()).to.have.length(expected === 'pending' ? 0 : 1);
      }),
      { numRuns: 20 },
    );
  });
});
