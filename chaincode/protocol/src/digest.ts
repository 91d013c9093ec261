import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

const hex64 = /^[0-9a-f]{64}$/;

/** SHA-256 as lowercase hex; a string is hashed as its UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** True for a SHA-256 digest written as the rule writes it: 64 lowercase hex digits. */
export function isDigestHex(value: unknown): value is string {
  return typeof value === 'string' && hex64.test(value);
}

export function digestBytes(digestHex: string): Uint8Array {
  return hexToBytes(digestHex);
}

/** SHA-256 over a one-byte domain prefix followed by the parts, as RFC 6962 leaves and nodes are. */
export function sha256Prefixed(prefix: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const hash = sha256.create();
  hash.update(Uint8Array.of(prefix));
  for (const part of parts) {
    hash.update(part);
  }
  return hash.digest();
}

export { bytesToHex, utf8ToBytes };
