import type { FirstBlockPage } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import sinon from 'sinon';
import type { TestIdentity } from '../../support/identities';
import { consortium, initParticipants, mspIds, newSignedFirstBlock, refusal } from './fixtures';
import { compositeKey, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('ListFirstBlocks', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;

  before(async () => {
    [org1] = (await consortium(1)) as [TestIdentity];
  });

  beforeEach(async () => {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(2));
    for (const id of ['b-3', 'b-1', 'b-5', 'b-2', 'b-4']) {
      const signed = newSignedFirstBlock(org1, { id, mode: 'relay', records: 2 });
      await ledger.submit(
        org1,
        'CreateFirstBlock',
        signed.contentJson,
        signed.signature,
        signed.saltSeed,
      );
    }
  });

  afterEach(() => {
    sinon.restore();
  });

  function list(status: string, pageSize: string, bookmark: string): Promise<FirstBlockPage> {
    return ledger.evaluateJson<FirstBlockPage>(org1, 'ListFirstBlocks', status, pageSize, bookmark);
  }

  it('pages through a status in block-id order through the status index', async () => {
    const first = await list('pending', '2', '');
    const second = await list('pending', '2', first.bookmark);
    const third = await list('pending', '2', second.bookmark);

    expect(
      [...first.items, ...second.items, ...third.items].map((item) => item.blockId),
    ).to.deep.equal(['b-1', 'b-2', 'b-3', 'b-4', 'b-5']);
    expect(third.bookmark).to.equal('');
    expect(
      ledger.lastStub?.getStateByPartialCompositeKeyWithPagination.firstCall.args,
    ).to.deep.equal(['status', ['pending'], 2, second.bookmark]);
    expect(ledger.lastStub?.getState.called, 'reads each block').to.be.false;
  });

  it('lists a summary of each block', async () => {
    const page = await list('pending', '1', '');

    expect(page.items).to.deep.equal([
      {
        blockId: 'b-1',
        status: 'pending',
        requester: 'Org1MSP',
        mode: 'relay',
        sourceId: 'customers-db',
        records: 2,
        participants: 2,
        threshold: 1,
        deadline: '2025-01-02T00:00:00.000Z',
        createdAt: '2025-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('lists nothing for a status no block has', async () => {
    expect(await list('expired', '10', '')).to.deep.equal({ items: [], bookmark: '' });
  });

  for (const [title, status, pageSize, bookmark] of [
    ['an unknown status', 'done', '10', ''],
    ['a page size of 0', 'pending', '0', ''],
    ['a page size above 100', 'pending', '101', ''],
    ['a fractional page size', 'pending', '1.5', ''],
    ['an oversized bookmark', 'pending', '10', 'x'.repeat(1025)],
    ['a page size that is not a number', 'pending', 'ten', ''],
    ['a bookmark outside the status index', 'pending', '10', compositeKey('block', 'b-1')],
    ["a bookmark in another status's list", 'pending', '10', compositeKey('status', 'expired')],
  ] as const) {
    it(`refuses ${title}`, async () => {
      await expect(list(status, pageSize, bookmark)).to.be.rejectedWith(
        refusal('INVALID_ARGUMENT'),
      );
    });
  }
});
