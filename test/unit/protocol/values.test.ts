import { expect } from 'chai';
import fc from 'fast-check';
import type { CanonicalValue } from '@corroborate/protocol';
import { isCanonicalValue, RuleError, toCanonicalValue } from '@corroborate/protocol';

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

  it('refuses a date or timestamp with anything around it, or a day, month or year 0', () => {
    for (const text of ['x2024-01-01', '2024-01-01x', '2024-00-10', '2024-01-00', '0000-01-01']) {
      expect(() => toCanonicalValue(text, 'date'), text).to.throw(RuleError, /^INVALID_VALUE: /);
    }
    for (const text of [
      'x2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00Zx',
      '2024-01-01T00:00:00+01:00 ',
      '2024-01-01T00:60:00Z',
      '2024-00-10T00:00:00Z',
      '2024-01-00T00:00:00Z',
      '0000-06-01T00:00:00Z',
    ]) {
      expect(() => toCanonicalValue(text, 'timestamp'), text).to.throw(
        RuleError,
        /^INVALID_VALUE: /,
      );
    }
  });

  it('names what is wrong with a time of day or a UTC offset', () => {
    const refusal = (text: string): string => {
      try {
        toCanonicalValue(text, 'timestamp');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`${text} was accepted`);
    };
    expect(refusal('2024-01-01T24:00')).to.equal('INVALID_VALUE: no such time of day 24:00:0');
    expect(refusal('2024-01-01T23:59:60')).to.equal('INVALID_VALUE: no such time of day 23:59:60');
    expect(refusal('2024-01-01T00:00:00+24')).to.equal('INVALID_VALUE: no such UTC offset +24:0');
    expect(refusal('2024-01-01T00:00:00-00:60')).to.equal(
      'INVALID_VALUE: no such UTC offset -00:60',
    );
    expect(refusal('2024-01-01T00:00:00+00:00:60')).to.match(/^INVALID_VALUE: no such UTC offset/);
    expect(refusal('2024-01-01T00:00:00.1234567Z')).to.equal(
      'INVALID_VALUE: timestamp has 7 fractional second digits, at most 6 are allowed',
    );
    expect(refusal('2024-01-01')).to.equal(
      'INVALID_VALUE: timestamp must be YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]][Z|±HH[:MM]]',
    );
    expect(refusal('0001-01-01T00:00:00+00:01')).to.equal(
      'INVALID_VALUE: timestamp is outside years 0001..9999 in UTC',
    );
    expect(refusal('9999-12-31T23:59:59-00:00:01')).to.equal(
      'INVALID_VALUE: timestamp is outside years 0001..9999 in UTC',
    );
  });

  it('takes UTC offsets up to 23:59:59, with or without colons, seconds included', () => {
    const cases: [string, string][] = [
      ['2024-01-01T00:00:30+00:00:30', '2024-01-01T00:00:00.000000Z'],
      ['2024-01-01T00:00:30+000030', '2024-01-01T00:00:00.000000Z'],
      ['2024-01-01T05:30:15+05:30:15', '2024-01-01T00:00:00.000000Z'],
      ['2024-01-01T00:00:00+00:00:59', '2023-12-31T23:59:01.000000Z'],
      ['2024-01-01T00:00:00+23', '2023-12-31T01:00:00.000000Z'],
      ['2024-01-01T00:00:00-23:59:59', '2024-01-01T23:59:59.000000Z'],
      ['2024-01-01T00:00:00+00:59', '2023-12-31T23:01:00.000000Z'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000Z'],
      ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
    ];
    for (const [text, canonical] of cases) {
      expect(toCanonicalValue(text, 'timestamp'), text).to.deep.equal({
        t: 'timestamp',
        v: canonical,
      });
    }
  });

  it('moves timestamps across the days where the calendar is hardest, as Date does', () => {
    // The ends of February and of centuries, where the 4-, 100- and 400-year rules apply.
    const days: string[] = [];
    for (const year of [1, 4, 100, 400, 1600, 1700, 1800, 1900, 2000, 2024, 2100, 2400, 9999]) {
      for (const monthDay of ['01-01', '02-28', '02-29', '03-01', '12-31']) {
        const text = `${String(year).padStart(4, '0')}-${monthDay}`;
        if (
          !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
          new Date(`${text}T00:00:00Z`).toISOString().startsWith(text)
        ) {
          days.push(text);
        }
      }
    }
    for (const day of days) {
      for (const [time, offset] of [
        ['00:30:00', '+01:00'],
        ['23:30:00', '-01:00'],
        ['12:00:00', 'Z'],
      ] as const) {
        const millis = Date.parse(`${day}T${time}${offset}`);
        const iso = new Date(millis).toISOString();
        // Outside years 0001..9999 in UTC (year 0, or +010000) the rule has no timestamp.
        if (!/^\d{4}-/.test(iso) || iso.startsWith('0000')) {
          expect(() => toCanonicalValue(`${day}T${time}${offset}`, 'timestamp')).to.throw(
            RuleError,
          );
          continue;
        }
        expect(
          toCanonicalValue(`${day}T${time}${offset}`, 'timestamp'),
          `${day}T${time}${offset}`,
        ).to.deep.equal({ t: 'timestamp', v: iso.replace(/\.(\d{3})Z$/, '.$1000Z') });
      }
    }
  });

  it('refuses PostgreSQL hex text with anything around it or an odd digit', () => {
    for (const text of ['ab\\x00', '\\x00zz', '\\x0', '\\xabc', '\\x0g']) {
      expect(() => toCanonicalValue(text, 'bytes'), text).to.throw(
        RuleError,
        /^INVALID_VALUE: not bytes/,
      );
    }
    expect(toCanonicalValue('\\x', 'bytes')).to.deep.equal({ t: 'bytes', v: '' });
    expect(toCanonicalValue('\\xABcd', 'bytes')).to.deep.equal({ t: 'bytes', v: 'q80=' });
  });

  it('refuses base64 that is not padded, or has anything around it', () => {
    expect(toCanonicalValue('AAH/', 'bytes')).to.deep.equal({ t: 'bytes', v: 'AAH/' });
    for (const text of ['AAH', '!!!!AAAA', 'AAAA!!!!', 'AA==AAAA', 'AAH/\n', 'AAF=']) {
      expect(() => toCanonicalValue(text, 'bytes'), text).to.throw(RuleError);
    }
  });

  it('keeps json nested to 64 levels, in arrays or objects, and refuses the 65th', () => {
    const nest = (levels: number, wrap: (inner: unknown) => unknown): unknown => {
      let value: unknown = 1;
      for (let level = 0; level < levels; level++) {
        value = wrap(value);
      }
      return value;
    };
    for (const wrap of [(inner: unknown) => [inner], (inner: unknown) => ({ a: inner })]) {
      const deepest = nest(64, wrap);
      expect(toCanonicalValue(deepest, 'json')).to.deep.equal({ t: 'json', v: deepest });
      expect(() => toCanonicalValue(nest(65, wrap), 'json')).to.throw(
        RuleError,
        'INVALID_VALUE: not a JSON document (plain objects, arrays, well-formed strings, finite numbers, booleans, null; depth <= 64)',
      );
    }
  });

  it('refuses json holding what JSON cannot: non-finite numbers, lone surrogates, other objects', () => {
    const refused: unknown[] = [
      { a: Number.NaN },
      { '\ud800': 1 },
      { a: '\udfff' },
      { a: { b: new Map() } },
      { a: new Date(0) },
      [1, 2n],
      [() => 1],
      [Symbol('s')],
      { a: undefined },
      // A sparse array: its hole is not null.
      [1, , 3], // eslint-disable-line no-sparse-arrays
    ];
    for (const value of refused) {
      expect(() => toCanonicalValue(value, 'json')).to.throw(RuleError, /^INVALID_VALUE: /);
    }
    expect(toCanonicalValue({ a: [true, null, 'x', 1.5, { b: {} }] }, 'json')).to.deep.equal({
      t: 'json',
      v: { a: [true, null, 'x', 1.5, { b: {} }] },
    });
  });

  it('describes a refused value by its type, or its first 40 characters', () => {
    const refusal = (raw: unknown, type?: Parameters<typeof toCanonicalValue>[1]): string => {
      try {
        toCanonicalValue(raw, type, 'f');
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal(new Map())).to.equal('INVALID_VALUE: f: no field type for Map');
    expect(refusal(new Set(), 'json')).to.match(/^INVALID_VALUE: f: not a JSON document/);
    expect(refusal(Symbol('s'))).to.equal('INVALID_VALUE: f: no field type for Symbol');
    expect(refusal(2n, 'boolean')).to.equal('INVALID_VALUE: f: not a boolean: 2n');
    expect(refusal(5, 'date')).to.equal('INVALID_VALUE: f: not a date: 5');
    expect(refusal(true, 'text')).to.equal('INVALID_VALUE: f: not a string: true');
    expect(refusal(new Uint8Array(1), 'number')).to.equal(
      'INVALID_VALUE: f: not a finite decimal number: Uint8Array',
    );
    expect(refusal('y'.repeat(40), 'boolean')).to.equal(
      `INVALID_VALUE: f: not a boolean: "${'y'.repeat(40)}"`,
    );
    expect(refusal('y'.repeat(41), 'boolean')).to.equal(
      `INVALID_VALUE: f: not a boolean: "${'y'.repeat(40)}"...`,
    );
  });
});

describe('isCanonicalValue', () => {
  it('recognises every value toCanonicalValue gives', () => {
    const values: CanonicalValue[] = [
      toCanonicalValue(null),
      toCanonicalValue(true),
      toCanonicalValue('-12.50', 'number'),
      toCanonicalValue('text'),
      toCanonicalValue(Buffer.from([1, 2, 3, 4])),
      toCanonicalValue('2024-02-29', 'date'),
      toCanonicalValue('2024-02-29 12:00+01', 'timestamp'),
      toCanonicalValue({ b: [1, { c: null }], a: 'x' }),
    ];
    for (const value of values) {
      expect(isCanonicalValue(value), JSON.stringify(value)).to.be.true;
    }
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        // A string is read as JSON text: give its JSON text.
        const raw = typeof json === 'string' ? JSON.stringify(json) : json;
        expect(isCanonicalValue(toCanonicalValue(raw, 'json'))).to.be.true;
      }),
    );
  });

  it('refuses a value of the wrong shape or not in its canonical form', () => {
    const refused: unknown[] = [
      null,
      'text',
      [{ t: 'null' }],
      new Map([['t', 'null']]),
      { t: 'null', v: null },
      { t: 'boolean' },
      { t: 'boolean', x: true },
      { t: 'boolean', v: true, x: 1 },
      { t: 'boolean', v: 'true' },
      { t: 'number', v: 1 },
      { t: 'number', v: '1.50' },
      { t: 'text', v: 5 },
      { t: 'text', v: 'a\ud800' },
      { t: 'bytes', v: 5 },
      { t: 'bytes', v: 'AAA' },
      { t: 'date', v: 20240101 },
      { t: 'date', v: '2024-02-30' },
      { t: 'timestamp', v: 5 },
      { t: 'timestamp', v: 'not a time' },
      { t: 'timestamp', v: '2024-01-01T00:00:00Z' },
      { t: 'timestamp', v: '2024-02-30T00:00:00.000000Z' },
      { t: 'timestamp', v: '2024-01-01T24:00:00.000000Z' },
      { t: 'json', v: null },
      { t: 'json', v: [Number.NaN] },
      { t: 'money', v: '1' },
    ];
    for (const value of refused) {
      expect(isCanonicalValue(value), String(JSON.stringify(value))).to.be.false;
    }
  });
});
