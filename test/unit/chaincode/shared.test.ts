import type { OutcomeView, Verdict } from '@corroborate/protocol';
import { decodeBlockEvents } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { TestIdentity } from '../../support/identities';
import { expectRefusedWithoutWrites } from './assertions';
import {
  identityOf,
  initParticipants,
  invalidVerdict,
  members,
  mspIds,
  newSignedFirstBlock,
  validVerdict,
} from './fixtures';
import type { SignedFirstBlock } from './fixtures';
import { compositeKey as key, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('shared transactions', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;
  let org2: TestIdentity;
  let org3: TestIdentity;
  let blocks: SignedFirstBlock[];

  before(async () => {
    ({ org1, org2, org3 } = await members(3));
  });

  // Three participants: Org1 requests blocks 1–3; Org2 and Org3 vote, and one verdict decides.
  beforeEach(async () => {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(3));
    blocks = [];
    for (const id of ['block-1', 'block-2', 'block-3']) {
      const signed = newSignedFirstBlock(org1, { id });
      await ledger.submit(
        org1,
        'CreateFirstBlock',
        signed.contentJson,
        signed.signature,
        signed.saltSeed,
      );
      blocks.push(signed);
    }
  });

  /** RecordVerdicts' argument: each verdict signed by `voter` over its own block. */
  function verdictsOf(voter: TestIdentity, items: Array<[string, string]>): string {
    return JSON.stringify(
      items.map(([blockId, verdictJson]) => ({
        blockId,
        verdict: JSON.parse(ledger.signVerdict(voter, blockId, verdictJson)) as unknown,
      })),
    );
  }

  function valid(index: number): [string, string] {
    const block = blocks[index] as SignedFirstBlock;
    return [block.content.id, validVerdict(block.content)];
  }

  describe('RecordVerdicts', () => {
    it("stores each block's verdict under its own key, signed, and announces them in one event", async () => {
      const verdicts = await ledger.submitJson<Verdict[]>(
        org2,
        'RecordVerdicts',
        verdictsOf(org2, [valid(0), ['block-2', invalidVerdict()]]),
      );

      expect(verdicts.map((verdict) => [verdict.blockId, verdict.result])).to.deep.equal([
        ['block-1', 'valid'],
        ['block-2', 'invalid'],
      ]);
      const txId = verdicts[0]?.txId;
      expect(verdicts.every((verdict) => verdict.txId === txId)).to.be.true;
      for (const verdict of verdicts) {
        const stored = ledger.world.get(key('verdict', verdict.blockId, 'Org2MSP'));
        expect(JSON.parse(stored?.toString('utf8') ?? 'null')).to.deep.equal(verdict);
        expect(verdict.signerCertificate).to.equal(org2.certificate);
      }
      expect(ledger.world.has(key('verdict', 'block-3', 'Org2MSP'))).to.be.false;
      const event = ledger.events.at(-1);
      expect(event?.name).to.equal('VerdictsRecorded');
      expect(
        decodeBlockEvents(event?.name ?? '', JSON.stringify(event?.payload)).map((body) => [
          body.name,
          body.payload,
        ]),
      ).to.deep.equal([
        [
          'VerdictRecorded',
          { blockId: 'block-1', participant: 'Org2MSP', result: 'valid', reason: 'OK', txId },
        ],
        [
          'VerdictRecorded',
          {
            blockId: 'block-2',
            participant: 'Org2MSP',
            result: 'invalid',
            reason: 'HASH_MISMATCH',
            txId,
          },
        ],
      ]);
    });

    it('records the same verdict the single transaction records', async () => {
      const [shared] = await ledger.submitJson<Verdict[]>(
        org2,
        'RecordVerdicts',
        verdictsOf(org2, [valid(0)]),
      );
      const single = JSON.parse(
        await ledger.recordVerdict(org3, 'block-1', validVerdict(blocks[0]?.content ?? never())),
      ) as Verdict;

      const comparable = (verdict: Verdict | undefined): Partial<Verdict> => ({
        ...verdict,
        participant: '',
        signature: '',
        signerCertificate: '',
        txId: '',
      });
      expect(comparable(shared)).to.deep.equal(comparable(single));
    });

    it('refuses them all when one is refused, naming it, and writes nothing', async () => {
      await ledger.recordVerdict(org2, 'block-2', validVerdict(blocks[1]?.content ?? never()));

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdicts', verdictsOf(org2, [valid(0), valid(1), valid(2)])),
        'DUPLICATE_VERDICT',
      );
      await expect(
        ledger.submit(org2, 'RecordVerdicts', verdictsOf(org2, [valid(0), valid(1)])),
      ).to.be.rejectedWith(
        'DUPLICATE_VERDICT: verdictsJson[1] (block-2): Org2MSP recorded a verdict on block-2 already',
      );
      expect(ledger.world.has(key('verdict', 'block-1', 'Org2MSP'))).to.be.false;
    });

    it('refuses a verdict signed over another block, naming the item', async () => {
      const forged = JSON.stringify([
        {
          blockId: 'block-1',
          verdict: JSON.parse(
            ledger.signVerdict(org2, 'block-1', validVerdict(blocks[0]?.content ?? never())),
          ) as unknown,
        },
        {
          blockId: 'block-2',
          // Signed over block-3: the contract checks it against block-2.
          verdict: JSON.parse(
            ledger.signVerdict(org2, 'block-3', validVerdict(blocks[1]?.content ?? never())),
          ) as unknown,
        },
      ]);
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdicts', forged),
        'BAD_VERDICT_SIGNATURE',
      );
      await expect(ledger.submit(org2, 'RecordVerdicts', forged)).to.be.rejectedWith(
        /^BAD_VERDICT_SIGNATURE: verdictsJson\[1\] \(block-2\): /,
      );
    });

    it('refuses a block listed twice, an empty list, more than 100 and malformed items', async () => {
      const twice = verdictsOf(org2, [valid(0), valid(0)]);
      const cases: Array<[string, string]> = [
        [twice, 'INVALID_ARGUMENT: verdictsJson[1].blockId: block-1 is listed twice'],
        ['[]', 'INVALID_ARGUMENT: verdictsJson: must be an array of 1 to 100 items'],
        [
          JSON.stringify(
            Array.from({ length: 101 }, (_, index) => ({ blockId: `b${index}`, verdict: {} })),
          ),
          'INVALID_ARGUMENT: verdictsJson: must be an array of 1 to 100 items',
        ],
        ['{}', 'INVALID_ARGUMENT: verdictsJson: must be an array of 1 to 100 items'],
        ['[', 'INVALID_ARGUMENT: verdictsJson: not valid JSON'],
        ['[1]', 'INVALID_ARGUMENT: verdictsJson[0]: must be an object'],
        ['[{"verdict":{}}]', 'INVALID_ARGUMENT: verdictsJson[0].blockId: must be a string'],
        ['[{"blockId":"block-1"}]', 'INVALID_ARGUMENT: verdictsJson[0].verdict: must be an object'],
        [
          '[{"blockId":"block-1","verdict":{},"extra":1}]',
          'INVALID_ARGUMENT: verdictsJson[0]: unknown property extra',
        ],
        [
          '[{"blockId":"block-1","verdict":{"result":"valid"}}]',
          'INVALID_ARGUMENT: verdictsJson[0].verdict: observedHash: is required',
        ],
      ];
      for (const [argument, message] of cases) {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(org2, 'RecordVerdicts', argument),
          'INVALID_ARGUMENT',
        );
        await expect(ledger.submit(org2, 'RecordVerdicts', argument)).to.be.rejectedWith(message);
      }
    });

    it('refuses an argument over 4 MiB before parsing it', async () => {
      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'RecordVerdicts', ' '.repeat(4 * 1024 * 1024 + 1)),
        'PAYLOAD_TOO_LARGE',
      );
    });
  });

  describe('FinalizeOutcomes', () => {
    it('records the outcome of each decided block, and one event listing them', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(blocks[0]?.content ?? never()));
      await ledger.recordVerdict(org2, 'block-2', invalidVerdict());

      const views = await ledger.submitJson<OutcomeView[]>(
        org2,
        'FinalizeOutcomes',
        JSON.stringify([
          { blockId: 'block-1', voters: ['Org2MSP'] },
          { blockId: 'block-2' },
          { blockId: 'block-3' },
        ]),
      );

      // In the order of the items.
      expect(views.map((view) => [view.status, view.recorded])).to.deep.equal([
        ['accepted', true],
        ['pending', false],
        ['pending', false],
      ]);
      expect(ledger.world.has(key('outcome', 'block-1'))).to.be.true;
      expect(ledger.world.has(key('outcome', 'block-2'))).to.be.false;
      expect(ledger.world.has(key('status', 'accepted', 'block-1'))).to.be.true;
      expect(ledger.world.has(key('status', 'pending', 'block-1'))).to.be.false;
      const event = ledger.events.at(-1);
      expect(event?.name).to.equal('OutcomesDecided');
      expect(
        decodeBlockEvents(event?.name ?? '', JSON.stringify(event?.payload)).map((body) => [
          body.name,
          (body.payload as { blockId: string }).blockId,
        ]),
      ).to.deep.equal([['OutcomeDecided', 'block-1']]);
    });

    it('sets no event when it records no outcome, and returns a recorded one as it is', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(blocks[0]?.content ?? never()));
      await ledger.submit(org2, 'FinalizeOutcome', 'block-1', '["Org2MSP"]');
      const events = ledger.events.length;

      const [view] = await ledger.submitJson<OutcomeView[]>(
        org3,
        'FinalizeOutcomes',
        JSON.stringify([{ blockId: 'block-1' }, { blockId: 'block-2' }]),
      );

      expect(view?.status).to.equal('accepted');
      expect(ledger.events.length).to.equal(events);
    });

    it('refuses them all when voters do not decide one, naming it, and writes nothing', async () => {
      await ledger.recordVerdict(org2, 'block-1', validVerdict(blocks[0]?.content ?? never()));
      await ledger.recordVerdict(org2, 'block-2', invalidVerdict());
      const outcomes = JSON.stringify([
        { blockId: 'block-1', voters: ['Org2MSP'] },
        { blockId: 'block-2', voters: ['Org2MSP'] },
      ]);

      await expectRefusedWithoutWrites(
        ledger,
        ledger.submit(org2, 'FinalizeOutcomes', outcomes),
        'OUTCOME_PENDING',
      );
      await expect(ledger.submit(org2, 'FinalizeOutcomes', outcomes)).to.be.rejectedWith(
        /^OUTCOME_PENDING: outcomesJson\[1\] \(block-2\): /,
      );
    });

    it('refuses an outsider, an unknown block, a block twice and malformed voters', async () => {
      const outsider = await identityOf('Org4MSP');
      const cases: Array<[TestIdentity, string, string]> = [
        [outsider, '[{"blockId":"block-1"}]', 'NOT_A_PARTICIPANT'],
        [org2, '[{"blockId":"block-1"},{"blockId":"block-9"}]', 'FIRST_BLOCK_NOT_FOUND'],
        [org2, '[{"blockId":"block-1"},{"blockId":"block-1"}]', 'INVALID_ARGUMENT'],
        [org2, '[{"blockId":"block-1","voters":[]}]', 'INVALID_ARGUMENT'],
        [org2, '[{"blockId":"block-1","voters":"Org2MSP"}]', 'INVALID_ARGUMENT'],
        [org2, '[{"blockId":"block-1","verdict":{}}]', 'INVALID_ARGUMENT'],
      ];
      for (const [caller, argument, code] of cases) {
        await expectRefusedWithoutWrites(
          ledger,
          ledger.submit(caller, 'FinalizeOutcomes', argument),
          code,
        );
      }
    });
  });
});

function never(): never {
  throw new Error('fixture missing');
}
