import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import {
  fieldSalt,
  RuleError,
  saltsFromList,
  saltsFromSeed,
  saltsOfBlock,
  SCHEME_V1,
  SCHEME_V2,
  sha256Hex,
} from '@corroborate/protocol';

const seed = sha256Hex('salt test seed');

/** The salt as the hashing rule defines it, computed apart from the protocol package. */
function expectedSalt(seedHex: string, recordIndex: number, name: string): string {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(recordIndex);
  return createHmac('sha256', Buffer.from(seedHex, 'hex'))
    .update(Buffer.concat([Buffer.from('corroborate-v2 salt'), Buffer.from([0]), index]))
    .update(Buffer.from(name, 'utf8'))
    .digest('hex');
}

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(RuleError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('corroborate-v2 salts', () => {
  it('derives each salt by HMAC-SHA-256 of the seed over the tag, the index and the name', () => {
    for (const [index, name] of [
      [0, 'balance'],
      [1, 'balance'],
      [0xffff_ffff, 'zoë'],
      [7, ''],
    ] as const) {
      expect(fieldSalt(seed, index, name), `${index}/${name}`).to.equal(
        expectedSalt(seed, index, name),
      );
    }
    const salts = saltsFromSeed(seed);
    // The keyed state is copied per field: asking twice, or in another order, gives the same.
    expect(Buffer.from(salts(3)('a')).toString('hex')).to.equal(expectedSalt(seed, 3, 'a'));
    expect(Buffer.from(salts(3)('b')).toString('hex')).to.equal(expectedSalt(seed, 3, 'b'));
    expect(Buffer.from(salts(3)('a')).toString('hex')).to.equal(expectedSalt(seed, 3, 'a'));
  });

  it('refuses a seed that is not 64 lowercase hex digits', () => {
    for (const bad of ['', seed.slice(2), seed.toUpperCase(), `${seed}00`, 'g'.repeat(64)]) {
      expect(
        refusal(() => saltsFromSeed(bad)),
        bad,
      ).to.equal('INVALID_ARGUMENT: saltSeed: must be 64 lowercase hex digits');
    }
  });

  it('refuses a record index outside 0..2^32-1 or not an integer', () => {
    const salts = saltsFromSeed(seed);
    for (const bad of [-1, 0.5, 2 ** 32, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(
        refusal(() => salts(bad)),
        String(bad),
      ).to.equal('INVALID_ARGUMENT: recordIndex: must be an integer in 0..4294967295');
    }
    expect(() => salts(0)).not.to.throw();
    expect(() => salts(2 ** 32 - 1)).not.to.throw();
  });

  it('reads disclosed salts from a list, and refuses one that is missing or malformed by its path', () => {
    const salt = expectedSalt(seed, 1, 'balance');
    const listed = saltsFromList([{}, { balance: salt, name: 'not hex' }]);
    expect(Buffer.from(listed(1)('balance')).toString('hex')).to.equal(salt);
    const why = 'must be the salt of the field: 64 lowercase hex digits';
    expect(refusal(() => listed(1)('name'))).to.equal(
      `INVALID_ARGUMENT: fieldSalts[1].name: ${why}`,
    );
    expect(refusal(() => listed(0)('balance'))).to.equal(
      `INVALID_ARGUMENT: fieldSalts[0].balance: ${why}`,
    );
    expect(refusal(() => listed(2)('balance'))).to.equal(
      `INVALID_ARGUMENT: fieldSalts[2].balance: ${why}`,
    );
    // Only the record's own names: nothing inherited from Object.prototype.
    expect(refusal(() => listed(1)('toString'))).to.equal(
      `INVALID_ARGUMENT: fieldSalts[1].toString: ${why}`,
    );
  });

  it('gives a corroborate-v2 block the salts of its seed, and a corroborate-v1 block none', () => {
    const v2 = saltsOfBlock({ content: { scheme: SCHEME_V2 }, saltSeed: seed });
    expect(Buffer.from(v2!(2)('id')).toString('hex')).to.equal(expectedSalt(seed, 2, 'id'));
    expect(saltsOfBlock({ content: { scheme: SCHEME_V1 } })).to.equal(undefined);
    // A v1 block is hashed without salts even when a seed is beside it.
    expect(saltsOfBlock({ content: { scheme: SCHEME_V1 }, saltSeed: seed })).to.equal(undefined);
    for (const saltSeed of [undefined, '', seed.toUpperCase()]) {
      expect(
        refusal(() => saltsOfBlock({ content: { scheme: SCHEME_V2 }, saltSeed })),
        String(saltSeed),
      ).to.equal(
        'INVALID_ARGUMENT: saltSeed: a corroborate-v2 block needs its seed: 64 lowercase hex digits',
      );
    }
  });
});
