import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { refusal } from './fixtures';
import type { LedgerDouble } from './ledger-double';

chai.use(chaiAsPromised);
const { expect } = chai;

/**
 * A refusal carries its catalogue code and leaves the world state and the events exactly as they
 * were. A peer discards a failed transaction's writes, so reading the world state after the
 * refusal could never show a change: what counts is what the transaction asked to write. The
 * transaction's write set, replayed in call order onto the state as it was, must give that state
 * back, and it must have asked for no write, delete or event at all.
 */
export async function expectRefusedWithoutWrites(
  ledger: LedgerDouble,
  promise: Promise<unknown>,
  code: string,
): Promise<void> {
  const before = ledger.snapshot();
  const events = ledger.events.length;
  await expect(promise).to.be.rejectedWith(refusal(code));
  const stub = ledger.lastStub;
  expect(stub, 'the refused transaction').not.to.be.undefined;
  if (stub === undefined) return;
  const writes = [
    ...stub.putState.getCalls().map((call) => {
      const [key, value] = call.args;
      return { call, key, value: Buffer.from(value).toString('hex') };
    }),
    ...stub.deleteState.getCalls().map((call) => {
      const [key] = call.args;
      return { call, key, value: undefined };
    }),
  ].sort((a, b) => (a.call.calledBefore(b.call) ? -1 : 1));
  const after = new Map(before);
  for (const { key, value } of writes) {
    if (value === undefined) {
      after.delete(key);
    } else {
      after.set(key, value);
    }
  }
  expect(after, 'the world state with the refused write set applied').to.deep.equal(before);
  expect(stub.putState.called, 'putState called').to.be.false;
  expect(stub.deleteState.called, 'deleteState called').to.be.false;
  expect(stub.setEvent.called, 'setEvent called').to.be.false;
  expect(ledger.snapshot(), 'the committed world state').to.deep.equal(before);
  expect(ledger.events).to.have.length(events);
}
