import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { expectRefusedWithoutWrites } from './assertions';
import { identityOf, invalidVerdict } from './fixtures';
import { compositeKey, LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

// The refusal check is what the contract tests lean on to say "and nothing changed", so it must
// itself fail when a refused transaction asked to change something.
describe('the refusal check', () => {
  let ledger: LedgerDouble;

  beforeEach(() => {
    ledger = new LedgerDouble();
  });

  /** A refused RecordVerdict that, before its refusal reaches the peer, also does `write`. */
  async function refusedAfter(write: (ledger: LedgerDouble) => Promise<void>): Promise<string> {
    const org2 = await identityOf('Org2MSP');
    return ledger
      .recordVerdict(org2, 'no-such-block', invalidVerdict())
      .catch(async (error: unknown) => {
        await write(ledger);
        throw error;
      });
  }

  it('passes a refusal that asked for no write', async () => {
    const org2 = await identityOf('Org2MSP');
    await expectRefusedWithoutWrites(
      ledger,
      ledger.recordVerdict(org2, 'no-such-block', invalidVerdict()),
      'FIRST_BLOCK_NOT_FOUND',
    );
  });

  it('fails a refusal whose write set would change the world state', async () => {
    const refused = refusedAfter(async (double) => {
      await double.lastStub?.putState(compositeKey('block', 'no-such-block'), Buffer.from('{}'));
    });
    await expect(
      expectRefusedWithoutWrites(ledger, refused, 'FIRST_BLOCK_NOT_FOUND'),
    ).to.be.rejectedWith(/the world state with the refused write set applied/);
  });

  it('fails a refusal whose write set deletes a key', async () => {
    const stored = compositeKey('block', 'other-block');
    ledger.world.set(stored, Buffer.from('{}'));
    const refused = refusedAfter(async (double) => {
      await double.lastStub?.deleteState(stored);
    });
    await expect(
      expectRefusedWithoutWrites(ledger, refused, 'FIRST_BLOCK_NOT_FOUND'),
    ).to.be.rejectedWith(/the world state with the refused write set applied/);
  });

  it('fails a refusal that rewrote a key with the value it already had', async () => {
    const stored = compositeKey('block', 'other-block');
    ledger.world.set(stored, Buffer.from('{}'));
    const refused = refusedAfter(async (double) => {
      await double.lastStub?.putState(stored, Buffer.from('{}'));
    });
    await expect(
      expectRefusedWithoutWrites(ledger, refused, 'FIRST_BLOCK_NOT_FOUND'),
    ).to.be.rejectedWith(/putState called/);
  });
});
