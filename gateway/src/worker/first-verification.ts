import {
  certificateFingerprint,
  firstBlockSigningPayload,
  parseFirstBlockContent,
  saltsOfBlock,
  sha256Hex,
  verifySignature,
} from '@corroborate/protocol';
import type { StoredFirstBlock } from '@corroborate/protocol';

export type FirstVerification =
  { readonly ok: true } | { readonly ok: false; readonly detail: string };

/**
 * The first verification (M4): the block is checked with the requester's public key — the
 * signature over the canonical content, the certificate named in the content, the content hash —
 * and its data and parameters are extracted by the agreed rule's own validator.
 */
export function verifyFirstBlock(block: StoredFirstBlock): FirstVerification {
  try {
    // A corroborate-v2 block's data is hashed with the salts of its seed.
    const content = parseFirstBlockContent(block.content, saltsOfBlock(block));
    const payload = firstBlockSigningPayload(content);
    if (certificateFingerprint(block.requesterCertificate) !== content.requester.certFingerprint) {
      return { ok: false, detail: 'the requester certificate does not match the block' };
    }
    if (sha256Hex(payload) !== block.contentHash) {
      return { ok: false, detail: 'the content hash does not match the content' };
    }
    if (!verifySignature(payload, block.signature, block.requesterCertificate)) {
      return { ok: false, detail: "the requester's signature does not verify" };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}
