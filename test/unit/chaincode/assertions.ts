import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { refusal } from './fixtures';
import type { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

/** A refusal carries its catalogue code and leaves state and events exactly as they were. */
export async function expectRefusedWithoutWrites(
  ledger: LedgerDouble,
  promise: Promise<unknown>,
  code: string,
): Promise<void> {
  const before = ledger.snapshot();
  const events = ledger.events.length;
  await expect(promise).to.be.rejectedWith(refusal(code));
  expect(ledger.lastStub?.putState.called, 'putState called').to.be.false;
  expect(ledger.lastStub?.deleteState.called, 'deleteState called').to.be.false;
  expect(ledger.lastStub?.setEvent.called, 'setEvent called').to.be.false;
  expect(ledger.snapshot()).to.deep.equal(before);
  expect(ledger.events).to.have.length(events);
}
