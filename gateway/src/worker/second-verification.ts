import {
  batchRoot,
  compareFieldNames,
  hashRecord,
  resultOfReason,
  type BlockSalts,
  type DifferingFields,
  type FirstBlockContent,
  type VerdictReason,
} from '@corroborate/protocol';
import { readEach, SourceError, type SourceRegistry } from '../sources/source';

export interface SecondVerification {
  readonly ok: boolean;
  /**
   * `OK`, or why not: evidence against the record when there is any (a mismatch, a missing
   * record, a refused read), otherwise why the source could not be read (an abstention reason).
   * `resultOfReason` gives the verdict it makes.
   */
  readonly reason: VerdictReason;
  /**
   * The batch root of what this participant read, or '' when it could not read every record. A
   * verdict carries it only when it is valid, i.e. equal to the block's batch root.
   */
  readonly observedHash: string;
  readonly failedRecords: number[];
  /** For the records read but different: which fields differ. */
  readonly differingFields: DifferingFields[];
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
 * hashes by the agreed rule (with the block's `salts` under `corroborate-v2`, from
 * `saltsOfBlock(block)`) and compares them with those in the block. Evidence against the
 * record outweighs a record it could not read: only when nothing it read disagrees is the
 * failure an unreadable source.
 */
export async function verifyAgainstSource(
  sources: SourceRegistry,
  content: FirstBlockContent,
  signal?: AbortSignal,
  salts?: BlockSalts,
): Promise<SecondVerification> {
  let connector;
  try {
    connector = sources.get(content.interface.sourceId);
  } catch (error) {
    return failure('UNKNOWN_SOURCE', false, [], (error as Error).message);
  }
  const observed: string[] = [];
  const failedRecords: number[] = [];
  const differingFields: DifferingFields[] = [];
  // Retrying helps only if every failure of the kind reported may heal (a lagging replica, an
  // unreachable source).
  const evidence = { reason: undefined as VerdictReason | undefined, retryable: true };
  const unreadable = { reason: undefined as VerdictReason | undefined, retryable: true };
  let detail: string | undefined;
  // In one statement per table and 500 keys where the connector can (SQL), else one by one.
  const reads = await readEach(
    connector,
    content.records.map((record) => record.read),
    signal ? { signal } : undefined,
  );
  const noteFailure = (index: number, error: unknown): void => {
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
    detail ??= error instanceof Error ? error.message : String(error);
  };
  for (const [index, record] of content.records.entries()) {
    const read = reads[index];
    if (read === undefined || !read.ok) {
      noteFailure(index, read === undefined ? new Error('no read result') : read.error);
      continue;
    }
    try {
      const { recordHash, fieldHashes } = hashRecord(read.record, salts?.(index));
      observed.push(recordHash);
      if (recordHash !== record.recordHash) {
        failedRecords.push(index);
        const fields = fieldsThatDiffer(record.fieldHashes, fieldHashes);
        if (fields.length > 0) differingFields.push({ record: index, fields });
        evidence.reason ??= 'HASH_MISMATCH';
      }
    } catch (error) {
      noteFailure(index, error);
    }
  }
  const observedHash = observed.length === content.records.length ? batchRoot(observed) : '';
  if (failedRecords.length === 0) {
    return {
      ok: true,
      reason: 'OK',
      observedHash,
      failedRecords,
      differingFields,
      retryable: false,
    };
  }
  const worst = evidence.reason === undefined ? unreadable : evidence;
  return {
    ...failure(worst.reason ?? 'INTERNAL', worst.retryable, failedRecords, detail, observedHash),
    differingFields,
  };
}

/** Field names whose hashes differ, or that only one side has, in the rule's order. */
export function fieldsThatDiffer(
  expected: Readonly<Record<string, string>>,
  observed: Readonly<Record<string, string>>,
): string[] {
  const names = new Set([...Object.keys(expected), ...Object.keys(observed)]);
  return [...names].filter((name) => expected[name] !== observed[name]).sort(compareFieldNames);
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
    differingFields: [],
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
