import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { CanonicalValue } from '@corroborate/protocol';
import { canonicalJson, hashField, toCanonicalValue } from '@corroborate/protocol';

/** The leaf hash as the rule defines it, through the generic RFC 8785 serialiser. */
function definedLeafHash(name: unknown, value: object): string {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(Buffer.from(canonicalJson({ name, ...value }), 'utf8'))
    .digest('hex');
}

// Characters whose JSON form is special: quotes, backslashes, control characters, the line
// separators JSON does not escape, non-ASCII, astral characters and lone surrogates.
const awkward = fc.constantFrom(
  '"',
  '\\',
  '/',
  '\u0000',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u001f',
  '\u007f',
  '\u2028',
  '\u2029',
  'é',
  'Ω',
  '日本',
  '😀',
  '\u{10FFFF}',
  '\ud800',
  '\udfff',
);

const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc
    .array(fc.oneof(awkward, fc.string({ maxLength: 3 })), { maxLength: 8 })
    .map((parts) => parts.join('')),
);

const canonicalValue: fc.Arbitrary<CanonicalValue> = fc.oneof(
  fc.constant<CanonicalValue>({ t: 'null' }),
  fc.boolean().map((v): CanonicalValue => ({ t: 'boolean', v })),
  fc
    .oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt())
    .map((raw) => toCanonicalValue(raw, 'number')),
  text.map((v): CanonicalValue => ({ t: 'text', v })),
  fc.uint8Array({ maxLength: 24 }).map((raw) => toCanonicalValue(raw, 'bytes')),
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((raw) => toCanonicalValue(raw.toISOString().slice(0, 10), 'date')),
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((raw) => toCanonicalValue(raw, 'timestamp')),
  fc.jsonValue({ maxDepth: 2 }).map((raw) => toCanonicalValue(JSON.stringify(raw), 'json')),
);

// hashField is public and does not validate: whatever it is given, the bytes must not change.
const oddValue = fc.oneof(
  fc.record({
    t: fc.constantFrom('text', 'number', 'boolean', 'null', 'json'),
    v: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ t: fc.constant('text'), v: text, name: text }),
  fc.record({ t: fc.constant('null'), v: fc.constant(undefined) }),
  fc.record({ t: fc.constant('date') }),
  fc.record({ v: text }),
  fc.record({ t: fc.constant('text'), v: text, extra: fc.integer() }),
) as fc.Arbitrary<CanonicalValue>;

describe('field leaf hashing', () => {
  it('hashes canonical values of every type exactly as the generic serialiser writes them', () => {
    fc.assert(
      fc.property(text, canonicalValue, (name, value) => {
        expect(hashField(name, value)).to.equal(definedLeafHash(name, value));
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes values that are not canonical exactly as the generic serialiser writes them', () => {
    fc.assert(
      fc.property(text, oddValue, (name, value) => {
        expect(hashField(name, value)).to.equal(definedLeafHash(name, value));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the generic form for a value that is not a plain object', () => {
    const value = Object.assign(Object.create({ inherited: true }) as object, {
      t: 'text',
      v: 'x',
    }) as CanonicalValue;
    expect(hashField('f', value)).to.equal(definedLeafHash('f', value));
    expect(hashField('f', { t: 'null' })).to.equal(definedLeafHash('f', { t: 'null' }));
  });
});
