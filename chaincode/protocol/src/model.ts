import type { CanonicalRecord } from './record';
import type { Scheme } from './scheme';

/** How participants take turns: all at once, or each after its predecessor in the snapshot. */
export type Mode = 'parallel' | 'relay';

/** The kinds of source connector a first block may name in its interface parameter. */
export type ConnectorKind = 'sqlite' | 'postgres' | 'mysql' | 'http';

/** A primary-key value as it appears in a read; identifies, and is not itself hashed. */
export type KeyValue = string | number | boolean;

/** Reads `columns` of the row of `table` whose key columns equal `key`. */
export interface SqlRead {
  kind: 'sql';
  table: string;
  key: Record<string, KeyValue>;
  columns: string[];
}

/** Reads the value at JSON Pointer `pointer` (RFC 6901) of the document at `path` of the source. */
export interface HttpRead {
  kind: 'http';
  path: string;
  pointer: string;
}

/** Where a participant finds a record in its own copy of the source. */
export type ReadParameter = SqlRead | HttpRead;

/** Who asked: the submitter's MSP id and the SHA-256 fingerprint of its certificate. */
export interface Requester {
  mspId: string;
  certFingerprint: string;
}

/** The logical source every participant reads; each maps `sourceId` to its own connection. */
export interface SourceInterface {
  sourceId: string;
  connector: ConnectorKind;
}

/** One record of a first block: how to read it, and its record and field hashes. */
export interface FirstBlockRecord {
  read: ReadParameter;
  recordHash: string;
  fieldHashes: Record<string, string>;
  /** The canonical record; absent exactly when the block is `hashOnly`. */
  data?: CanonicalRecord;
}

/** What a requester signs to ask the consortium to corroborate records. */
export interface FirstBlockContent {
  id: string;
  scheme: Scheme;
  mode: Mode;
  hashOnly: boolean;
  /** RFC 3339 UTC, 'YYYY-MM-DDTHH:MM:SS[.fff]Z'. */
  deadline: string;
  requester: Requester;
  interface: SourceInterface;
  records: FirstBlockRecord[];
  batchRoot: string;
}

/** A participant's judgement of a first block. */
export type VerdictResult = 'valid' | 'invalid';

/** Why a participant judged as it did: `OK`, or the code of the check that failed. */
export type VerdictReason =
  | 'OK'
  | 'HASH_MISMATCH'
  | 'RECORD_NOT_FOUND'
  | 'SOURCE_UNAVAILABLE'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_SOURCE'
  | 'READ_REFUSED'
  | 'INTERNAL';

/** A participant's verdict on a first block, as it submits it. */
export interface VerdictInput {
  result: VerdictResult;
  /** The batch root the participant computed, or '' when it read nothing. */
  observedHash: string;
  reason: VerdictReason;
  attempts: number;
  /** Indices of the records that did not match, for batches. */
  failedRecords?: number[];
  /**
   * For failed records that the participant read but found different: the fields whose hashes
   * differ from the block's, so that an operator sees what changed without seeing the data.
   */
  differingFields?: DifferingFields[];
}

/** The fields of one record (an index into the block's records) whose hashes differ. */
export interface DifferingFields {
  record: number;
  /** Field names in the rule's order, each once: present in the block or the source, or both. */
  fields: string[];
}

/** Every {@link Mode}. */
export const MODES: readonly Mode[] = ['parallel', 'relay'];
/** Every {@link ConnectorKind}. */
export const CONNECTOR_KINDS: readonly ConnectorKind[] = ['sqlite', 'postgres', 'mysql', 'http'];
/** Every {@link VerdictResult}. */
export const VERDICT_RESULTS: readonly VerdictResult[] = ['valid', 'invalid'];
/** Every {@link VerdictReason}. */
export const VERDICT_REASONS: readonly VerdictReason[] = [
  'OK',
  'HASH_MISMATCH',
  'RECORD_NOT_FOUND',
  'SOURCE_UNAVAILABLE',
  'BAD_SIGNATURE',
  'UNKNOWN_SOURCE',
  'READ_REFUSED',
  'INTERNAL',
];

/** Bounds on a first block; the contract refuses anything larger before doing real work. */
export const LIMITS = {
  /** UTF-8 bytes of the canonical JSON of the content. */
  maxContentBytes: 4 * 1024 * 1024,
  maxRecords: 1000,
  maxFields: 256,
  maxFieldNameLength: 128,
  maxKeyColumns: 16,
  maxColumns: 256,
  maxPathLength: 512,
  maxPointerLength: 512,
  maxKeyTextLength: 1024,
  maxMspIdLength: 128,
  maxAttempts: 100,
} as const;
