import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { contracts } from '../../../scripts/baseline-chaincode/dist';
import type { TestIdentity } from '../../support/identities';
import { identityOf } from '../chaincode/fixtures';
import { LedgerDouble } from '../chaincode/ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

describe("the benchmark's baseline chaincode", () => {
  let ledger: LedgerDouble;
  let org1: TestIdentity;

  before(async () => {
    org1 = await identityOf('Org1MSP');
  });

  beforeEach(() => {
    ledger = new LedgerDouble({ contracts, name: 'baseline' });
  });

  it('writes the value under the key, blind, as its default contract', async () => {
    await ledger.submit(org1, 'Put', 'raw-1', 'x');

    expect([...ledger.world].map(([key, value]) => [key, value.toString('utf8')])).to.deep.equal([
      ['raw-1', 'x'],
    ]);
    expect(ledger.lastStub?.getState.called).to.be.false;
  });

  it('refuses a malformed key or a value over 1 KiB with INVALID_ARGUMENT, writing nothing', async () => {
    await expect(ledger.submit(org1, 'Put', 'bad key', 'x')).to.be.rejectedWith(
      /^INVALID_ARGUMENT: key: /,
    );
    await expect(ledger.submit(org1, 'Put', 'raw-2', 'x'.repeat(1025))).to.be.rejectedWith(
      /^INVALID_ARGUMENT: value: /,
    );
    expect(ledger.world.size).to.equal(0);
  });

  it('holds the baseline contract alone', async () => {
    const metadata = await ledger.evaluateJson<{ contracts: Record<string, unknown> }>(
      org1,
      'org.hyperledger.fabric:GetMetadata',
    );

    expect(Object.keys(metadata.contracts)).to.have.members(['baseline', 'org.hyperledger.fabric']);
  });
});
