import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import type { TestIdentity } from '../../support/identities';
import { consortium, initParticipants, mspIds, refusal } from './fixtures';
import { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('a malformed call', () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;

  before(async () => {
    [org1] = (await consortium(1)) as [TestIdentity];
  });

  beforeEach(async () => {
    ledger = new LedgerDouble();
    await initParticipants(ledger, mspIds(2));
  });

  it('refuses an unknown transaction with UNKNOWN_TRANSACTION, naming it and writing nothing', async () => {
    const before = ledger.snapshot();

    await expect(ledger.submit(org1, 'NoSuchFn', 'x')).to.be.rejectedWith(
      /^UNKNOWN_TRANSACTION: NoSuchFn: contract corroborate has no such transaction \(it has .*ListFirstBlocks/,
    );
    expect(ledger.snapshot()).to.deep.equal(before);
  });

  it('refuses too few arguments with ARGUMENT_COUNT, naming the parameters', async () => {
    await expect(ledger.submit(org1, 'InitParticipants')).to.be.rejectedWith(
      /^ARGUMENT_COUNT: InitParticipants takes 2 argument\(s\) \(participantsJson, quorumRatio\), 0 given$/,
    );
  });

  it('refuses too many arguments with ARGUMENT_COUNT', async () => {
    await expect(ledger.evaluate(org1, 'GetParticipants', 'surplus')).to.be.rejectedWith(
      refusal('ARGUMENT_COUNT'),
    );
  });

  it('refuses a contract-qualified call with the wrong count the same way', async () => {
    await expect(
      ledger.evaluate(org1, 'corroborate:ListFirstBlocks', 'pending'),
    ).to.be.rejectedWith(refusal('ARGUMENT_COUNT'));
  });
});
