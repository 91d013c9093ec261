import {
  batchRoot,
  certificateFingerprint,
  hashRecord,
  saltsFromSeed,
  SCHEME_V2,
  type FirstBlockContent,
  type FirstBlockRecord,
  type Mode,
  type ReadParameter,
} from '@corroborate/protocol';
import type { SourceRegistry } from './sources/source';

/** What a requester asks for: which logical source, how to read each record, and how to vote. */
export interface AcquisitionRequest {
  readonly id: string;
  readonly sourceId: string;
  readonly reads: readonly ReadParameter[];
  readonly mode: Mode;
  readonly hashOnly: boolean;
  readonly deadline: Date;
  /**
   * The seed of the block's field salts (`corroborate-v2`): 32 random bytes, hex, drawn by the
   * requester for this block alone.
   */
  readonly saltSeed: string;
}

export interface Requester {
  readonly mspId: string;
  readonly certificatePem: string;
}

/**
 * The acquisition module (M1, M2): reads every record through the member's own connector for the
 * logical source, hashes it by the agreed rule (`corroborate-v2`: each field leaf salted from the
 * request's seed) and packs the first parameter data (interface and read parameters) and the
 * second (hashes) into the content of a first block, ready to sign.
 */
export async function acquireFirstBlock(
  sources: SourceRegistry,
  requester: Requester,
  request: AcquisitionRequest,
  signal?: AbortSignal,
): Promise<FirstBlockContent> {
  const connector = sources.get(request.sourceId);
  const records: FirstBlockRecord[] = [];
  const salts = saltsFromSeed(request.saltSeed);
  for (const [index, read] of request.reads.entries()) {
    const data = await connector.read(read, signal ? { signal } : undefined);
    const { recordHash, fieldHashes } = hashRecord(data, salts(index));
    records.push({ read, recordHash, fieldHashes, ...(request.hashOnly ? {} : { data }) });
  }
  return {
    id: request.id,
    scheme: SCHEME_V2,
    mode: request.mode,
    hashOnly: request.hashOnly,
    deadline: request.deadline.toISOString(),
    requester: {
      mspId: requester.mspId,
      certFingerprint: certificateFingerprint(requester.certificatePem),
    },
    interface: { sourceId: request.sourceId, connector: connector.kind },
    records,
    batchRoot: batchRoot(records.map((record) => record.recordHash)),
  };
}
