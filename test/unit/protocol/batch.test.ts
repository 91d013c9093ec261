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
    expect(() => batchRoot([])).to.throw(RuleError, /^INVALID_ARGUMENT: recordHashes: /);
    expect(() => batchRoot(['ABC'])).to.throw(/^INVALID_ARGUMENT: recordHashes\[0\]: /);
    expect(() => batchRoot([sha256Hex('x').toUpperCase()])).to.throw(/^INVALID_ARGUMENT: /);
    expect(() => proveRecord(recordHashes(2), 2)).to.throw(/^INVALID_ARGUMENT: index: /);
  });
});
