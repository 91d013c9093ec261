import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  CanonicalRecord,
  CanonicalValue,
  FieldProof,
  FieldType,
  RecordProof,
} from '@corroborate/protocol';
import {
  batchRoot,
  canonicalJson,
  canonicalRecord,
  fieldTypeFromDeclared,
  hashField,
  hashRecord,
  proveField,
  proveRecord,
  SCHEME,
  toCanonicalValue,
  verifyFieldProof,
  verifyRecordProof,
} from '@corroborate/protocol';
import { decodeRaw } from '../../vectors/encoding';

interface Vectors {
  scheme: string;
  values: {
    name: string;
    raw: unknown;
    type?: FieldType;
    canonical: CanonicalValue;
    leafInput: string;
    fieldHash: string;
  }[];
  invalidValues: { name: string; raw: unknown; type?: FieldType; error: string }[];
  declaredTypes: { declared: string; type: FieldType | null }[];
  records: {
    name: string;
    cases: {
      driver: string;
      declared: Record<string, string>;
      types: Record<string, FieldType>;
      raw: Record<string, unknown>;
    }[];
    canonical: CanonicalRecord;
    leafInputs: Record<string, string>;
    fieldHashes: Record<string, string>;
    recordHash: string;
    proof: FieldProof;
  }[];
  batches: { name: string; recordHashes: string[]; root: string; proofs: RecordProof[] }[];
}

// Any change to an output of the rule must fail here: published hashes would stop matching.
const vectors = JSON.parse(
  readFileSync(path.join(__dirname, '../../vectors/corroborate-v1.json'), 'utf8'),
) as Vectors;

describe('corroborate-v1 vectors', () => {
  it('are for this scheme', () => {
    expect(vectors.scheme).to.equal(SCHEME);
  });

  describe('values', () => {
    for (const vector of vectors.values) {
      it(`normalises ${vector.name}`, () => {
        const value = toCanonicalValue(decodeRaw(vector.raw), vector.type);
        expect(value).to.deep.equal(vector.canonical);
        expect(canonicalJson({ name: 'f', ...value })).to.equal(vector.leafInput);
        expect(hashField('f', value)).to.equal(vector.fieldHash);
      });
    }
  });

  describe('invalid values', () => {
    for (const vector of vectors.invalidValues) {
      it(`refuses ${vector.name}`, () => {
        expect(() => toCanonicalValue(decodeRaw(vector.raw), vector.type)).to.throw(vector.error);
      });
    }
  });

  it('maps declared column types', () => {
    for (const { declared, type } of vectors.declaredTypes) {
      expect(fieldTypeFromDeclared(declared), declared).to.equal(type ?? undefined);
    }
  });

  describe('records', () => {
    for (const vector of vectors.records) {
      for (const driverCase of vector.cases) {
        it(`hashes ${vector.name} as read by ${driverCase.driver}`, () => {
          const types = Object.fromEntries(
            Object.entries(driverCase.declared).map(([name, declared]) => [
              name,
              fieldTypeFromDeclared(declared),
            ]),
          );
          expect(types).to.deep.equal(driverCase.types);
          const record = canonicalRecord(
            decodeRaw(driverCase.raw) as Record<string, unknown>,
            driverCase.types,
          );
          expect(record).to.deep.equal(vector.canonical);
          const hashes = hashRecord(record);
          expect(hashes.recordHash).to.equal(vector.recordHash);
          expect(hashes.fieldHashes).to.deep.equal(vector.fieldHashes);
          expect(Object.keys(hashes.fieldHashes)).to.deep.equal(Object.keys(vector.fieldHashes));
        });
      }

      it(`encodes the leaves and proves a field of ${vector.name}`, () => {
        for (const [name, leafInput] of Object.entries(vector.leafInputs)) {
          expect(canonicalJson({ name, ...vector.canonical[name] })).to.equal(leafInput);
        }
        expect(proveField(vector.canonical, vector.proof.name)).to.deep.equal(vector.proof);
        expect(verifyFieldProof(vector.proof, vector.recordHash)).to.be.true;
      });
    }
  });

  describe('batches', () => {
    for (const vector of vectors.batches) {
      it(`computes the root and proofs of ${vector.name}`, () => {
        expect(batchRoot(vector.recordHashes)).to.equal(vector.root);
        vector.recordHashes.forEach((recordHash, index) => {
          expect(proveRecord(vector.recordHashes, index)).to.deep.equal(vector.proofs[index]);
          expect(verifyRecordProof(recordHash, vector.proofs[index] as RecordProof, vector.root)).to
            .be.true;
        });
      });
    }
  });
});
