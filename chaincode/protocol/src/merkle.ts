import { sha256Prefixed } from './digest';

// RFC 6962 (Certificate Transparency) Merkle Tree Hash. Distinct one-byte prefixes for leaves and
// inner nodes stop a node from being passed off as a leaf (second-preimage attacks).
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Prefixed(NODE_PREFIX, left, right);
}

/** MTH(D[n]) over leaf hashes already computed as SHA-256(0x00 || leaf); needs n >= 1. */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) {
    throw new RangeError('a Merkle tree needs at least one leaf');
  }
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

/** PATH(m, D[n]): the sibling subtree hashes from the leaf up to the root. */
export function auditPath(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  const path: Uint8Array[] = [];
  let start = 0;
  let end = leafHashes.length;
  // Walk down from the root, then reverse: the path is listed leaf first.
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      path.push(subtreeRoot(leafHashes, split, end));
      end = split;
    } else {
      path.push(subtreeRoot(leafHashes, start, split));
      start = split;
    }
  }
  return path.reverse();
}

/**
 * Recomputes the root from a leaf hash and its audit path (RFC 9162, 2.1.3.2), or returns
 * `undefined` when the path cannot belong to a tree of `size` leaves at `index`.
 */
export function rootFromAuditPath(
  leafHash: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return undefined;
  }
  let node = index;
  let last = size - 1;
  let hash = leafHash;
  for (const sibling of path) {
    if (last === 0) {
      return undefined;
    }
    if (node % 2 === 1 || node === last) {
      hash = hashNode(sibling, hash);
      while (node % 2 === 0 && node !== 0) {
        node = Math.floor(node / 2);
        last = Math.floor(last / 2);
      }
    } else {
      hash = hashNode(hash, sibling);
    }
    node = Math.floor(node / 2);
    last = Math.floor(last / 2);
  }
  return last === 0 ? hash : undefined;
}

function subtreeRoot(leafHashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) {
    const leaf = leafHashes[start];
    if (leaf === undefined) {
      throw new RangeError(`no leaf at ${start}`);
    }
    return leaf;
  }
  const split = start + largestPowerOfTwoBelow(end - start);
  return hashNode(subtreeRoot(leafHashes, start, split), subtreeRoot(leafHashes, split, end));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}
