import { expect } from 'chai';
import fc from 'fast-check';
import { RuleError, toCanonicalValue } from '@corroborate/protocol';

const instant = fc.integer({
  min: -62_135_596_800_000 + 86_400_000,
  max: 253_402_300_799_000 - 86_400_000,
});

function withOffset(epochMillis: number, offsetMinutes: number): string {
  const local = new Date(epochMillis + offsetMinutes * 60_000).toISOString().replace(/Z$/, '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetMinutes);
  const hours = String(Math.floor(magnitude / 60)).padStart(2, '0');
  const minutes = String(magnitude % 60).padStart(2, '0');
  return `${local.replace('T', ' ')}${sign}${hours}:${minutes}`;
}

describe('toCanonicalValue', () => {
  it('gives the same number for a bigint, its decimal text and a safe JS integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (value) => {
        const expected = toCanonicalValue(value);
        expect(toCanonicalValue(value.toString(), 'number')).to.deep.equal(expected);
        expect(toCanonicalValue(`${value.toString()}.000`, 'number')).to.deep.equal(expected);
        if (Number.isSafeInteger(Number(value))) {
          expect(toCanonicalValue(Number(value))).to.deep.equal(expected);
        }
      }),
    );
  });

  it('gives a JS number the decimal text of its shortest round-trip form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const canonical = toCanonicalValue(value);
        expect(canonical.t).to.equal('number');
        const text = (canonical as { v: string }).v;
        expect(text).to.match(/^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/);
        expect(Number(text)).to.equal(value === 0 ? 0 : value);
      }),
    );
  });

  it('gives the same timestamp for an instant written with any UTC offset', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (millis, offset) => {
        const expected = toCanonicalValue(new Date(millis));
        expect(toCanonicalValue(withOffset(millis, offset), 'timestamp')).to.deep.equal(expected);
        expect(toCanonicalValue(new Date(millis).toISOString(), 'timestamp')).to.deep.equal(
          expected,
        );
      }),
    );
  });

  it('keeps microseconds and pads fewer fractional digits to six', () => {
    expect(toCanonicalValue('2024-03-01T08:00:00.123456Z', 'timestamp')).to.deep.equal({
      t: 'timestamp',
      v: '2024-03-01T08:00:00.123456Z',
    });
    expect(toCanonicalValue('2024-03-01 10:00:00.1+02', 'timestamp')).to.deep.equal({
      t: 'timestamp',
      v: '2024-03-01T08:00:00.100000Z',
    });
  });

  it('gives the same json value whatever the order of object keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(toCanonicalValue(reversed, 'json')).to.deep.equal(toCanonicalValue(object, 'json'));
        expect(toCanonicalValue(JSON.stringify(object), 'json')).to.deep.equal(
          toCanonicalValue(object, 'json'),
        );
      }),
    );
  });

  it('keeps text byte-exact, without Unicode normalisation', () => {
    const composed = toCanonicalValue('caf\u00e9');
    const decomposed = toCanonicalValue('cafe\u0301');
    expect(composed).to.deep.equal({ t: 'text', v: 'caf\u00e9' });
    expect(decomposed).to.deep.equal({ t: 'text', v: 'cafe\u0301' });
    expect(composed).not.to.deep.equal(decomposed);
  });

  it('reads 0/1/t/f/true as a boolean when the type is boolean', () => {
    for (const raw of [true, 1, 1n, 't', 'true', 'T', '1']) {
      expect(toCanonicalValue(raw, 'boolean'), String(raw)).to.deep.equal({
        t: 'boolean',
        v: true,
      });
    }
    for (const raw of [false, 0, 0n, 'f', 'false', 'F', '0']) {
      expect(toCanonicalValue(raw, 'boolean'), String(raw)).to.deep.equal({
        t: 'boolean',
        v: false,
      });
    }
  });

  it('encodes bytes from a Buffer, a Uint8Array view and PostgreSQL hex text alike', () => {
    const backing = Uint8Array.from([9, 0, 1, 255, 9]);
    const expected = { t: 'bytes', v: 'AAH/' };
    expect(toCanonicalValue(Buffer.from([0, 1, 255]))).to.deep.equal(expected);
    expect(toCanonicalValue(backing.subarray(1, 4))).to.deep.equal(expected);
    expect(toCanonicalValue('\\x0001ff', 'bytes')).to.deep.equal(expected);
  });

  it('takes NULL as null for every type', () => {
    for (const type of [
      'boolean',
      'number',
      'text',
      'bytes',
      'date',
      'timestamp',
      'json',
    ] as const) {
      expect(toCanonicalValue(null, type)).to.deep.equal({ t: 'null' });
      expect(toCanonicalValue(undefined, type)).to.deep.equal({ t: 'null' });
    }
  });

  it('refuses values without a canonical form with a RuleError naming the field', () => {
    const cases: [unknown, Parameters<typeof toCanonicalValue>[1]][] = [
      [Number.NaN, undefined],
      [Number.NEGATIVE_INFINITY, 'number'],
      [new Date('invalid'), 'timestamp'],
      ['2024-03-01T08:00:00.1234567Z', 'timestamp'],
      ['2024-13-01', 'date'],
      [Symbol('x'), undefined],
      [new Map(), undefined],
      [1, 'money' as never],
    ];
    for (const [raw, type] of cases) {
      expect(() => toCanonicalValue(raw, type, 'amount'))
        .to.throw(RuleError, /^INVALID_VALUE: amount: /)
        .with.property('code', 'INVALID_VALUE');
    }
  });

  it('has February 29 only in leap years: every fourth year, and a century year only if divisible by 400', () => {
    for (const day of ['2000-02-29', '2024-02-29', '2400-02-29', '1600-02-29']) {
      expect(toCanonicalValue(day, 'date'), day).to.deep.equal({ t: 'date', v: day });
    }
    for (const day of ['1900-02-29', '2100-02-29', '2023-02-29', '1800-02-29']) {
      expect(() => toCanonicalValue(day, 'date'), day).to.throw(
        RuleError,
        `INVALID_VALUE: no such date ${day}`,
      );
    }
    expect(toCanonicalValue('2000-02-29T23:59:59Z', 'timestamp')).to.deep.equal({
      t: 'timestamp',
      v: '2000-02-29T23:59:59.000000Z',
    });
    expect(() => toCanonicalValue('1900-02-29T00:00:00Z', 'timestamp')).to.throw(RuleError);
  });

  it('refuses number text without a digit rather than reading it as zero', () => {
    for (const text of ['', '-', '+', '.', '-.', '+.', 'e5', '.e1', '-E+2']) {
      expect(() => toCanonicalValue(text, 'number'), JSON.stringify(text)).to.throw(
        RuleError,
        /^INVALID_VALUE: not a finite decimal number/,
      );
    }
    expect(toCanonicalValue('0.', 'number')).to.deep.equal({ t: 'number', v: '0' });
    expect(toCanonicalValue('-.5', 'number')).to.deep.equal({ t: 'number', v: '-0.5' });
  });

  it('refuses a Date for a date field unless it is at UTC midnight', () => {
    expect(toCanonicalValue(new Date('2024-02-29T00:00:00Z'), 'date')).to.deep.equal({
      t: 'date',
      v: '2024-02-29',
    });
    expect(() => toCanonicalValue(new Date('2024-02-28T22:00:00Z'), 'date')).to.throw(
      /INVALID_VALUE: .*UTC midnight/,
    );
  });

  it('refuses json nested deeper than 64 levels', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 70; level++) {
      deep = [deep];
    }
    expect(() => toCanonicalValue(deep, 'json')).to.throw(/^INVALID_VALUE: /);
  });
});
