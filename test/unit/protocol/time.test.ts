import { expect } from 'chai';
import fc from 'fast-check';
import { formatInstant, instantFromTimestamp, parseUtcTimestamp } from '@corroborate/protocol';

// Chaincode may not use Date; these tests hold its integer calendar arithmetic against Date.
describe('time', () => {
  const millisecond = 1_000_000n;
  const anyMillis = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) });

  it('formats instants as Date.prototype.toISOString does', () => {
    fc.assert(
      fc.property(anyMillis, (millis) => {
        expect(formatInstant(BigInt(millis) * millisecond)).to.equal(
          new Date(millis).toISOString(),
        );
      }),
    );
  });

  it('parses what it formats', () => {
    fc.assert(
      fc.property(anyMillis, (millis) => {
        const instant = BigInt(millis) * millisecond;
        expect(parseUtcTimestamp(formatInstant(instant))).to.equal(instant);
      }),
    );
  });

  it('keeps fractions down to nanoseconds', () => {
    expect(parseUtcTimestamp('1970-01-01T00:00:01.000000001Z')).to.equal(1_000_000_001n);
    expect(parseUtcTimestamp('2025-01-01T00:00:00Z')).to.equal(
      BigInt(Date.UTC(2025, 0, 1)) * millisecond,
    );
  });

  for (const text of [
    '2025-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '2025-01-01T00:00:60Z',
    '2025-01-01T00:00:00+01:00',
    '2025-01-01 00:00:00Z',
    '2025-01-01T00:00:00.1234567891Z',
    '2025-01-01',
  ]) {
    it(`refuses ${text}`, () => {
      expect(parseUtcTimestamp(text)).to.be.undefined;
    });
  }

  it('accepts 29 February in leap years', () => {
    expect(parseUtcTimestamp('2024-02-29T12:00:00Z')).to.equal(
      BigInt(Date.UTC(2024, 1, 29, 12)) * millisecond,
    );
    expect(parseUtcTimestamp('2000-02-29T00:00:00Z')).not.to.be.undefined;
    expect(parseUtcTimestamp('1900-02-29T00:00:00Z')).to.be.undefined;
  });

  it('reads protobuf timestamps whose seconds are Long-like', () => {
    expect(instantFromTimestamp({ toString: () => '1735689600' }, 5)).to.equal(
      1_735_689_600_000_000_005n,
    );
  });
});
