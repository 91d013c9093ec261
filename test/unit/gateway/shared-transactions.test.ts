import type { OutcomeView, Verdict, VerdictInput } from '@corroborate/protocol';
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import * as sinon from 'sinon';
import { classify } from '../../../gateway/src/classify';
import type { Committed, Ledger } from '../../../gateway/src/fabric/ledger';
import {
  Coalescer,
  withSharedTransactions,
  type SharingOptions,
} from '../../../gateway/src/fabric/shared-transactions';
import { chaincodeError, newStubbedLedger, type StubbedLedger } from './fakes';

chai.use(chaiAsPromised);
const { expect } = chai;

describe('shared transactions at the worker', () => {
  const sandbox = sinon.createSandbox();
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = sandbox.useFakeTimers();
  });

  afterEach(() => {
    sandbox.restore();
  });

  describe('Coalescer', () => {
    function coalescer(
      sharing: SharingOptions,
      many: (items: string[]) => Promise<string[]>,
      one: (item: string) => Promise<string> = (item) => Promise.resolve(`alone:${item}`),
    ) {
      const calls = { many: sandbox.spy(many), one: sandbox.spy(one) };
      const sent: Array<[number, boolean]> = [];
      const gathered = new Coalescer<string, string>({
        sharing,
        keyOf: (item) => item.split('#')[0] ?? item,
        many: calls.many,
        one: calls.one,
        onSent: (items, ok) => sent.push([items, ok]),
      });
      return { gathered, calls, sent };
    }

    const upper = (items: string[]): Promise<string[]> =>
      Promise.resolve(items.map((item) => item.toUpperCase()));

    it('sends what arrives within the linger in one call, each caller getting its own result', async () => {
      const { gathered, calls, sent } = coalescer({ lingerMs: 20, maxItems: 10 }, upper);

      const results = Promise.all([
        gathered.submit('a'),
        gathered.submit('b'),
        gathered.submit('c'),
      ]);
      await clock.tickAsync(19);
      sinon.assert.notCalled(calls.many);
      await clock.tickAsync(1);

      expect(await results).to.deep.equal(['A', 'B', 'C']);
      sinon.assert.calledOnceWithExactly(calls.many, ['a', 'b', 'c']);
      sinon.assert.notCalled(calls.one);
      expect(sent).to.deep.equal([[3, true]]);
    });

    it('sends at once when the count is reached, and starts the next call with the rest', async () => {
      const { gathered, calls } = coalescer({ lingerMs: 1000, maxItems: 2 }, upper);

      const first = Promise.all([gathered.submit('a'), gathered.submit('b')]);
      const third = gathered.submit('c');
      await clock.tickAsync(0);
      expect(await first).to.deep.equal(['A', 'B']);
      sinon.assert.calledOnceWithExactly(calls.many, ['a', 'b']);

      await clock.tickAsync(1000);
      // Alone after its linger: a call of one is the single transaction.
      expect(await third).to.equal('alone:c');
    });

    it('never puts one key twice in a call: the second starts the next', async () => {
      const { gathered, calls } = coalescer({ lingerMs: 10, maxItems: 10 }, upper);

      const results = Promise.all([
        gathered.submit('a#1'),
        gathered.submit('b'),
        gathered.submit('a#2'),
        gathered.submit('c'),
      ]);
      await clock.tickAsync(10);

      expect(await results).to.deep.equal(['A#1', 'B', 'A#2', 'C']);
      expect(calls.many.args).to.deep.equal([[['a#1', 'b']], [['a#2', 'c']]]);
    });

    it('submits each alone when the shared call fails, so each gets its own answer', async () => {
      const refused = new Error('DUPLICATE_VERDICT: b');
      const { gathered, calls, sent } = coalescer(
        { lingerMs: 5, maxItems: 10 },
        () => Promise.reject(new Error('DUPLICATE_VERDICT: verdictsJson[1] (b)')),
        (item) => (item === 'b' ? Promise.reject(refused) : Promise.resolve(`alone:${item}`)),
      );

      const a = gathered.submit('a');
      const b = gathered.submit('b');
      const c = gathered.submit('c');
      await clock.tickAsync(5);

      expect(await a).to.equal('alone:a');
      await expect(b).to.be.rejectedWith(refused);
      expect(await c).to.equal('alone:c');
      expect(calls.one.args).to.deep.equal([['a'], ['b'], ['c']]);
      expect(sent).to.deep.equal([[3, false]]);
    });

    it('submits each alone when the shared answer does not list every item', async () => {
      const { gathered } = coalescer({ lingerMs: 5, maxItems: 10 }, () => Promise.resolve(['A']));

      const results = Promise.all([gathered.submit('a'), gathered.submit('b')]);
      await clock.tickAsync(5);

      expect(await results).to.deep.equal(['alone:a', 'alone:b']);
    });

    it('shares nothing with a maximum of one: each goes alone, at once', async () => {
      const { gathered, calls } = coalescer({ lingerMs: 1000, maxItems: 1 }, upper);

      expect(await gathered.submit('a')).to.equal('alone:a');
      sinon.assert.notCalled(calls.many);
    });
  });

  describe('withSharedTransactions', () => {
    let ledger: StubbedLedger;
    let shared: Ledger;
    const sharing = { lingerMs: 10, maxItems: 50 };
    const input = (blockId: string): VerdictInput =>
      ({ result: 'valid', observedHash: blockId, reason: 'OK', attempts: 1 }) as VerdictInput;
    const verdict = (blockId: string): Verdict =>
      ({ blockId, participant: 'Org2MSP', txId: 'tx-9' }) as Verdict;
    const committed = <T>(result: T): Committed<T> => ({
      result,
      transactionId: 'tx-9',
      blockNumber: 9n,
    });

    beforeEach(() => {
      ledger = newStubbedLedger(sandbox, 'Org2MSP');
      shared = withSharedTransactions(ledger, { verdicts: sharing, outcomes: sharing });
    });

    it("records concurrent verdicts with one RecordVerdicts, each caller getting its block's", async () => {
      ledger.recordVerdicts.resolves(committed([verdict('b1'), verdict('b2')]));

      const both = Promise.all([
        shared.recordVerdict('b1', input('b1')),
        shared.recordVerdict('b2', input('b2')),
      ]);
      await clock.tickAsync(10);

      expect(await both).to.deep.equal([committed(verdict('b1')), committed(verdict('b2'))]);
      sinon.assert.calledOnceWithExactly(ledger.recordVerdicts, [
        { blockId: 'b1', verdict: input('b1') },
        { blockId: 'b2', verdict: input('b2') },
      ]);
      sinon.assert.notCalled(ledger.recordVerdict);
    });

    it('records concurrent outcomes with one FinalizeOutcomes, voters kept per block', async () => {
      const view = (status: string) => ({ status }) as unknown as OutcomeView;
      ledger.finalizeOutcomes.resolves(committed([view('accepted'), view('expired')]));

      const both = Promise.all([
        shared.finalizeOutcome('b1', ['Org2MSP']),
        shared.finalizeOutcome('b2'),
      ]);
      await clock.tickAsync(10);

      expect((await both).map((one) => one.result.status)).to.deep.equal(['accepted', 'expired']);
      sinon.assert.calledOnceWithExactly(ledger.finalizeOutcomes, [
        { blockId: 'b1', voters: ['Org2MSP'] },
        { blockId: 'b2' },
      ]);
    });

    it("gives each block the single transaction's refusal when the shared one is refused", async () => {
      ledger.recordVerdicts.rejects(chaincodeError('BLOCK_EXPIRED: verdictsJson[1] (b2): late'));
      ledger.recordVerdict.withArgs('b1').resolves(committed(verdict('b1')));
      ledger.recordVerdict.withArgs('b2').rejects(chaincodeError('BLOCK_EXPIRED: b2: late'));

      const first = shared.recordVerdict('b1', input('b1'));
      const second = shared.recordVerdict('b2', input('b2'));
      await clock.tickAsync(10);

      expect((await first).result.blockId).to.equal('b1');
      const refusal = await second.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(classify(refusal).code).to.equal('BLOCK_EXPIRED');
    });

    it('passes every other call straight to the ledger', async () => {
      ledger.height.resolves(42n);

      expect(await shared.height()).to.equal(42n);
      expect(shared.mspId).to.equal('Org2MSP');
    });
  });
});
