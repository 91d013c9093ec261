import {
  batchRoot,
  hashRecord,
  type FirstBlockContent,
  type VerdictReason,
} from '@corroborate/protocol';
import { SourceError, type SourceRegistry } from '../sources/source';

export interface SecondVerification {
  readonly ok: boolean;
  readonly reason: VerdictReason;
  /** The batch root of what this participant read, or '' when it could not read every record. */
  readonly observedHash: string;
  readonly failedRecords: number[];
  /** Whether another attempt may change the answer (a mismatch or an unreachable source). */
  readonly retryable: boolean;
  readonly detail?: string;
}

/**
 * The second verification (M5): the participant reads every record itself, through its own
 * connection for the block's logical source and the block's read parameters, recomputes the
 * hashes by the agreed rule and compares them with those in the block.
 */
export async function verifyAgainstSource(
  sources: SourceRegistry,
  content: FirstBlockContent,
  signal?: AbortSignal,
): Promise<SecondVerification> {
  let connector;
  try {
    connector = sources.get(content.interface.sourceId);
  } catch (error) {
    return failure('UNKNOWN_SOURCE', false, [], (error as Error).message);
  }
  const observed: string[] = [];
  const failedRecords: number[] = [];
  let worstReason: VerdictReason = 'OK';
  // Retrying helps only if every failure may heal (a lagging replica, an unreachable source).
  let retryable = true;
  let detail: string | undefined;
  for (const [index, record] of content.records.entries()) {
    try {
      const data = await connector.read(record.read, signal ? { signal } : undefined);
      const { recordHash } = hashRecord(data);
      observed.push(recordHash);
      if (recordHash !== record.recordHash) {
        failedRecords.push(index);
        worstReason = worstReason === 'OK' ? 'HASH_MISMATCH' : worstReason;
      }
    } catch (error) {
      failedRecords.push(index);
      const reason = readFailureReason(error);
      if (worstReason === 'OK' || worstReason === 'HASH_MISMATCH') worstReason = reason;
      retryable &&=
        error instanceof SourceError ? error.retryable : reason === 'SOURCE_UNAVAILABLE';
      detail ??= (error as Error).message;
    }
  }
  const observedHash = observed.length === content.records.length ? batchRoot(observed) : '';
  if (failedRecords.length === 0) {
    return { ok: true, reason: 'OK', observedHash, failedRecords, retryable: false };
  }
  return failure(worstReason, retryable, failedRecords, detail, observedHash);
}

function failure(
  reason: VerdictReason,
  retryable: boolean,
  failedRecords: number[],
  detail?: string,
  observedHash = '',
): SecondVerification {
  return {
    ok: false,
    reason,
    observedHash,
    failedRecords,
    retryable,
    ...(detail ? { detail } : {}),
  };
}

function readFailureReason(error: unknown): VerdictReason {
  if (error instanceof SourceError) {
    switch (error.code) {
      case 'RECORD_NOT_FOUND':
      case 'SOURCE_UNAVAILABLE':
      case 'READ_REFUSED':
      case 'UNKNOWN_SOURCE':
        return error.code;
      default:
        return 'INTERNAL';
    }
  }
  if ((error as { code?: unknown }).code === 'INVALID_VALUE') return 'INTERNAL';
  return 'SOURCE_UNAVAILABLE';
}
