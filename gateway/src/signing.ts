import { firstBlockSigningPayload, type FirstBlockContent } from '@corroborate/protocol';
import { sign, type KeyObject } from 'node:crypto';

/**
 * The requester's signature over the canonical content of a first block: ECDSA P-256 with
 * SHA-256, DER, base64 — what the contract verifies against the submitting identity.
 */
export function signFirstBlock(content: FirstBlockContent, privateKey: KeyObject): string {
  return sign(
    'sha256',
    Buffer.from(firstBlockSigningPayload(content), 'utf8'),
    privateKey,
  ).toString('base64');
}
