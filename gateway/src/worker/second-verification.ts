import {
  batchRoot,
  compareFieldNames,
  hashRecord,
  type DifferingFields,
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
  /** For the records read but different: which fields differ. */
  readonly differingFields: DifferingFields[];
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
  const differingFields: DifferingFields[] = [];
  let worstReason: VerdictReason = 'OK';
  // Retrying helps only if every failure may heal (a lagging replica, an unreachable source).
  let retryable = true;
  let detail: string | undefined;
  for (const [index, record] of content.records.entries()) {
    try {
      const data = await connector.read(record.read, signal ? { signal } : undefined);
      const { recordHash, fieldHashes } = hashRecord(data);
      observed.push(recordHash);
      if (recordHash !== record.recordHash) {
        failedRecords.push(index);
        const fields = fieldsThatDiffer(record.fieldHashes, fieldHashes);
        if (fields.length > 0) differingFields.push({ record: index, fields });
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
    return {
      ok: true,
      reason: 'OK',
      observedHash,
      failedRecords,
      differingFields,
      retryable: false,
    };
  }
  return {
    ...failure(worstReason, retryable, failedRecords, detail, observedHash),
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
