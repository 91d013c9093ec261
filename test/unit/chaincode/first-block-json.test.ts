import type { StoredFirstBlock } from '@corroborate/chaincode';
import { canonicalJson, firstBlockSigningPayload } from '@corroborate/chaincode/shared';
import { expect } from 'chai';
import sinon from 'sinon';
import { storedFirstBlockJson } from '../../../chaincode/src/first-block';
import { consortium, mspIds, newFirstBlockContent, newSignedFirstBlock } from './fixtures';
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
  };
}

describe('first block JSON spliced from canonical parts', () => {
  let org1: Identity;

  before(async () => {
    [org1] = (await consortium(3)) as [Identity];
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
      await ledger.submit(org1, 'InitParticipants', JSON.stringify(mspIds(3)), '0.5');
    });

    function storedBytes(): string {
      return ledger.world.get(compositeKey('block', 'block-1'))?.toString('utf8') ?? '';
    }

    for (const records of [1, 1000]) {
      it(`returns and stores a block of ${records} record(s) as its canonical JSON`, async () => {
        const { contentJson, signature } = newSignedFirstBlock(org1, { records });

        const created = await ledger.submit(org1, 'CreateFirstBlock', contentJson, signature);

        expect(created).to.equal(canonicalJson(JSON.parse(created)));
        expect(storedBytes()).to.equal(created);
      });
    }
  });
});
