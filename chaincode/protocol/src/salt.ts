import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, digestBytes, isDigestHex, utf8ToBytes } from './digest';
import { newInvalidArgument } from './errors';
import type { Scheme } from './scheme';
import { SCHEME_V2 } from './scheme';
import { isPlainObject } from './values';

/**
 * Salts of `corroborate-v2`. The requester draws a random 32-byte seed for each first block; the
 * salt of field `name` of record `i` (its position among the block's records) is
 *
 *     HMAC-SHA-256(key = seed, "corroborate-v2 salt" || 0x00 || uint32be(i) || UTF-8(name))
 *
 * so that each field of each record has a salt of its own, and disclosing one salt tells nothing
 * of another. The domain tag holds no 0x00 byte and the index is 4 bytes, so the name is whatever
 * follows: no two (index, name) pairs share an input.
 */

/** Bytes of a seed and of a salt. */
export const SALT_BYTES = 32;

/** The domain tag of a salt's HMAC input, before its 0x00 separator. */
export const SALT_TAG = 'corroborate-v2 salt';

const saltTag = utf8ToBytes(SALT_TAG);
const maxRecordIndex = 0xffff_ffff;

/** The salt of each field of one record, by field name (32 bytes each). */
export type FieldSalts = (name: string) => Uint8Array;

/** The field salts of each record of a block, by the record's index. */
export type BlockSalts = (recordIndex: number) => FieldSalts;

/** True for a seed or salt written as the rule writes them: 64 lowercase hex digits. */
export function isSaltHex(value: unknown): value is string {
  return isDigestHex(value);
}

/**
 * The salts a block's seed gives. The keyed HMAC state is made once and copied for each field:
 * a block of 1000 records has up to hundreds of thousands of fields.
 *
 * @throws RuleError `INVALID_ARGUMENT` when `seedHex` is not 64 lowercase hex digits, or a record
 * index is not an integer in 0..2^32-1.
 */
export function saltsFromSeed(seedHex: string): BlockSalts {
  if (!isSaltHex(seedHex)) {
    throw newInvalidArgument('saltSeed', 'must be 64 lowercase hex digits');
  }
  const keyed = hmac.create(sha256, digestBytes(seedHex));
  return (recordIndex) => {
    if (!Number.isSafeInteger(recordIndex) || recordIndex < 0 || recordIndex > maxRecordIndex) {
      throw newInvalidArgument('recordIndex', `must be an integer in 0..${maxRecordIndex}`);
    }
    const prefix = new Uint8Array(saltTag.length + 5);
    prefix.set(saltTag, 0);
    // prefix[saltTag.length] stays 0x00: the separator.
    new DataView(prefix.buffer).setUint32(saltTag.length + 1, recordIndex, false);
    return (name) => {
      const mac = keyed.clone();
      mac.update(prefix);
      mac.update(utf8ToBytes(name));
      return mac.digest();
    };
  };
}

/**
 * The salt of field `name` of record `recordIndex` under the block's seed, hex.
 *
 * @throws RuleError as {@link saltsFromSeed} does.
 */
export function fieldSalt(seedHex: string, recordIndex: number, name: string): string {
  return bytesToHex(saltsFromSeed(seedHex)(recordIndex)(name));
}

/**
 * Salts disclosed one by one, as a receipt carries them: `salts[i]` maps each field name of record
 * `i` to its salt (hex). Asking for a salt that is not there throws.
 *
 * @throws RuleError `INVALID_ARGUMENT` naming `fieldSalts[i].<name>` for a salt that is missing or
 * not 64 lowercase hex digits.
 */
export function saltsFromList(salts: readonly Readonly<Record<string, string>>[]): BlockSalts {
  return (recordIndex) => {
    const record: unknown = salts[recordIndex];
    return (name) => {
      const salt = isPlainObject(record) && Object.hasOwn(record, name) ? record[name] : undefined;
      if (!isSaltHex(salt)) {
        throw newInvalidArgument(
          `fieldSalts[${recordIndex}].${name}`,
          'must be the salt of the field: 64 lowercase hex digits',
        );
      }
      return digestBytes(salt);
    };
  };
}

/**
 * The salts of a stored first block's records: none for a `corroborate-v1` block, those of its
 * `saltSeed` for a `corroborate-v2` one.
 *
 * @throws RuleError `INVALID_ARGUMENT` naming `saltSeed` when a `corroborate-v2` block has no
 * seed of 64 lowercase hex digits.
 */
export function saltsOfBlock(block: {
  readonly content: { readonly scheme: Scheme };
  readonly saltSeed?: string;
}): BlockSalts | undefined {
  if (block.content.scheme !== SCHEME_V2) {
    return undefined;
  }
  if (!isSaltHex(block.saltSeed)) {
    throw newInvalidArgument(
      'saltSeed',
      `a ${SCHEME_V2} block needs its seed: 64 lowercase hex digits`,
    );
  }
  return saltsFromSeed(block.saltSeed);
}
