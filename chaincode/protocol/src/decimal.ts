// Exact decimal text, never through binary floating point: drivers hand over BIGINT and
// NUMERIC/DECIMAL as strings precisely so that no digit is lost.
const decimalText = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;
const canonicalDecimal = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

// An exponent only comes from float text; beyond this it is a mistake, not a database value.
const maxExponent = 1000;

/**
 * Normalises decimal text to the canonical number form: no exponent, no '+', no leading zeros,
 * no trailing fractional zeros, and '0' for any zero. Returns `undefined` for anything else.
 */
export function normaliseDecimalText(text: string): string | undefined {
  const match = decimalText.exec(text);
  if (!match) {
    return undefined;
  }
  const [, sign = '', integerDigits = '', fractionDigits = '', exponentText] = match;
  if (integerDigits.length + fractionDigits.length === 0) {
    return undefined;
  }
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > maxExponent) {
    return undefined;
  }
  const digits = integerDigits + fractionDigits;
  const point = integerDigits.length + exponent;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '0';
    fraction = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const magnitude = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return magnitude === '0' || sign !== '-' ? magnitude : `-${magnitude}`;
}

/**
 * A JS number in canonical form: its shortest round-trip representation (what `String(n)`
 * gives), with the exponent expanded. `undefined` for NaN and the infinities.
 */
export function normaliseFiniteNumber(value: number): string | undefined {
  return Number.isFinite(value) ? normaliseDecimalText(String(value)) : undefined;
}

export function isCanonicalDecimal(value: string): boolean {
  return canonicalDecimal.test(value);
}
