import { expect } from 'chai';
import { createHash, createHmac } from 'node:crypto';
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
  fieldSalt,
  fieldTypeFromDeclared,
  hashField,
  hashRecord,
  hashSaltedField,
  proveField,
  proveRecord,
  saltsFromSeed,
  SCHEME_V1,
  SCHEME_V2,
  sha256Hex,
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

interface VectorsV2 {
  scheme: string;
  salts: { seed: string; recordIndex: number; name: string; input: string; salt: string }[];
  values: {
    name: string;
    canonical: CanonicalValue;
    salt: string;
    leafInput: string;
    fieldHash: string;
  }[];
  blocks: {
    name: string;
    seed: string;
    records: {
      canonical: CanonicalRecord;
      salts: Record<string, string>;
      leafInputs: Record<string, string>;
      fieldHashes: Record<string, string>;
      recordHash: string;
      proof: FieldProof;
    }[];
    batchRoot: string;
    recordProofs: RecordProof[];
  }[];
}

const v1File = path.join(__dirname, '../../vectors/corroborate-v1.json');
const v2File = path.join(__dirname, '../../vectors/corroborate-v2.json');

// Any change to an output of the rule must fail here: published hashes would stop matching.
const vectors = JSON.parse(readFileSync(v1File, 'utf8')) as Vectors;
const vectorsV2 = JSON.parse(readFileSync(v2File, 'utf8')) as VectorsV2;

describe('corroborate-v1 vectors', () => {
  it('are for this scheme', () => {
    expect(vectors.scheme).to.equal(SCHEME_V1);
  });

  it('are the file published with corroborate-v1, byte for byte', () => {
    // corroborate-v2 added a scheme beside v1 and changed none of v1's outputs: regenerating the
    // vectors must leave this file as it was.
    expect(sha256Hex(readFileSync(v1File))).to.equal(
      '0965d7dc21a644434e11aad12c95aa0f63fe87e013355c747894279f8764872b',
    );
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

/** The rule as documented, written out with node:crypto rather than the protocol's own code. */
function documentedSalt(seed: string, recordIndex: number, name: string): string {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(recordIndex);
  return createHmac('sha256', Buffer.from(seed, 'hex'))
    .update(Buffer.concat([Buffer.from('corroborate-v2 salt\0'), index, Buffer.from(name)]))
    .digest('hex');
}

function documentedLeaf(salt: string, name: string, value: CanonicalValue): string {
  return createHash('sha256')
    .update(
      Buffer.concat([
        Buffer.from('\0corroborate-v2 field\0'),
        Buffer.from(salt, 'hex'),
        Buffer.from(canonicalJson({ name, ...value })),
      ]),
    )
    .digest('hex');
}

describe('corroborate-v2 vectors', () => {
  it('are for this scheme', () => {
    expect(vectorsV2.scheme).to.equal(SCHEME_V2);
  });

  it('derive each salt from the seed, the record index and the field name, as documented', () => {
    for (const vector of vectorsV2.salts) {
      const what = `${vector.recordIndex} ${vector.name}`;
      expect(fieldSalt(vector.seed, vector.recordIndex, vector.name), what).to.equal(vector.salt);
      expect(documentedSalt(vector.seed, vector.recordIndex, vector.name), what).to.equal(
        vector.salt,
      );
      expect(
        createHmac('sha256', Buffer.from(vector.seed, 'hex'))
          .update(Buffer.from(vector.input, 'hex'))
          .digest('hex'),
        what,
      ).to.equal(vector.salt);
    }
    expect(new Set(vectorsV2.salts.map((vector) => vector.salt)).size).to.equal(
      vectorsV2.salts.length,
    );
  });

  describe('values', () => {
    for (const vector of vectorsV2.values) {
      it(`hashes ${vector.name} salted`, () => {
        expect(hashSaltedField(vector.salt, 'f', vector.canonical)).to.equal(vector.fieldHash);
        expect(sha256Hex(Buffer.from(vector.leafInput, 'hex'))).to.equal(vector.fieldHash);
        expect(documentedLeaf(vector.salt, 'f', vector.canonical)).to.equal(vector.fieldHash);
        // The same value unsalted is corroborate-v1's leaf, and another.
        expect(hashField('f', vector.canonical)).to.not.equal(vector.fieldHash);
      });
    }
  });

  describe('blocks', () => {
    for (const block of vectorsV2.blocks) {
      it(`hashes, salts and proves ${block.name}`, () => {
        const salts = saltsFromSeed(block.seed);
        block.records.forEach((vector, index) => {
          const hashes = hashRecord(vector.canonical, salts(index));
          expect(hashes.scheme).to.equal(SCHEME_V2);
          expect(hashes.recordHash, `record ${index}`).to.equal(vector.recordHash);
          expect(hashes.fieldHashes).to.deep.equal(vector.fieldHashes);
          for (const [name, salt] of Object.entries(vector.salts)) {
            expect(documentedSalt(block.seed, index, name)).to.equal(salt);
            const leaf = documentedLeaf(salt, name, vector.canonical[name] as CanonicalValue);
            expect(leaf).to.equal(vector.fieldHashes[name]);
            expect(sha256Hex(Buffer.from(vector.leafInputs[name] as string, 'hex'))).to.equal(leaf);
          }
          expect(proveField(vector.canonical, vector.proof.name, salts(index))).to.deep.equal(
            vector.proof,
          );
          expect(vector.proof.salt).to.equal(vector.salts[vector.proof.name]);
          expect(
            verifyFieldProof(
              vector.proof,
              vector.recordHash,
              vector.fieldHashes[vector.proof.name],
            ),
          ).to.be.true;
        });
        const recordHashes = block.records.map((vector) => vector.recordHash);
        expect(batchRoot(recordHashes)).to.equal(block.batchRoot);
        recordHashes.forEach((recordHash, index) => {
          expect(proveRecord(recordHashes, index)).to.deep.equal(block.recordProofs[index]);
          expect(verifyRecordProof(recordHash, block.recordProofs[index]!, block.batchRoot)).to.be
            .true;
        });
      });
    }

    it('hashes the same record differently at another index of the block', () => {
      const [first, , third] = vectorsV2.blocks[1]!.records;
      expect(third!.canonical).to.deep.equal(first!.canonical);
      expect(third!.recordHash).to.not.equal(first!.recordHash);
    });

    it('hashes the record vectors of corroborate-v1 differently once salted', () => {
      const [block] = vectorsV2.blocks;
      block!.records.forEach((vector, index) => {
        expect(vector.canonical).to.deep.equal(vectors.records[index]?.canonical);
        expect(vector.recordHash).to.not.equal(vectors.records[index]?.recordHash);
      });
    });
  });
});
