import {
  batchRoot,
  certificateFingerprint,
  hashRecord,
  SCHEME,
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
}

export interface Requester {
  readonly mspId: string;
  readonly certificatePem: string;
}

/**
 * The acquisition module (M1, M2): reads every record through the member's own connector for the
 * logical source, hashes it by the agreed rule and packs the first parameter data (interface and
 * read parameters) and the second (hashes) into the content of a first block, ready to sign.
 */
export async function acquireFirstBlock(
  sources: SourceRegistry,
  requester: Requester,
  request: AcquisitionRequest,
  signal?: AbortSignal,
): Promise<FirstBlockContent> {
  const connector = sources.get(request.sourceId);
  const records: FirstBlockRecord[] = [];
  for (const read of request.reads) {
    const data = await connector.read(read, signal ? { signal } : undefined);
    const { recordHash, fieldHashes } = hashRecord(data);
    records.push({ read, recordHash, fieldHashes, ...(request.hashOnly ? {} : { data }) });
  }
  return {
    id: request.id,
    scheme: SCHEME,
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
