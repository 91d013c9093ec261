import type { StoredFirstBlock } from '@corroborate/protocol';
import { canonicalJson, firstBlockSigningPayload } from '@corroborate/protocol';
import { expect } from 'chai';
import sinon from 'sinon';
import { firstBlockViewJson, storedFirstBlockJson } from '../../../chaincode/src/first-block';
import {
  consortium,
  initParticipants,
  mspIds,
  newFirstBlockContent,
  newSignedFirstBlock,
  SALT_SEED,
  validVerdict,
} from './fixtures';
import { compositeKey, LedgerDouble } from './ledger-double';

type Identity = Awaited<ReturnType<typeof consortium>>[number];

function storedBlock(records: number, requester: Identity): StoredFirstBlock {
  return {
    content: newFirstBlockContent(requester, { records }),
    signature: 'c2lnbmF0dXJl',
    requesterCertificate: requester.certificate,
    contentHash: 'ab'.repeat(32),
    participants: mspIds(3),
    threshold: 2,
    quorumRatio: '0.5',
    createdAt: '2025-01-01T00:00:00.000Z',
    txId: 'tx-1',
    saltSeed: SALT_SEED,
  };
}

describe('first block JSON spliced from canonical parts', () => {
  let org1: Identity;
  let org2: Identity;
  let org3: Identity;

  before(async () => {
    [org1, org2, org3] = (await consortium(3)) as [Identity, Identity, Identity];
  });

  afterEach(() => {
    sinon.restore();
  });

  for (const records of [1, 1000]) {
    it(`writes a stored block of ${records} record(s) byte for byte as canonicalJson`, () => {
      const block = storedBlock(records, org1);

      const json = storedFirstBlockJson(block, firstBlockSigningPayload(block.content));

      expect(json).to.equal(canonicalJson(block));
    });

    it(`writes a view of ${records} record(s) byte for byte as canonicalJson`, () => {
      const block = storedBlock(records, org1);
      const outcome = {
        status: 'accepted',
        recorded: true,
        valid: 2,
        invalid: 0,
        unverifiable: 0,
        participants: 3,
        threshold: 2,
        decidedAt: '2025-01-01T00:00:01.000Z',
        txId: 'tx-3',
      } as const;
      const verdicts = [
        {
          blockId: block.content.id,
          participant: 'Org1MSP',
          result: 'valid',
          observedHash: block.content.batchRoot,
          reason: 'OK',
          attempts: 1,
          failedRecords: [],
          recordedAt: '2025-01-01T00:00:01.000Z',
          txId: 'tx-2',
        },
      ] as const;

      const json = firstBlockViewJson(
        canonicalJson(block),
        verdicts.map((verdict) => ({ ...verdict, failedRecords: [...verdict.failedRecords] })),
        outcome,
      );

      expect(json).to.equal(canonicalJson({ block, verdicts, outcome }));
    });
  }

  it('keeps the canonical bytes of a block with a key that sorts before content', () => {
    const block = { ...storedBlock(2, org1), aaa: 1 };

    const json = storedFirstBlockJson(block, firstBlockSigningPayload(block.content));

    expect(json).to.equal(canonicalJson(block));
  });

  describe('through the contract', () => {
    let ledger: LedgerDouble;

    beforeEach(async () => {
      ledger = new LedgerDouble();
      await initParticipants(ledger, mspIds(3));
    });

    function storedBytes(): string {
      return ledger.world.get(compositeKey('block', 'block-1'))?.toString('utf8') ?? '';
    }

    for (const records of [1, 1000]) {
      it(`returns and stores a block of ${records} record(s) as its canonical JSON`, async () => {
        const { contentJson, signature } = newSignedFirstBlock(org1, { records });

        const created = await ledger.submit(
          org1,
          'CreateFirstBlock',
          contentJson,
          signature,
          SALT_SEED,
        );

        expect(created).to.equal(canonicalJson(JSON.parse(created)));
        expect(storedBytes()).to.equal(created);
      });

      it(`returns GetFirstBlock of ${records} record(s) as canonicalJson of the view`, async () => {
        const { content, contentJson, signature } = newSignedFirstBlock(org1, { records });
        await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);
        const views = [await ledger.evaluate(org2, 'GetFirstBlock', 'block-1')];
        await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
        views.push(await ledger.evaluate(org3, 'GetFirstBlock', 'block-1'));
        await ledger.recordVerdict(org3, 'block-1', validVerdict(content));
        await ledger.submit(org3, 'FinalizeOutcome', 'block-1', '');
        views.push(await ledger.evaluate(org1, 'GetFirstBlock', 'block-1'));

        for (const view of views) {
          const parsed = JSON.parse(view) as { block: StoredFirstBlock };
          expect(view).to.equal(canonicalJson(parsed));
          expect(canonicalJson(parsed.block)).to.equal(storedBytes());
        }
        expect(
          views.map((view) => (JSON.parse(view) as { outcome: unknown }).outcome),
        ).to.deep.equal([
          // Org1 requests: Org2 and Org3 vote, and one of them decides.
          {
            status: 'pending',
            recorded: false,
            valid: 0,
            invalid: 0,
            unverifiable: 0,
            participants: 2,
            threshold: 1,
          },
          {
            status: 'accepted',
            recorded: false,
            valid: 1,
            invalid: 0,
            unverifiable: 0,
            participants: 2,
            threshold: 1,
          },
          {
            status: 'accepted',
            recorded: true,
            valid: 2,
            invalid: 0,
            unverifiable: 0,
            participants: 2,
            threshold: 1,
            decidedAt: '2025-01-01T00:00:00.000Z',
            txId: (JSON.parse(views[2] as string) as { outcome: { txId: string } }).outcome.txId,
          },
        ]);
      });
    }

    it('serves GetFirstBlock of a block stored before its meta key existed', async () => {
      const { content, contentJson, signature } = newSignedFirstBlock(org1, { records: 3 });
      await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature, SALT_SEED);
      await ledger.recordVerdict(org2, 'block-1', validVerdict(content));
      const withMeta = await ledger.evaluate(org3, 'GetFirstBlock', 'block-1');
      ledger.world.delete(compositeKey('blockmeta', 'block-1'));

      const withoutMeta = await ledger.evaluate(org3, 'GetFirstBlock', 'block-1');

      expect(withoutMeta).to.equal(withMeta);
    });
  });
});
