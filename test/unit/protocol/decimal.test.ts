import { expect } from 'chai';
import fc from 'fast-check';
import { isCanonicalValue, RuleError, toCanonicalValue } from '@corroborate/protocol';

const number = (text: string): unknown => toCanonicalValue(text, 'number');

describe('decimal text', () => {
  it('expands an exponent, signed or not, into plain digits', () => {
    const cases: [string, string][] = [
      ['1.5e3', '1500'],
      ['1.5E3', '1500'],
      ['15e-1', '1.5'],
      ['1E+2', '100'],
      ['-1.25e1', '-12.5'],
      ['125e-5', '0.00125'],
      ['0.00e9', '0'],
      ['-0e-3', '0'],
      ['12.5e1', '125'],
      ['12.5e2', '1250'],
    ];
    for (const [text, canonical] of cases) {
      expect(number(text), text).to.deep.equal({ t: 'number', v: canonical });
    }
  });

  it('takes an exponent of at most 1000 either way', () => {
    expect(number('1e1000')).to.deep.equal({ t: 'number', v: `1${'0'.repeat(1000)}` });
    expect(number('1e-1000')).to.deep.equal({ t: 'number', v: `0.${'0'.repeat(999)}1` });
    for (const text of ['1e1001', '1e-1001', '0e9999', '1e10000']) {
      expect(() => number(text), text).to.throw(
        RuleError,
        `INVALID_VALUE: not a finite decimal number: "${text}"`,
      );
    }
  });

  it('refuses text with anything before or after the number', () => {
    for (const text of ['1.5x', '12 ', ' 12', '1e5e5', '1..2', '0x10', '1_000', '1,5', '1e']) {
      expect(() => number(text), JSON.stringify(text)).to.throw(
        RuleError,
        /^INVALID_VALUE: not a finite decimal number: /,
      );
    }
  });

  it('gives every spelling of a decimal the one canonical text, which it recognises', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: 0, max: 3 }),
        (unscaled, scale, shift, padding) => {
          // unscaled × 10^-scale, written with the point moved by `shift` and an exponent
          // that moves it back, with zeros padded on both ends.
          const negative = unscaled < 0n;
          const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
          const point = digits.length - scale;
          const plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
          const expected = toCanonicalValue(
            `${negative ? '-' : ''}${plain}${'0'.repeat(padding)}`,
            'number',
          );
          expect(isCanonicalValue(expected)).to.be.true;
          const moved = `${'0'.repeat(padding)}${digits}${'0'.repeat(padding)}`;
          const movedPoint = padding + point + shift;
          if (movedPoint < 0 || movedPoint > moved.length) {
            return;
          }
          const text = `${negative ? '-' : '+'}${moved.slice(0, movedPoint)}.${moved.slice(movedPoint)}e${-shift}`;
          expect(toCanonicalValue(text, 'number'), text).to.deep.equal(expected);
        },
      ),
    );
  });
});
