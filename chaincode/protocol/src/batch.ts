import { bytesToHex, digestBytes, isDigestHex, sha256Prefixed } from './digest';
import { newInvalidArgument } from './errors';
import { auditPath, LEAF_PREFIX, merkleRoot, rootFromAuditPath } from './merkle';
import { isPlainObject } from './values';

/** Shows that one record hash is at `index` in a batch, against the batch root. */
export interface RecordProof {
  index: number;
  size: number;
  /** Sibling hashes from the leaf up to the root (RFC 6962 audit path), hex. */
  path: string[];
}

/**
 * The batch root: RFC 6962 Merkle Tree Hash over the records in request order, each leaf
 * SHA-256(0x00 || the 32 bytes of the record hash).
 *
 * @throws RuleError `INVALID_ARGUMENT` for an empty batch or a hash that is not 64 lowercase hex.
 */
export function batchRoot(recordHashes: readonly string[]): string {
  return bytesToHex(merkleRoot(recordLeaves(recordHashes)));
}

/** Proves that `recordHashes[index]` belongs to `batchRoot(recordHashes)`. */
export function proveRecord(recordHashes: readonly string[], index: number): RecordProof {
  const leaves = recordLeaves(recordHashes);
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw newInvalidArgument('index', `must be an integer in 0..${leaves.length - 1}`);
  }
  return { index, size: leaves.length, path: auditPath(leaves, index).map(bytesToHex) };
}

/** True when the proof shows `recordHash` at its index in the batch with root `root`. */
export function verifyRecordProof(recordHash: string, proof: RecordProof, root: string): boolean {
  if (
    !isDigestHex(recordHash) ||
    !isDigestHex(root) ||
    !isPlainObject(proof) ||
    !Array.isArray(proof.path) ||
    !proof.path.every(isDigestHex)
  ) {
    return false;
  }
  const computed = rootFromAuditPath(
    recordLeaf(recordHash),
    proof.index,
    proof.size,
    proof.path.map(digestBytes),
  );
  return computed !== undefined && bytesToHex(computed) === root;
}

function recordLeaves(recordHashes: readonly string[]): Uint8Array[] {
  if (!Array.isArray(recordHashes) || recordHashes.length === 0) {
    throw newInvalidArgument('recordHashes', 'a batch has at least one record hash');
  }
  return recordHashes.map((hash, index) => {
    if (!isDigestHex(hash)) {
      throw newInvalidArgument(`recordHashes[${index}]`, 'must be 64 lowercase hex digits');
    }
    return recordLeaf(hash);
  });
}

function recordLeaf(recordHash: string): Uint8Array {
  return sha256Prefixed(LEAF_PREFIX, digestBytes(recordHash));
}
