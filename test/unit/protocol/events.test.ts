import { decodeBlockEvents, decodeLedgerEvent, BLOCK_EVENT_NAMES } from '@corroborate/protocol';
import { expect } from 'chai';

const verdict = (blockId: string) => ({
  blockId,
  participant: 'Org2MSP',
  result: 'valid',
  reason: 'OK',
  txId: 'tx-1',
});
const outcome = (blockId: string) => ({
  blockId,
  status: 'accepted',
  valid: 1,
  invalid: 0,
  unverifiable: 0,
  txId: 'tx-2',
});

describe('contract events', () => {
  it("gives one event per block of a shared transaction's event, in its order", () => {
    expect(
      decodeBlockEvents(
        'VerdictsRecorded',
        JSON.stringify({ verdicts: [verdict('b1'), verdict('b2')] }),
      ),
    ).to.deep.equal([
      { name: 'VerdictRecorded', payload: verdict('b1') },
      { name: 'VerdictRecorded', payload: verdict('b2') },
    ]);
    expect(
      decodeBlockEvents('OutcomesDecided', JSON.stringify({ outcomes: [outcome('b3')] })),
    ).to.deep.equal([{ name: 'OutcomeDecided', payload: outcome('b3') }]);
  });

  it('gives an event about one block as it is, and nothing for an event it does not define', () => {
    expect(decodeBlockEvents('VerdictRecorded', JSON.stringify(verdict('b1')))).to.deep.equal([
      { name: 'VerdictRecorded', payload: verdict('b1') },
    ]);
    expect(decodeBlockEvents('SomethingElse', '{}')).to.deep.equal([]);
  });

  it('refuses a shared event whose list is missing or holds a malformed item, naming it', () => {
    expect(() => decodeLedgerEvent('VerdictsRecorded', '{}')).to.throw(
      'VerdictsRecorded event: verdicts is missing or not a list',
    );
    expect(() =>
      decodeBlockEvents(
        'OutcomesDecided',
        JSON.stringify({ outcomes: [outcome('b1'), { ...outcome('b2'), valid: 'one' }] }),
      ),
    ).to.throw('OutcomesDecided event: outcomes[1]: valid is missing or not a number');
    expect(() =>
      decodeBlockEvents('VerdictsRecorded', JSON.stringify({ verdicts: [null] })),
    ).to.throw('VerdictsRecorded event: verdicts[0]: the payload is not a JSON object');
    expect(() => decodeLedgerEvent('VerdictRecorded', '[]')).to.throw(
      'VerdictRecorded event: the payload is not a JSON object',
    );
  });

  it('names to clients only the events about one block or the participant set', () => {
    expect(BLOCK_EVENT_NAMES).to.deep.equal([
      'FirstBlockCreated',
      'VerdictRecorded',
      'OutcomeDecided',
      'RecheckRequested',
      'AttestationRecorded',
      'ParticipantsChanged',
    ]);
  });
});
