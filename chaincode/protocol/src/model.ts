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

/**
 * A participant's judgement of a first block: `valid` (it read the same record), `invalid` (it
 * has evidence against the record), or `unverifiable` (an abstention: it could not read its
 * source, which is no evidence either way; it counts toward neither acceptance nor rejection).
 */
export type VerdictResult = 'valid' | 'invalid' | 'unverifiable';

/**
 * Why a participant judged as it did: `OK` for a valid verdict, an {@link EvidenceReason} for an
 * invalid one, an {@link AbstentionReason} for an unverifiable one.
 */
export type VerdictReason =
  | 'OK'
  | 'HASH_MISMATCH'
  | 'RECORD_NOT_FOUND'
  | 'SOURCE_UNAVAILABLE'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_SOURCE'
  | 'READ_REFUSED'
  | 'INTERNAL';

/**
 * Reasons that are evidence against a record, and so make a verdict `invalid`: the record read
 * differs (`HASH_MISMATCH`), is not there after the retries (`RECORD_NOT_FOUND`), the block's
 * signature does not verify (`BAD_SIGNATURE`), or the source refuses the read (`READ_REFUSED`).
 */
export type EvidenceReason =
  'HASH_MISMATCH' | 'RECORD_NOT_FOUND' | 'BAD_SIGNATURE' | 'READ_REFUSED';

/**
 * Reasons a participant could not judge, which make a verdict `unverifiable`: its source stayed
 * unreachable or timed out until shortly before the deadline (`SOURCE_UNAVAILABLE`), it has no
 * source of that id (`UNKNOWN_SOURCE`), or it failed itself (`INTERNAL`). None is evidence
 * about the record.
 */
export type AbstentionReason = 'SOURCE_UNAVAILABLE' | 'UNKNOWN_SOURCE' | 'INTERNAL';

/**
 * What a participant attests about a first block: its judgement and its reasons. It signs these,
 * with the block they are about (see `verdictSigningPayload`).
 */
export interface VerdictBody {
  result: VerdictResult;
  /**
   * The batch root the participant computed, for a `valid` verdict only (where it is the block's
   * batch root); '' otherwise. A verdict that disagrees never carries a hash of what was read,
   * which would let anyone holding it guess the values by hashing candidates.
   */
  observedHash: string;
  reason: VerdictReason;
  attempts: number;
  /** Indices of the records that did not match or could not be read, for batches. */
  failedRecords?: number[];
  /**
   * For failed records that the participant read but found different: the fields whose hashes
   * differ from the block's, so that an operator sees what changed without seeing the data.
   */
  differingFields?: DifferingFields[];
}

/**
 * A participant's verdict on a first block, as it submits it: the body and its signature (DER
 * ECDSA P-256 / SHA-256, base64) over `verdictSigningPayload`, by the identity that submits the
 * transaction.
 */
export interface VerdictInput extends VerdictBody {
  signature: string;
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
export const VERDICT_RESULTS: readonly VerdictResult[] = ['valid', 'invalid', 'unverifiable'];
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
/** Every {@link EvidenceReason}. */
export const EVIDENCE_REASONS: readonly EvidenceReason[] = [
  'HASH_MISMATCH',
  'RECORD_NOT_FOUND',
  'BAD_SIGNATURE',
  'READ_REFUSED',
];
/** Every {@link AbstentionReason}. */
export const ABSTENTION_REASONS: readonly AbstentionReason[] = [
  'SOURCE_UNAVAILABLE',
  'UNKNOWN_SOURCE',
  'INTERNAL',
];

/**
 * The one result a reason belongs to: `OK` to `valid`, evidence to `invalid`, an abstention to
 * `unverifiable`. A verdict whose result is not its reason's is refused, so that an outage can
 * never be recorded as a vote against a record.
 */
export function resultOfReason(reason: VerdictReason): VerdictResult {
  if (reason === 'OK') return 'valid';
  return (EVIDENCE_REASONS as readonly string[]).includes(reason) ? 'invalid' : 'unverifiable';
}

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
  /**
   * Attempts a verdict may report: a participant retries an unreachable source until shortly
   * before a deadline up to 30 days ahead, so attempts can run into the hundreds of thousands.
   */
  maxAttempts: 1_000_000,
} as const;
