import type {
  CanonicalRecord,
  ConnectorKind,
  FieldType,
  HttpRead,
  ReadParameter,
  SqlRead,
} from '@corroborate/protocol';

import type { SourceConfig as SchemaSourceConfig } from '../config-schema';

export type { CanonicalRecord, ConnectorKind, FieldType, HttpRead, ReadParameter, SqlRead };

/** Options of a single read. */
export interface ReadOptions {
  /** Abandons the read; the promise then rejects with a retryable `SOURCE_UNAVAILABLE`. */
  signal?: AbortSignal;
}

/**
 * One configured source: the acquisition module reads the requester's record through it, and the
 * second verification re-reads the same record through a participant's own connector.
 *
 * A connector only ever reads. It builds every query from the structured read parameter (never
 * from text supplied by a caller), checks identifiers against its configured allow-list and
 * returns the record already in canonical form, typed so that the same row hashes identically
 * whichever database holds it.
 */
export interface SourceConnector {
  /** The logical source id, as it appears in a first block's interface parameter. */
  readonly id: string;
  readonly kind: ConnectorKind;

  /**
   * Reads exactly one record.
   *
   * @throws {@link SourceError} `READ_REFUSED` when the read names something outside the
   * allow-list or is malformed, `RECORD_NOT_FOUND` when nothing matches, `SOURCE_UNAVAILABLE`
   * when the source cannot be reached in time.
   */
  read(read: ReadParameter, options?: ReadOptions): Promise<CanonicalRecord>;

  /**
   * Reads several records, each settling on its own as {@link SourceConnector.read} would: SQL
   * connectors read the records of one table in one statement per chunk (`WHERE key IN (…)`);
   * the others read one at a time. Absent on connectors that read only one at a time; use
   * {@link readEach}, which falls back to `read`.
   */
  readMany?(reads: readonly ReadParameter[], options?: ReadOptions): Promise<ReadResult[]>;

  /**
   * Checks that the source answers (a trivial query, or any HTTP response from the base URL).
   *
   * @throws {@link SourceError} `SOURCE_UNAVAILABLE`.
   */
  ping(options?: ReadOptions): Promise<void>;

  /** Releases connections and file handles; reads after `close` are refused. */
  close(): Promise<void>;
}

/** How one read of {@link SourceConnector.readMany} settled. */
export type ReadResult =
  | { readonly ok: true; readonly record: CanonicalRecord }
  | { readonly ok: false; readonly error: unknown };

/**
 * Reads each of `reads` through the connector, in one call to `readMany` where it has one, else
 * one `read` after another. The results are in the order of `reads`.
 */
export async function readEach(
  connector: SourceConnector,
  reads: readonly ReadParameter[],
  options: ReadOptions = {},
): Promise<ReadResult[]> {
  if (connector.readMany !== undefined) {
    return connector.readMany(reads, options);
  }
  const results: ReadResult[] = [];
  for (const read of reads) {
    try {
      results.push({ ok: true, record: await connector.read(read, options) });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  return results;
}

/** The logical source ids a member serves, each mapped to its own connector. */
export interface SourceRegistry {
  /** The configured source ids, in configuration order. */
  readonly ids: readonly string[];

  /** True when `sourceId` is configured. */
  has(sourceId: string): boolean;

  /**
   * The connector for a logical source id.
   *
   * @throws {@link SourceError} `UNKNOWN_SOURCE` when this member has no such source.
   */
  get(sourceId: string): SourceConnector;

  /** Closes every connector; waits for all of them even when one fails. */
  close(): Promise<void>;
}

/**
 * Stable codes of {@link SourceError}. The first four are also verdict reasons, so a participant
 * reports them as they are.
 */
export type SourceErrorCode =
  'RECORD_NOT_FOUND' | 'SOURCE_UNAVAILABLE' | 'READ_REFUSED' | 'UNKNOWN_SOURCE' | 'INVALID_CONFIG';

export interface SourceErrorOptions {
  /** Whether trying the same read again later may succeed. */
  retryable?: boolean;
  sourceId?: string;
  cause?: unknown;
}

/**
 * Why a read failed. The message starts with the code (`READ_REFUSED: ...`) so that logs and
 * HTTP answers carry it; callers branch on `code` and `retryable`, never on the text. Messages
 * name identifiers but never configuration secrets.
 */
export class SourceError extends Error {
  readonly code: SourceErrorCode;
  readonly retryable: boolean;
  readonly sourceId?: string;

  constructor(code: SourceErrorCode, detail: string, options: Readonly<SourceErrorOptions> = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'SourceError';
    this.code = code;
    this.retryable = options.retryable ?? isRetryableByDefault(code);
    if (options.sourceId !== undefined) {
      this.sourceId = options.sourceId;
    }
  }
}

// An unreachable source may come back, and a record may not have reached a member's replica
// yet; a refused read, an unknown source or a bad configuration stays that way.
function isRetryableByDefault(code: SourceErrorCode): boolean {
  return code === 'SOURCE_UNAVAILABLE' || code === 'RECORD_NOT_FOUND';
}

/** True for a {@link SourceError}, optionally with the given code. */
export function isSourceError(error: unknown, code?: SourceErrorCode): error is SourceError {
  return error instanceof SourceError && (code === undefined || error.code === code);
}

// Source configurations are described once, by the configuration schema; these name its parts.
/** A member's local configuration of one source. It may hold secrets and never goes on the ledger. */
export type SourceConfig = SchemaSourceConfig;
export type SqliteSourceConfig = Extract<SourceConfig, { kind: 'sqlite' }>;
/** A PostgreSQL source; its password is a secret, redacted from parsed configurations. */
export type PostgresSourceConfig = Extract<SourceConfig, { kind: 'postgres' }>;
/** A MySQL or MariaDB source; its password is a secret, redacted from parsed configurations. */
export type MysqlSourceConfig = Extract<SourceConfig, { kind: 'mysql' }>;
/** An HTTP JSON source; its header values are secrets, redacted from parsed configurations. */
export type HttpSourceConfig = Extract<SourceConfig, { kind: 'http' }>;
/** The column allow-list of one table, and optional field types that override the driver's. */
export type TableConfig = SqliteSourceConfig['tables'][string];
/** TLS for a database connection: `true` verifies the server against the system CAs. */
export type DatabaseTls = NonNullable<PostgresSourceConfig['tls']>;

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_CONNECTIONS = 4;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/**
 * Prepared statements kept per connection. Reads choose their columns, so the distinct statement
 * texts are unbounded; the least recently used statements are closed beyond this many.
 */
export const PREPARED_STATEMENT_CACHE_SIZE = 256;
