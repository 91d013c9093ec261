import { hash } from 'node:crypto';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

// SHA-256 is Node's (OpenSSL): a 1000-record first block takes ~14 000 leaf and node hashes and
// one of ~1 MB, and the pure-JS implementation spent most of that block's CPU time in them.

const hex64 = /^[0-9a-f]{64}$/;

/** SHA-256 as lowercase hex; a string is hashed as its UTF-8 bytes. */
export function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
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
  return hash('sha256', Buffer.concat([Uint8Array.of(prefix), ...parts]), 'buffer');
}

/**
 * `sha256Prefixed(prefix, utf8ToBytes(text))` as hex, hashing the text without encoding it
 * first. The prefix must be below 0x80, where a character's UTF-8 form is its one byte.
 */
export function sha256PrefixedTextHex(prefix: number, text: string): string {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix >= 0x80) {
    throw new RangeError(`a text prefix must be one UTF-8 byte below 0x80, got ${prefix}`);
  }
  return hash('sha256', String.fromCharCode(prefix) + text, 'hex');
}

export { bytesToHex, utf8ToBytes };
