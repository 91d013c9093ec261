import { expect } from 'chai';
import fc from 'fast-check';
import {
  PROPOSAL_LIFETIME_SECONDS,
  TIME_WINDOW_SECONDS,
  expiryOf,
  formatInstant,
  instantFromTimestamp,
  maxDeadlineAhead,
  parseUtcTimestamp,
  proposalExpiryOf,
  proposalLifetime,
  timeWindow,
} from '@corroborate/protocol';

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
    '2025-01-01T00:60:00Z',
    '2025-00-10T00:00:00Z',
    '2025-01-00T00:00:00Z',
    'x2025-01-01T00:00:00Z',
    '2025-01-01T00:00:00Zx',
    '2025-01-01T00:00:00Z\n',
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

  // Year 0000 to 9999, as toISOString writes them: before 1970 and before year 1 included.
  const everyMillis = fc.integer({ min: -62_167_219_200_000, max: Date.UTC(9999, 11, 31) });

  it('formats and parses instants before 1970 and in year 0 as Date does, down to the nanosecond', () => {
    fc.assert(
      fc.property(everyMillis, fc.integer({ min: 0, max: 999_999 }), (millis, nanos) => {
        const iso = new Date(millis).toISOString();
        // Nanoseconds past the millisecond are cut, never rounded, on either side of 1970.
        expect(formatInstant(BigInt(millis) * millisecond + BigInt(nanos)), iso).to.equal(iso);
        expect(parseUtcTimestamp(iso), iso).to.equal(BigInt(millis) * millisecond);
      }),
    );
    const examples = [
      '0000-01-01T00:00:00.000Z',
      '0000-02-29T23:59:59.999Z',
      '0000-03-01T00:00:00.000Z',
      '0001-01-01T00:00:00.000Z',
      '1600-02-29T12:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2000-03-01T00:00:00.000Z',
      '2400-02-29T23:59:59.999Z',
    ];
    for (const iso of examples) {
      const millis = Date.parse(iso);
      expect(formatInstant(BigInt(millis) * millisecond), iso).to.equal(iso);
      expect(parseUtcTimestamp(iso), iso).to.equal(BigInt(millis) * millisecond);
    }
    expect(formatInstant(-1n)).to.equal('1969-12-31T23:59:59.999Z');
    expect(formatInstant(-1_000_000n)).to.equal('1969-12-31T23:59:59.999Z');
    expect(formatInstant(-1_000_001n)).to.equal('1969-12-31T23:59:59.998Z');
  });

  it('allows 30 days ahead for a deadline, the 60 s time window after it, and 7 days for a proposal', () => {
    const at = (text: string): bigint => parseUtcTimestamp(text) as bigint;
    const start = at('2025-01-01T00:00:00Z');
    expect(TIME_WINDOW_SECONDS).to.equal(60);
    expect(timeWindow).to.equal(at('1970-01-01T00:01:00Z'));
    expect(expiryOf(start)).to.equal(at('2025-01-01T00:01:00Z'));
    expect(maxDeadlineAhead).to.equal(at('1970-01-31T00:00:00Z'));
    expect(start + maxDeadlineAhead).to.equal(at('2025-01-31T00:00:00Z'));
    expect(PROPOSAL_LIFETIME_SECONDS).to.equal(7 * 86_400);
    expect(proposalLifetime).to.equal(at('1970-01-08T00:00:00Z'));
    expect(proposalExpiryOf(start)).to.equal(at('2025-01-08T00:00:00Z'));
  });

  it('reads protobuf timestamps whose seconds are Long-like', () => {
    expect(instantFromTimestamp({ toString: () => '1735689600' }, 5)).to.equal(
      1_735_689_600_000_000_005n,
    );
  });
});
