import { expect } from 'chai';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { RecordProof } from '@corroborate/protocol';
import {
  batchRoot,
  proveRecord,
  RuleError,
  sha256Hex,
  verifyRecordProof,
} from '@corroborate/protocol';

function hashOf(prefix: number, ...hexParts: string[]): string {
  return createHash('sha256')
    .update(Buffer.from([prefix]))
    .update(Buffer.from(hexParts.join(''), 'hex'))
    .digest('hex');
}

const recordHashes = (size: number): string[] =>
  Array.from({ length: size }, (_, index) => sha256Hex(`record ${index}`));

describe('batch hashing', () => {
  it('proves every record of batches of 1..40 records', () => {
    for (let size = 1; size <= 40; size++) {
      const hashes = recordHashes(size);
      const root = batchRoot(hashes);
      hashes.forEach((hash, index) => {
        expect(verifyRecordProof(hash, proveRecord(hashes, index), root), `${index}/${size}`).to.be
          .true;
      });
    }
  });

  it('fails a proof in which any hex digit is altered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.nat(), fc.nat(), (size, which, digit) => {
        const hashes = recordHashes(size);
        const index = which % size;
        const proof = proveRecord(hashes, index);
        const step = digit % proof.path.length;
        const position = (digit >> 6) % 64;
        const original = proof.path[step] as string;
        const altered = `${original.slice(0, position)}${original[position] === 'a' ? 'b' : 'a'}${original.slice(position + 1)}`;
        const path = proof.path.map((hash, i) => (i === step ? altered : hash));
        expect(verifyRecordProof(hashes[index] as string, { ...proof, path }, batchRoot(hashes))).to
          .be.false;
      }),
    );
  });

  it('fails a proof at another index, for another size or against another root', () => {
    const hashes = recordHashes(6);
    const root = batchRoot(hashes);
    const proof = proveRecord(hashes, 4);
    const forgeries: RecordProof[] = [
      { ...proof, index: 5 },
      { ...proof, size: 7 },
      { ...proof, index: -1 },
      { ...proof, index: 6 },
    ];
    for (const forgery of forgeries) {
      expect(verifyRecordProof(hashes[4] as string, forgery, root)).to.be.false;
    }
    expect(verifyRecordProof(hashes[3] as string, proof, root)).to.be.false;
    expect(verifyRecordProof(hashes[4] as string, proof, batchRoot(hashes.slice(0, 5)))).to.be
      .false;
  });

  it('builds the RFC 6962 tree shape over leaves SHA-256(0x00 || record hash)', () => {
    const hashes = recordHashes(7);
    const [a, b, c, d, e, f, g] = hashes.map((hash) => hashOf(0, hash)) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const left = hashOf(1, hashOf(1, a, b), hashOf(1, c, d));
    const right = hashOf(1, hashOf(1, e, f), g);
    expect(batchRoot(hashes)).to.equal(hashOf(1, left, right));
    expect(batchRoot(hashes.slice(0, 1))).to.equal(a);
    expect(proveRecord(hashes, 6).path).to.deep.equal([hashOf(1, e, f), left]);
  });

  it('depends on the order of the records', () => {
    const hashes = recordHashes(3);
    expect(batchRoot(hashes)).not.to.equal(batchRoot([...hashes].reverse()));
  });

  it('refuses an empty batch, malformed hashes and an index out of range', () => {
    expect(() => batchRoot([])).to.throw(
      RuleError,
      /^INVALID_ARGUMENT: recordHashes: a batch has at least one record hash$/,
    );
    expect(() => batchRoot(['ABC'])).to.throw(
      /^INVALID_ARGUMENT: recordHashes\[0\]: must be 64 lowercase hex digits$/,
    );
    expect(() => batchRoot([sha256Hex('x'), sha256Hex('y').toUpperCase()])).to.throw(
      /^INVALID_ARGUMENT: recordHashes\[1\]: /,
    );
    for (const index of [2, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => proveRecord(recordHashes(2), index), String(index)).to.throw(
        RuleError,
        /^INVALID_ARGUMENT: index: must be an integer in 0\.\.1$/,
      );
    }
  });

  it('answers false, without throwing, for a hash, root or proof of the wrong shape', () => {
    const hashes = recordHashes(3);
    const root = batchRoot(hashes);
    const hash = hashes[1] as string;
    const proof = proveRecord(hashes, 1);
    expect(verifyRecordProof(hash, proof, root)).to.be.true;
    // Upper-case hex decodes to the same bytes; only the lower-case spelling is the rule's.
    expect(verifyRecordProof(hash.toUpperCase(), proof, root)).to.be.false;
    expect(verifyRecordProof(hash, proof, root.toUpperCase())).to.be.false;
    expect(
      verifyRecordProof(
        hash,
        { ...proof, path: proof.path.map((step) => step.toUpperCase()) },
        root,
      ),
    ).to.be.false;
    const malformed: unknown[] = [
      null,
      undefined,
      'proof',
      [proof],
      { ...proof, path: undefined },
      { ...proof, path: proof.path.join('') },
      { ...proof, path: [...proof.path, 'zz'] },
      { ...proof, path: [...proof.path, 7] },
    ];
    for (const bad of malformed) {
      expect(() => verifyRecordProof(hash, bad as RecordProof, root), JSON.stringify(bad)).not.to
        .throw;
      expect(verifyRecordProof(hash, bad as RecordProof, root), JSON.stringify(bad)).to.be.false;
    }
    for (const bad of [undefined, null, 12, ['x']]) {
      expect(verifyRecordProof(bad as unknown as string, proof, root)).to.be.false;
      expect(verifyRecordProof(hash, proof, bad as unknown as string)).to.be.false;
    }
  });

  it('binds a proof to an integer index inside its size', () => {
    // A one-record batch's root is its leaf: with no path, any index or size the proof claimed
    // would otherwise be accepted.
    const [only] = recordHashes(1) as [string];
    const root = batchRoot([only]);
    expect(verifyRecordProof(only, { index: 0, size: 1, path: [] }, root)).to.be.true;
    for (const [index, size] of [
      [1, 1],
      [-1, 1],
      [0.5, 1],
      [0, 0],
      [0, 2],
      [0, 0.5],
      [Number.NaN, 1],
    ] as const) {
      expect(verifyRecordProof(only, { index, size, path: [] }, root), `${index}/${size}`).to.be
        .false;
    }
    // The proof of the first of two records, for a size that only rounds to two.
    const pair = recordHashes(2);
    const proof = proveRecord(pair, 0);
    expect(verifyRecordProof(pair[0] as string, proof, batchRoot(pair))).to.be.true;
    expect(verifyRecordProof(pair[0] as string, { ...proof, size: 1.5 }, batchRoot(pair))).to.be
      .false;
    expect(verifyRecordProof(pair[0] as string, { ...proof, size: 2.5 }, batchRoot(pair))).to.be
      .false;
  });

  it('fails a path longer or shorter than the tree of its size', () => {
    // The second record of two, claimed as the only record of a batch whose path still names
    // its sibling: hashing on past the root would give the two-record root.
    const pair = recordHashes(2);
    const root = batchRoot(pair);
    const proof = proveRecord(pair, 1);
    expect(verifyRecordProof(pair[1] as string, { ...proof, index: 0, size: 1 }, root)).to.be.false;
    // A record claimed in a larger batch with a path that stops early.
    const [only] = recordHashes(1) as [string];
    expect(verifyRecordProof(only, { index: 0, size: 2, path: [] }, batchRoot([only]))).to.be.false;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 24 }), fc.nat(), (size, which) => {
        const hashes = recordHashes(size);
        const index = which % size;
        const good = proveRecord(hashes, index);
        const hash = hashes[index] as string;
        const batch = batchRoot(hashes);
        expect(verifyRecordProof(hash, { ...good, path: good.path.slice(0, -1) }, batch)).to.be
          .false;
        expect(verifyRecordProof(hash, { ...good, path: [...good.path, batch] }, batch)).to.be
          .false;
      }),
    );
  });
});
