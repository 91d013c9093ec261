import {
  batchRoot,
  hashRecord,
  resultOfReason,
  type FirstBlockContent,
  type VerdictReason,
} from '@corroborate/protocol';
import { SourceError, type SourceRegistry } from '../sources/source';

export interface SecondVerification {
  readonly ok: boolean;
  /**
   * `OK`, or why not: evidence against the record when there is any (a mismatch, a missing
   * record, a refused read), otherwise why the source could not be read (an abstention reason).
   * `resultOfReason` gives the verdict it makes.
   */
  readonly reason: VerdictReason;
  /** The batch root of what this participant read, or '' when it could not read every record. */
  readonly observedHash: string;
  readonly failedRecords: number[];
  /**
   * Whether another attempt may change the answer: a mismatch or a missing record (a lagging
   * replica), or a source that is unreachable or timed out (it may come back).
   */
  readonly retryable: boolean;
  readonly detail?: string;
}

/**
 * The second verification (M5): the participant reads every record itself, through its own
 * connection for the block's logical source and the block's read parameters, recomputes the
 * hashes by the agreed rule and compares them with those in the block. Evidence against the
 * record outweighs a record it could not read: only when nothing it read disagrees is the
 * failure an unreadable source.
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
  // Retrying helps only if every failure of the kind reported may heal (a lagging replica, an
  // unreachable source).
  const evidence = { reason: undefined as VerdictReason | undefined, retryable: true };
  const unreadable = { reason: undefined as VerdictReason | undefined, retryable: true };
  let detail: string | undefined;
  for (const [index, record] of content.records.entries()) {
    try {
      const data = await connector.read(record.read, signal ? { signal } : undefined);
      const { recordHash } = hashRecord(data);
      observed.push(recordHash);
      if (recordHash !== record.recordHash) {
        failedRecords.push(index);
        evidence.reason ??= 'HASH_MISMATCH';
      }
    } catch (error) {
      failedRecords.push(index);
      const reason = readFailureReason(error);
      const retryable =
        error instanceof SourceError ? error.retryable : reason === 'SOURCE_UNAVAILABLE';
      if (resultOfReason(reason) === 'invalid') {
        // A read the source answers (not found, refused) says more than a mismatch elsewhere.
        if (evidence.reason === undefined || evidence.reason === 'HASH_MISMATCH') {
          evidence.reason = reason;
        }
        evidence.retryable &&= retryable;
      } else {
        unreadable.reason ??= reason;
        unreadable.retryable &&= retryable;
      }
      detail ??= (error as Error).message;
    }
  }
  const observedHash = observed.length === content.records.length ? batchRoot(observed) : '';
  if (failedRecords.length === 0) {
    return { ok: true, reason: 'OK', observedHash, failedRecords, retryable: false };
  }
  const worst = evidence.reason === undefined ? unreadable : evidence;
  return failure(worst.reason ?? 'INTERNAL', worst.retryable, failedRecords, detail, observedHash);
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
