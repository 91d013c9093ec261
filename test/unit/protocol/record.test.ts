import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { CanonicalRecord, FieldProof } from '@corroborate/protocol';
import {
  canonicalRecord,
  hashField,
  hashRecord,
  proveField,
  recordHashFromFieldHashes,
  RuleError,
  sha256Hex,
  verifyFieldProof,
} from '@corroborate/protocol';

function node(left: string, right: string): string {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(Buffer.from(left + right, 'hex'))
    .digest('hex');
}

const rawValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.bigInt(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'grapheme' }),
  fc.uint8Array({ maxLength: 16 }),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 3 }),
);

const rawRecord = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), rawValue, {
  minKeys: 1,
  maxKeys: 40,
});

function flipHexDigit(hex: string, position: number): string {
  const digit = hex[position] === '0' ? '1' : '0';
  return hex.slice(0, position) + digit + hex.slice(position + 1);
}

describe('record hashing', () => {
  it('proves every field of random records of 1..40 fields', () => {
    fc.assert(
      fc.property(rawRecord, (raw) => {
        const record = canonicalRecord(raw);
        const { recordHash } = hashRecord(record);
        for (const name of Object.keys(record)) {
          expect(verifyFieldProof(proveField(record, name), recordHash)).to.be.true;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('fails a proof in which any byte of the path is altered', () => {
    fc.assert(
      fc.property(rawRecord, fc.nat(), fc.nat(), (raw, fieldChoice, digitChoice) => {
        const record = canonicalRecord(raw);
        const names = Object.keys(record);
        fc.pre(names.length > 1);
        const proof = proveField(record, names[fieldChoice % names.length] as string);
        const { recordHash } = hashRecord(record);
        const step = digitChoice % proof.path.length;
        const path = [...proof.path];
        path[step] = flipHexDigit(path[step] as string, (digitChoice >> 3) % 64);
        expect(verifyFieldProof({ ...proof, path }, recordHash)).to.be.false;
      }),
      { numRuns: 60 },
    );
  });

  // The size is not authenticated where it does not change the path (5 vs 6 leaves here), as in
  // RFC 6962; the claim that the value belongs to the record hash still holds.
  it('fails a proof for another value, name, index or tree shape', () => {
    const record = canonicalRecord({ a: 1, b: 'two', c: true, d: null, e: 5n });
    const { recordHash } = hashRecord(record);
    const proof = proveField(record, 'c');
    const forgeries: FieldProof[] = [
      { ...proof, value: { t: 'boolean', v: false } },
      { ...proof, name: 'b' },
      { ...proof, index: proof.index + 1 },
      { ...proof, size: proof.size - 2 },
      { ...proof, path: proof.path.slice(1) },
      { ...proof, path: [...proof.path, proof.path[0] as string] },
    ];
    for (const forgery of forgeries) {
      expect(verifyFieldProof(forgery, recordHash)).to.be.false;
    }
    expect(verifyFieldProof(proof, flipHexDigit(recordHash, 0))).to.be.false;
  });

  it('does not depend on the order of the input keys', () => {
    fc.assert(
      fc.property(rawRecord, (raw) => {
        const reversed = Object.fromEntries(Object.entries(raw).reverse());
        expect(hashRecord(canonicalRecord(reversed))).to.deep.equal(
          hashRecord(canonicalRecord(raw)),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('builds the RFC 6962 tree shape for a non-power-of-two number of fields', () => {
    const record = canonicalRecord({ a: 1, b: 2, c: 3, d: 4, e: 5 });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) =>
      hashField(name, record[name] as CanonicalRecord[string]),
    ) as [string, string, string, string, string];
    // MTH(5) = node(MTH(a..d), e): the largest power of two below 5 goes left.
    expect(hashRecord(record).recordHash).to.equal(node(node(node(a, b), node(c, d)), e));
    const three = canonicalRecord({ a: 1, b: 2, c: 3 });
    expect(hashRecord(three).recordHash).to.equal(node(node(a, b), c));
  });

  it('makes a single-field record hash its leaf hash', () => {
    const record = canonicalRecord({ only: 'x' });
    expect(hashRecord(record).recordHash).to.equal(hashField('only', { t: 'text', v: 'x' }));
  });

  it('hashes a leaf as SHA-256 of 0x00 and the canonical JSON of name, t and v', () => {
    const expected = sha256Hex(
      new Uint8Array([0, ...Buffer.from('{"name":"id","t":"number","v":"5"}', 'utf8')]),
    );
    expect(hashField('id', { t: 'number', v: '5' })).to.equal(expected);
  });

  it('orders fields by UTF-8 bytes of their names', () => {
    const record = canonicalRecord({ '\uff21': 1, '\ud83d\ude00': 2, Z: 3, a: 4 });
    expect(Object.keys(hashRecord(record).fieldHashes)).to.deep.equal([
      'Z',
      'a',
      '\uff21',
      '\ud83d\ude00',
    ]);
  });

  it('recomputes the record hash from the field hashes alone', () => {
    fc.assert(
      fc.property(rawRecord, (raw) => {
        const hashes = hashRecord(canonicalRecord(raw));
        expect(recordHashFromFieldHashes(hashes.fieldHashes)).to.equal(hashes.recordHash);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps a field named __proto__ as a field', () => {
    const raw = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, unknown>;
    const hashes = hashRecord(canonicalRecord(raw));
    expect(Object.keys(hashes.fieldHashes)).to.deep.equal(['__proto__', 'a']);
  });

  it('refuses an empty record, too many fields and bad field names', () => {
    const tooMany = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`f${i}`, i]));
    for (const raw of [{}, tooMany, { '': 1 }, { ['x'.repeat(129)]: 1 }, { 'a\ud800': 1 }]) {
      expect(() => canonicalRecord(raw)).to.throw(RuleError, /^INVALID_VALUE: /);
    }
    expect(() => hashRecord({})).to.throw(/^INVALID_VALUE: /);
  });

  it('refuses to hash a value that is not canonical', () => {
    expect(() => hashRecord({ a: { t: 'number', v: '5.00' } })).to.throw(/^INVALID_VALUE: a: /);
  });

  it('applies declared types and infers the others', () => {
    expect(canonicalRecord({ n: '5.0', s: '5.0' }, { n: 'number' })).to.deep.equal({
      n: { t: 'number', v: '5' },
      s: { t: 'text', v: '5.0' },
    });
  });
});
